// What a steward MCP tool is, and the one wrapper every call goes through (typed errors, checked output).
import { visibleText } from '../core/visible-text.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { StewardError, toStewardError } from '../core/errors.js';
import { parseInput } from '../core/schemas.js';
import type { OpContext } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { McpRole, ToolName } from './roles.js';

/** What a tool handler may use: the store, who is calling, and the clock. */
export interface ToolEnv {
  store: Store;
  role: McpRole;
  actor: string;
  /** Recorded as the source of proposals: `mcp:<role>`. */
  source: string;
  op(): OpContext;
  /** Writes a diagnostic line (stderr; never stdout on stdio). */
  log(line: string): void;
  /** Runs one tick of the workspace (lock, hooks, digest) and returns the digest; set by the host. */
  tick?: (ctx: OpContext) => Record<string, unknown>;
}

/** A handler's answer: the structured result and a short text for the model. */
export interface ToolAnswer {
  structured: Record<string, unknown>;
  text: string;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** A tool: its name, schemas (shared with the CLI), annotations and handler. */
export interface ToolDef<I extends AnyObject = AnyObject> {
  name: ToolName;
  title: string;
  description: string;
  input: I;
  /** The success shape; the advertised schema also admits the error shape (see advertisedOutput). */
  output: AnyObject;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  run(input: z.output<I>, env: ToolEnv): ToolAnswer;
}

/** Declares a tool with its input type inferred from its schema. */
export function defineTool<I extends AnyObject>(def: ToolDef<I>): ToolDef {
  return def as unknown as ToolDef;
}

/**
 * The output schema a tool advertises: the success fields (objects inside left open; docs/MCP.md
 * has them), all optional and the object open, so the error shape `{code, message, details}` fits too:
 * SDK clients validate structuredContent even on isError results. Open also means new fields never
 * break a client that cached the schema. The full success schema is checked on the server (runTool).
 */
export function advertisedOutput(output: AnyObject): AnyObject {
  return (outline(output, 1) as AnyObject).partial().loose() as unknown as AnyObject;
}

/** `schema` with objects and arrays below `depth` levels replaced by open ones. */
function outline(schema: z.ZodType, depth: number): z.ZodType {
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case 'optional':
      return outline(def.innerType, depth).optional();
    case 'nullable':
      return outline(def.innerType, depth).nullable();
    case 'array':
      return z.array(depth > 1 ? outline(def.element, depth - 1) : z.unknown());
    case 'object': {
      if (depth <= 0) return z.looseObject({});
      const shape = Object.fromEntries(Object.entries(def.shape as z.ZodRawShape).map(([k, v]) => [k, outline(v as z.ZodType, depth - 1)]));
      const strict = def.catchall?._zod?.def?.type === 'never';
      return def.catchall && !strict ? z.looseObject(shape) : z.strictObject(shape);
    }
    default:
      return schema;
  }
}

/** An isError result carrying `{code, message, details}` in structuredContent. */
export function errorResult(err: StewardError): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `error ${err.code}: ${visibleText(err.message)}` }],
    structuredContent: err.toJSON(),
  };
}

/** Runs one tool call: validate, run, check the result against the output schema; any throw becomes a typed error. */
export function runTool(def: ToolDef, args: unknown, env: ToolEnv): CallToolResult {
  try {
    const input = parseInput(def.input, args ?? {}, def.name);
    const answer = def.run(input, env);
    const checked = def.output.safeParse(answer.structured);
    if (!checked.success) {
      throw new StewardError('INTERNAL', `tool ${def.name} built a result that does not match its schema`, {
        issues: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
    }
    // The text summary is for people and UIs: hidden characters escaped; structuredContent keeps the raw values.
    return { content: [{ type: 'text', text: visibleText(answer.text) }], structuredContent: answer.structured };
  } catch (err) {
    const e = toStewardError(err);
    if (e.code === 'INTERNAL') env.log(`steward mcp: ${def.name}: ${(err as Error)?.stack ?? e.message}`);
    return errorResult(e);
  }
}
