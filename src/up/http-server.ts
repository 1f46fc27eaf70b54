// The HTTP face of `steward up` on 127.0.0.1: /mcp (MCP, bearer token → role), /metrics (token), /healthz, the web board.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { createMcpHttpHandler, makeAuthenticator, MCP_PATH, type McpHttpOptions, type McpTokens } from '../mcp/index.js';
import { createGuardedServer, type GuardOptions } from '../http/request-guard.js';
import type { Store } from '../store/open-store.js';
import type { WebBoard } from '../web/index.js';
import { renderMetrics, type LoopStats } from './metrics.js';
import type { BudgetView } from '../ops/budget-report.js';
import { WORKER_API_PREFIX } from '../remote/worker-api.js';

export interface UpHttpOptions {
  store: Store;
  tokens: McpTokens;
  boardPath: string;
  host: string;
  port: number;
  loop: LoopStats;
  /** The workspace tick, for the MCP triage `tick` tool. */
  tick?: McpHttpOptions['tick'];
  /** The workspace's retry backoff, for the worker `fail` tool. */
  backoff?: McpHttpOptions['backoff'];
  /** The configured agent profiles (McpServerOptions.agents). */
  agents?: McpHttpOptions['agents'];
  now?: () => number;
  log?: (line: string) => void;
  /** The web board; it answers its own paths (/, /board, /tasks/…, /login, …). */
  web?: WebBoard;
  /** Host/Origin allowances and limits; every route is behind this guard. */
  guard?: GuardOptions;
  /** The scope budgets now, for /metrics. */
  budgets?: (now: number) => BudgetView[];
  /** The worker API for remote babysitters (src/remote/worker-api.ts), under /api/worker/. */
  workerApi?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** Starts the server; resolves with its base URL and a close function. */
export async function startUpHttp(options: UpHttpOptions): Promise<{ url: string; mcpUrl: string; server: Server; close(): Promise<void> }> {
  const mcp = createMcpHttpHandler({
    store: options.store,
    tokens: options.tokens,
    boardPath: options.boardPath,
    tick: options.tick,
    backoff: options.backoff,
    agents: options.agents,
    now: options.now,
    log: options.log,
  });
  const check = makeAuthenticator(options.tokens);
  const now = options.now ?? (() => options.store.now());
  const server = createGuardedServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === MCP_PATH) return void mcp(req, res);
    if (options.workerApi && path.startsWith(WORKER_API_PREFIX)) return void options.workerApi(req, res);
    if ((path === '/healthz' || path === '/metrics') && req.method !== 'GET' && req.method !== 'HEAD') {
      return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end(`${path}: GET or HEAD only\n`);
    }
    if (path === '/healthz') {
      const problem = options.store.fileProblem();
      // It needs no token: it says what is wrong, not where the database lives (the path is in up's log).
      const shown = problem?.replaceAll(options.store.path, basename(options.store.path));
      if (shown) return void res.writeHead(503, { 'content-type': 'text/plain' }).end(`unavailable: ${shown}\n`);
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    }
    if (path === '/metrics') {
      if (!check(req.headers.authorization)) {
        return void res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('unauthorized: send Authorization: Bearer <token>\n');
      }
      try {
        return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(options.store, options.loop, now(), options.budgets?.(now())));
      } catch (err) {
        return void res.writeHead(503, { 'content-type': 'text/plain' }).end(`unavailable: ${(err as Error).message}\n`);
      }
    }
    if (options.web?.handle(req, res, path)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${MCP_PATH}, /metrics, /healthz, the board at /\n`);
  }, options.guard);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  return {
    url,
    mcpUrl: `${url}${MCP_PATH}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        options.web?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
