// One MCP server for one role: its tools, the resources, the planner prompt, and the call dispatch that refuses other tools.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { StewardError } from '../core/errors.js';
import type { BackoffPolicy } from '../core/policy.js';
import type { OpContext } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { advertisedOutput, errorResult, runTool, type ToolDef, type ToolEnv } from './define.js';
import { answerMalformedAsInvalidParams } from './lenient-requests.js';
import { registerPlannerPrompt } from './prompts.js';
import { registerResources } from './resources.js';
import { isToolName, ROLE_TOOLS, type McpRole } from './roles.js';
import { TOOLS } from './tools.js';

/** The version steward reports to MCP clients. */
export const STEWARD_MCP_VERSION = '0.1.0';

/** Everything a role's server needs. */
export interface McpServerOptions {
  store: Store;
  role: McpRole;
  /** Recorded as the actor of every event; default `mcp:<role>`. */
  actor?: string;
  /** TASKS.md, for steward://board. */
  boardPath?: string;
  /** The clock (ms); Date.now by default. */
  now?: () => number;
  /** Diagnostics; stderr by default. */
  log?: (line: string) => void;
  /** The workspace's tick (lock, hooks, digest); without it the tool runs a bare tick of the store. */
  tick?: (ctx: OpContext) => Record<string, unknown>;
  /** The workspace's retry backoff (config `retry`) for failures reported through `fail`; the built-in one when absent. */
  backoff?: BackoffPolicy;
  /** The configured agent profiles: accept (decide) checks that a task's prompt can reach them. */
  agents?: OpContext['agents'];
}

const INSTRUCTIONS: Record<McpRole, string> = {
  planner: 'steward work queue. Read it with list/show; add work with propose (triage decides). See the propose_well prompt.',
  worker: 'steward work queue. claim a task, heartbeat its run while you work, then complete or fail that run.',
  triage: 'steward work queue. tick returns the digest; decide proposals; update tasks (priority, cancel, review, answers).',
  viewer: 'steward work queue, read-only: list and show tasks.',
};

/** Why a tools/call envelope is malformed (set by the envelope below, answered as InvalidParams). */
const MALFORMED = Symbol('malformed tools/call');

/** What the envelope hands on: a name and arguments, or why there are none. */
interface CallEnvelope {
  name: string;
  arguments?: Record<string, unknown>;
  [MALFORMED]?: string;
}

/**
 * The envelope of tools/call. The SDK's protocol layer parses a request with the registered schema
 * and reports a schema that throws as InternalError (-32603) with the raw zod issues; its Server then
 * checks CallToolRequestSchema and reports a mismatch as InvalidParams with the same dump. So this
 * schema never fails: it turns a malformed request (no `params`, no string `name`, `arguments` that
 * is not an object) into a well-formed one marked MALFORMED, and the handler answers that with a
 * clean InvalidParams (-32602) naming what is wrong.
 */
const callToolEnvelope = z.object({
  method: z.literal('tools/call'),
  // optional: a request without params at all must reach the transform too (a bare unknown() key is required in zod 4).
  params: z.unknown().optional().transform((p): CallEnvelope => {
    const params = typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
    const args = params?.arguments;
    const argsOk = args === undefined || (typeof args === 'object' && args !== null && !Array.isArray(args));
    const why = !params
      ? 'tools/call needs params: {name, arguments}'
      : typeof params.name !== 'string'
        ? 'tools/call needs params.name, the name of a tool (a string)'
        : !argsOk
          ? 'tools/call params.arguments must be an object of named arguments'
          : undefined;
    if (why) return { ...params, name: '', arguments: {}, [MALFORMED]: why };
    return params as unknown as CallEnvelope;
  }),
});

/** Refuses a call to a tool this role lacks (FORBIDDEN) or that steward does not have (NOT_FOUND). */
function refuse(name: string, role: McpRole): CallToolResult {
  const tools = [...ROLE_TOOLS[role]];
  if (isToolName(name)) {
    return errorResult(new StewardError('FORBIDDEN', `tool ${name} is not available to the ${role} role`, { tool: name, role, tools }));
  }
  return errorResult(new StewardError('NOT_FOUND', `no tool ${name}`, { tool: name, role, tools }));
}

/** Builds the McpServer for `role`: only its tools are registered, listed and callable. */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { store, role } = options;
  const actor = options.actor ?? `mcp:${role}`;
  const now = options.now ?? (() => store.now());
  const env: ToolEnv = {
    store,
    role,
    actor,
    source: `mcp:${role}`,
    op: () => ({ now: now(), actor, ...(options.backoff ? { backoff: options.backoff } : {}), ...(options.agents ? { agents: options.agents } : {}) }),
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
    tick: options.tick,
  };
  const server = new McpServer({ name: 'steward', version: STEWARD_MCP_VERSION }, { instructions: INSTRUCTIONS[role] });
  answerMalformedAsInvalidParams(server);
  const mine = new Map<string, ToolDef>();
  for (const name of ROLE_TOOLS[role]) {
    const def = TOOLS[name];
    mine.set(name, def);
    const registered = server.registerTool(
      name,
      {
        title: def.title,
        description: def.description,
        inputSchema: def.input,
        outputSchema: advertisedOutput(def.output),
        annotations: def.annotations,
      },
      (args: unknown) => runTool(def, args, env),
    );
    // No tool is a long-running MCP task; an absent execution.taskSupport means "forbidden" (the
    // spec's default), so leaving it out says the same in ~40 fewer characters per tool.
    registered.execution = undefined;
  }
  registerResources(server, env, options.boardPath);
  if (role === 'planner') registerPlannerPrompt(server);
  // The SDK answers a call to an unregistered tool with a bare "not found" message, and a schema
  // mismatch with a bare message too. steward dispatches tools/call itself so that every refusal
  // carries a stable code: a tool outside the role is refused here, by the server, as FORBIDDEN.
  server.server.setRequestHandler(callToolEnvelope, (request) => {
    const malformed = request.params[MALFORMED];
    if (malformed) throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${malformed}`);
    const name = request.params.name;
    const def = mine.get(name);
    return def ? runTool(def, request.params.arguments, env) : refuse(name, role);
  });
  return server;
}
