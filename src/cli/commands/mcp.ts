// `steward mcp`: serve the queue to MCP clients — one role over stdio, or streamable HTTP with bearer tokens.
import { backoffPolicyOf, httpGuardOf } from '../../config/config-policy.js';
import { StewardError } from '../../core/errors.js';
import { parseInput, zInt } from '../../core/schemas.js';
import { checkBindHost } from '../../http/request-guard.js';
import { zRole } from '../../mcp/roles.js';
import { workspaceTick } from '../../tick/workspace-tick.js';
import { listenWithFallback } from '../../up/listen.js';
import { readUpFile } from '../../up/up-file.js';
import type { CliContext, Command, Values } from '../command.js';

/** The MCP adapter, loaded only when this command runs (the SDK is not needed by other commands). */
const loadMcp = () => import('../../mcp/index.js');

async function serveHttp(ctx: CliContext, values: Values): Promise<void> {
  const { loadMcpTokens, startMcpHttp } = await loadMcp();
  if (values.role !== undefined) throw new StewardError('USAGE', 'with --http each bearer token decides the role; drop --role');
  const config = ctx.config();
  const tokens = loadMcpTokens(config.mcp.tokens, ctx.env);
  const count = Object.keys(tokens).length;
  if (count === 0) {
    throw new StewardError('USAGE', 'no MCP tokens: add mcp.tokens to .steward/config.yaml or set STEWARD_MCP_TOKENS');
  }
  const port = parseInput(zInt(0, 65535), values.port ?? config.mcp.port, 'port');
  const host = (values.host as string | undefined) ?? config.mcp.host;
  const warning = checkBindHost(host, values['allow-remote'] === true);
  if (warning) ctx.log(`steward mcp: ${warning}`);
  const up = readUpFile(ctx.workspace().stewardDir);
  if (up?.alive) ctx.log(`steward mcp: note: steward up (pid ${up.info.pid}) already serves MCP for this workspace at ${up.info.mcp_url}`);
  const tick = workspaceTick({ workspace: ctx.workspace(), config, store: ctx.store() });
  const backoff = backoffPolicyOf(config);
  const guard = httpGuardOf(config, host);
  // The worker API for remote babysitters (`steward work --server`), as `steward up` serves it: worker tokens only.
  const { createWorkerApiHandler, WORKER_API_PREFIX } = await import('../../remote/worker-api.js');
  const store = ctx.store();
  const workerApi = createWorkerApiHandler({ store, tokens, workspace: ctx.workspace(), config, log: ctx.log, maxParked: Math.max(1, Math.floor(guard.limits.maxConnections / 2)) });
  // This process's commits wake remote claims waiting for work at once; other processes' are found by the change poll.
  const pinged = store.afterCommit;
  store.afterCommit = () => {
    pinged?.();
    workerApi.wake();
  };
  const beside = { prefix: WORKER_API_PREFIX, handle: workerApi };
  const start = (p: number) => startMcpHttp({ store: ctx.store(), tokens, host, port: p, boardPath: ctx.workspace().boardPath, log: ctx.log, tick, backoff, agents: config.agents, guard, beside });
  const http = await listenWithFallback({ host, port, explicit: values.port !== undefined }, start, (taken) =>
    ctx.log(`steward mcp: ${host}:${taken} is taken (steward up, or another program): using a free port instead`),
  );
  ctx.log(`steward mcp: streamable HTTP on ${http.url} (${count} token${count === 1 ? '' : 's'}), the worker API for remote workers under ${WORKER_API_PREFIX}; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  workerApi.close();
  await http.close();
}

/** `steward mcp`: stdio for one role (default planner), or --http for bearer-token clients. */
export const mcp: Command = {
  name: 'mcp',
  summary: 'serve MCP: one role over stdio, or streamable HTTP where bearer tokens pick the role',
  usage: 'steward mcp [--role planner|worker|triage] [--actor NAME]   |   steward mcp --http [--port P] [--host H] [--allow-remote]',
  options: {
    role: { type: 'string' },
    http: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-remote': { type: 'boolean' },
  },
  async run(ctx, values) {
    if (values.http) {
      await serveHttp(ctx, values);
      return { json: null, text: '', silent: true };
    }
    if (values.port !== undefined || values.host !== undefined || values['allow-remote'] !== undefined) throw new StewardError('USAGE', '--port, --host and --allow-remote need --http');
    const role = parseInput(zRole, values.role ?? 'planner', 'role');
    // The CLI's default actor is "cli"; an MCP session without --actor is recorded as mcp:<role>.
    const actor = ctx.actor === 'cli' ? `mcp:${role}` : ctx.actor;
    const store = ctx.store();
    const { serveStdio } = await loadMcp();
    ctx.log(`steward mcp: ${role} tools on stdio for ${ctx.workspace().root} as ${actor}`);
    const config = ctx.config();
    const tick = workspaceTick({ workspace: ctx.workspace(), config, store });
    await serveStdio({ store, role, actor, boardPath: ctx.workspace().boardPath, log: ctx.log, tick, backoff: backoffPolicyOf(config), agents: config.agents });
    return { json: null, text: '', silent: true };
  },
};
