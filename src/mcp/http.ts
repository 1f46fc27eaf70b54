// Streamable HTTP, stateless: a new server + transport per POST; a bearer token decides the role and the actor.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MAX_REPORT_BODY_BYTES } from '../core/payload-limits.js';
import { createGuardedServer, type GuardOptions } from '../http/request-guard.js';
import type { Store } from '../store/open-store.js';
import { createMcpServer, type McpServerOptions } from './server.js';
import type { McpTokenGrant, McpTokens } from './tokens.js';

/** Where `steward mcp --http` listens unless told otherwise. */
export const DEFAULT_MCP_HOST = '127.0.0.1';
export const DEFAULT_MCP_PORT = 7410;
/** The path MCP clients POST to. */
export const MCP_PATH = '/mcp';
/** A `complete` or `fail` with every field at its limit must fit (payload-limits.ts). */
const MAX_BODY_BYTES = MAX_REPORT_BODY_BYTES;

/** What the HTTP endpoint needs. */
export interface McpHttpOptions {
  store: Store;
  tokens: McpTokens;
  /** TASKS.md, for steward://board. */
  boardPath?: string;
  /** The workspace's tick, for the triage `tick` tool. */
  tick?: McpServerOptions['tick'];
  /** The workspace's retry backoff, for the worker `fail` tool. */
  backoff?: McpServerOptions['backoff'];
  /** The configured agent profiles (McpServerOptions.agents). */
  agents?: McpServerOptions['agents'];
  now?: () => number;
  log?: (line: string) => void;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** A checker for `Authorization: Bearer <token>` headers against these tokens (constant time). */
export function makeAuthenticator(tokens: McpTokens): (header: string | undefined) => McpTokenGrant | null {
  const digests = Object.entries(tokens).map(([t, g]) => [sha256(t), g] as [Buffer, McpTokenGrant]);
  return (header) => authenticate(header, digests);
}

/** Finds the grant of the presented bearer token, comparing in constant time against every token. */
function authenticate(header: string | undefined, tokens: Array<[Buffer, McpTokenGrant]>): McpTokenGrant | null {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const given = sha256(m?.[1] ?? '');
  let found: McpTokenGrant | null = null;
  for (const [digest, grant] of tokens) {
    if (timingSafeEqual(given, digest) && m) found = grant;
  }
  return found;
}

function sendJson(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

/** Reads a JSON body of at most MAX_BODY_BYTES; undefined after answering 413 or 400 itself. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<{ body: unknown } | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      sendJson(res, 413, `request body over ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    res.writeHead(400, { 'content-type': 'application/json' }).end(body);
    return undefined;
  }
}

/** The request listener for the MCP endpoint; `steward up` can mount it in its own server. */
export function createMcpHttpHandler(options: McpHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const check = makeAuthenticator(options.tokens);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return async (req, res) => {
    try {
      if (new URL(req.url ?? '/', 'http://x').pathname !== MCP_PATH) return sendJson(res, 404, `not found: POST ${MCP_PATH}`);
      const grant = check(req.headers.authorization);
      if (!grant) return sendJson(res, 401, 'unauthorized: send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
      if (req.method !== 'POST') return sendJson(res, 405, 'method not allowed: this endpoint is stateless, POST only', { allow: 'POST' });
      const parsed = await readJson(req, res);
      if (!parsed) return;
      const server = createMcpServer({
        store: options.store,
        role: grant.role,
        actor: grant.name,
        boardPath: options.boardPath,
        tick: options.tick,
        backoff: options.backoff,
        agents: options.agents,
        now: options.now,
        log,
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.body);
    } catch (err) {
      log(`steward mcp http: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, 'internal error');
      else res.end();
    }
  };
}

/** Starts the MCP endpoint on host:port (127.0.0.1 by default); returns the bound address and `close()`. */
export async function startMcpHttp(
  options: McpHttpOptions & {
    host?: string;
    port?: number;
    guard?: GuardOptions;
    /** Another API served beside /mcp under its path prefix (the worker API for remote babysitters, /api/worker/). */
    beside?: { prefix: string; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };
  },
): Promise<{ url: string; host: string; port: number; close(): Promise<void> }> {
  const host = options.host ?? DEFAULT_MCP_HOST;
  const handle = createMcpHttpHandler(options);
  const beside = options.beside;
  const server = createGuardedServer((req, res) => {
    if (beside && new URL(req.url ?? '/', 'http://x').pathname.startsWith(beside.prefix)) return void beside.handle(req, res);
    void handle(req, res);
  }, options.guard);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_MCP_PORT, host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}${MCP_PATH}`,
    host: address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
