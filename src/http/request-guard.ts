// The guard in front of every steward HTTP server: Host/Origin (DNS rebinding), loopback-only binds, timeouts, a connection cap.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { StewardError } from '../core/errors.js';

/** Timeouts and the connection cap of a steward HTTP server. */
export interface HttpLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** How long a keep-alive connection may sit idle between requests. */
  idleTimeoutMs: number;
  /** Open connections at once; further ones are dropped until some close. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000, maxConnections: 64 };

/** What the guard allows: loopback names always, plus these host names (lower case, no port). */
export interface GuardOptions {
  allowedHosts?: readonly string[];
  limits?: Partial<HttpLimits>;
}

/** True for names that always mean this machine: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (n === 'localhost' || n.endsWith('.localhost')) return true;
  if (isIP(n) === 4) return n.startsWith('127.');
  if (isIP(n) === 6) return n === '::1' || n === '0:0:0:0:0:0:0:1';
  return false;
}

/** The host name of a Host header value (or URL host), lower case, without port or brackets; null when malformed. */
export function hostNameOf(value: string): string | null {
  try {
    const url = new URL(`http://${value.trim()}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}

function allowedName(name: string, allowed: readonly string[]): boolean {
  return isLoopbackName(name) || allowed.some((a) => a.toLowerCase().replace(/^\[(.*)\]$/, '$1') === name);
}

/** Why this request is refused (a Host or Origin that is not this machine), or null when it may go on. */
export function requestProblem(req: IncomingMessage, allowedHosts: readonly string[] = []): string | null {
  const host = req.headers.host;
  const name = host === undefined ? null : hostNameOf(host);
  if (name === null) return 'missing or malformed Host header';
  if (!allowedName(name, allowedHosts)) return `Host ${name} is not this machine (DNS rebinding protection; add it to mcp.allowedHosts to serve it)`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return `Origin ${origin} is not a URL`;
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return `Origin ${origin} is not a web page of this machine`;
  const originName = from.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (!allowedName(originName, allowedHosts)) return `Origin ${origin} is another site`;
  return null;
}

/**
 * True when a state-changing request comes from a page of this very server (the web board's forms): its Origin
 * (or, without one, its Referer) has the request's own Host. A request with neither (curl with a bearer token)
 * passes; browsers always send Origin on a POST. Stricter than requestProblem, which accepts any loopback page.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const from = req.headers.origin ?? req.headers.referer;
  if (from === undefined) return true;
  try {
    const url = new URL(from);
    return url.host === req.headers.host && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(body);
}

/**
 * Wraps `handler` so a refused request is answered (JSON-RPC shaped, it is mostly MCP) and never reaches it: 403 for
 * a Host or Origin that is not this machine, 400 for a request target no URL parser takes.
 */
export function guardListener(handler: RequestListener, allowedHosts: readonly string[] = []): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    // `GET http://a:b/` would make every handler's routing (`new URL(req.url, …)`) throw outside its try: the process would end.
    if (!URL.canParse(req.url ?? '/', 'http://x')) return refuse(res, 400, 'bad request: malformed request target');
    const problem = requestProblem(req, allowedHosts);
    if (!problem) return handler(req, res);
    refuse(res, 403, `forbidden: ${problem}`);
  };
}

/** An http.Server with the guard in front of `handler` and the limits applied. */
export function createGuardedServer(handler: RequestListener, options: GuardOptions = {}): Server {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.idleTimeoutMs,
      // How often Node looks for requests over their timeouts (its default, 30 s, would outlast small limits).
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    guardListener(handler, options.allowedHosts ?? []),
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Refuses to serve on an address other machines can reach unless `allowRemote` says so explicitly;
 * returns the warning to print when it does.
 */
export function checkBindHost(host: string, allowRemote: boolean): string | null {
  if (isLoopbackName(host)) return null;
  if (!allowRemote) {
    throw new StewardError('USAGE', `refusing to serve on ${host}: not a loopback address, so other machines could reach the queue; use 127.0.0.1, or pass --allow-remote to mean it`, { host });
  }
  return `WARNING: serving on ${host}, reachable from other machines; bearer tokens travel in clear text over plain HTTP — put a TLS proxy in front`;
}
