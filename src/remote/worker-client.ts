// The remote babysitter's side of the worker API: JSON POSTs with a bearer token. A server that cannot be reached
// (refused, reset, timed out, a proxy's 502/503/504) is UNAVAILABLE; the server's own errors keep their codes.
import { ERROR_CODES, StewardError, type ErrorCode } from '../core/errors.js';
import type { AgentProfile } from '../config/schema.js';
import type { RunCaps } from '../core/budget.js';
import type { OutboxEntry } from '../runner/outbox.js';
import { bodyLimitOf, WORKER_API_PREFIX, WORKER_API_VERSION } from './worker-api.js';

/** A ready task the server passed over for this worker, and why (code UNSUPPORTED: it needs the server's repository). */
export interface RefusedForRemote {
  task_id: number;
  project: string;
  code: string;
  reason: string;
}

/** The answer to a claim that found nothing this worker may run now. */
export interface NoClaim {
  task: null;
  paused_until?: number;
  /** A WIP cap or a scope budget holds the profile back (the same limits the server's dispatch obeys). */
  held?: { cap: string; reason: string };
  refused?: RefusedForRemote[];
}

/** What a claim hands a remote worker. */
export interface RemoteClaim {
  task: { id: number; title: string; project: string; type: string; verify: string[]; timeout_seconds: number | null };
  run: { id: number; lease_expires_at: number; log_path: string };
  profile: AgentProfile;
  caps: RunCaps;
  prompt: string;
  refused?: RefusedForRemote[];
}

export interface WorkerClientOptions {
  /** The server's base URL (http://127.0.0.1:7410, or https://… behind a TLS proxy). */
  server: string;
  token: string;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The base URL of a server as the person gave it; USAGE for anything but http(s) without credentials. */
export function serverBase(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new StewardError('USAGE', `--server must be a URL like http://127.0.0.1:7410 (got "${server}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StewardError('USAGE', `--server must be http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password) throw new StewardError('USAGE', '--server must not carry credentials: pass the token with --token or STEWARD_TOKEN');
  return url;
}

const isCode = (c: unknown): c is ErrorCode => typeof c === 'string' && (ERROR_CODES as readonly string[]).includes(c);

/** The server refused field `field` as unknown (VALIDATION): an older steward, whose routes take fewer fields. */
function refusedField(err: unknown, field: string): boolean {
  if (!(err instanceof StewardError) || err.code !== 'VALIDATION') return false;
  const issues = err.details.issues;
  return Array.isArray(issues) && issues.some((i) => {
    const issue = i as { path?: unknown; message?: unknown };
    return issue?.path === field && typeof issue.message === 'string' && /^(unknown (field|key)|unrecognized key)/i.test(issue.message);
  });
}

/** A small client for the four routes. */
export class WorkerClient {
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly doFetch: typeof fetch;
  /** Fields of later versions of the API that this server refused as unknown (an older steward): left out from then on. */
  private readonly unknownToServer = new Set<string>();

  constructor(private readonly o: WorkerClientOptions) {
    this.base = serverBase(o.server);
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.doFetch = o.fetch ?? fetch;
  }

  /**
   * POSTs `body` to route `name`; the parsed answer, or a StewardError. `extraMs` lengthens this request's timeout (a
   * long poll's wait); `signal` aborts it (then the error is UNAVAILABLE and `signal.aborted` says why).
   */
  async post<T>(name: string, body: unknown, o: { extraMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${WORKER_API_PREFIX}${name}`, this.base);
    // Past the route's limit (for an outcome, no field can be within its own): refused here for good (the worker sets
    // an outcome aside with this reason), not sent to be cut off mid-upload, which reads as unreachable and would be
    // retried forever.
    const json = JSON.stringify(body);
    const size = Buffer.byteLength(json, 'utf8');
    if (size > bodyLimitOf(name)) throw new StewardError('VALIDATION', `the ${name} request is ${size} bytes as JSON, over the worker API's ${bodyLimitOf(name)}`, { route: name, size });
    let res: Response;
    try {
      res = await this.doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}`, 'x-steward-worker-api': String(WORKER_API_VERSION) },
        body: json,
        signal: o.signal ? AbortSignal.any([AbortSignal.timeout(this.timeoutMs + (o.extraMs ?? 0)), o.signal]) : AbortSignal.timeout(this.timeoutMs + (o.extraMs ?? 0)),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      // fetch never connects to a port on the Fetch standard's blocked list (6000, 6665-6669, 10080, …): trying again is
      // no use, so it is not "unreachable" but a setting to change.
      if (cause?.message === 'bad port') {
        throw new StewardError('VALIDATION', `${this.base.origin}: fetch refuses port ${this.base.port} (a port the Fetch standard blocks); serve the worker API on another port`, { server: this.base.origin, reason: 'blocked_port' });
      }
      throw new StewardError('UNAVAILABLE', `cannot reach ${this.base.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { server: this.base.origin });
    }
    let parsed: unknown;
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // The link dropped in the middle of the answer: the server may have acted, so this is "try again" (an outcome's
      // resend is answered `duplicate`), never a refusal that would set the outcome aside.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new StewardError('UNAVAILABLE', `the answer of ${this.base.origin} was cut off: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { server: this.base.origin });
    }
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    // Every answer of the worker API carries its version: a 2xx without one (`{}` from something else on that URL) is not
    // the server's word — an outcome taken as delivered on it would be dropped from the outbox.
    if (res.ok && parsed && !error && typeof (parsed as { version?: unknown }).version === 'number') return parsed as T;
    if (error && isCode(error.code)) {
      throw new StewardError(error.code, `server: ${String(error.message)}`, (error.details as Record<string, unknown>) ?? {});
    }
    // No steward answer: a proxy in front of a stopped server, or something else on that port.
    if (res.status >= 500 || res.status === 429) {
      throw new StewardError('UNAVAILABLE', `${this.base.origin} answered ${res.status} without a steward answer (a proxy in front of a server that is down?)`, { status: res.status });
    }
    if (res.status === 401 || res.status === 403) throw new StewardError('FORBIDDEN', `${this.base.origin} answered ${res.status}: check the token`, { status: res.status });
    throw new StewardError('INTERNAL', `${this.base.origin} answered ${res.status} without a steward error: ${text.slice(0, 200)}`, { status: res.status });
  }

  /**
   * Claims a task for `agent`. `waitSeconds` (the long poll): when nothing is claimable the server holds the request
   * up to this long and answers as soon as a claim succeeds; `signal` gives up waiting (the server then claims nothing).
   * `requestId`: this claim's id, the same on each try of it, so a claim whose answer was lost is answered with its run.
   */
  claim(agent: string, host: string, workdir: string, o: { waitSeconds?: number; signal?: AbortSignal; requestId?: string } = {}): Promise<NoClaim | RemoteClaim> {
    const wait = o.waitSeconds ? { wait_seconds: o.waitSeconds } : {};
    return this.postWith('claim', { agent, host, workdir, ...wait }, { request_id: o.requestId }, { extraMs: (o.waitSeconds ?? 0) * 1000, ...(o.signal ? { signal: o.signal } : {}) });
  }

  heartbeat(runId: number, leaseSeconds: number, usage?: Record<string, number>): Promise<{ run: { id: number; lease_expires_at: number }; task: { id: number; status: string } }> {
    return this.post('heartbeat', { run_id: runId, lease_seconds: leaseSeconds, ...(usage && Object.keys(usage).length ? { usage } : {}) });
  }

  /**
   * POSTs `body` with the fields `extra` adds to it; a server that refuses one of them as unknown (an older steward) is
   * asked again without them, and never sent them again.
   */
  private async postWith<T>(name: string, body: Record<string, unknown>, extra: Record<string, unknown>, o: { extraMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const fields = Object.keys(extra).filter((k) => extra[k] !== undefined && !this.unknownToServer.has(k));
    try {
      return await this.post<T>(name, { ...body, ...Object.fromEntries(fields.map((k) => [k, extra[k]])) }, o);
    } catch (err) {
      const refused = fields.filter((k) => refusedField(err, k));
      if (!refused.length) throw err;
      for (const k of refused) this.unknownToServer.add(k);
      return this.postWith(name, body, extra, o);
    }
  }

  /**
   * `live`: the run's liveness on the server (live, finished, superseded, expired); absent from an older server.
   * `taskId`: the run's task, so a server whose run `runId` is another task's (another queue) appends nothing (CONFLICT).
   */
  log(runId: number, offset: number, data: Buffer, taskId?: number): Promise<{ size: number; live?: string }> {
    return this.postWith('log', { run_id: runId, offset, data: data.toString('base64') }, { task_id: taskId });
  }

  outcome(entry: OutboxEntry): Promise<{ status: 'applied' | 'duplicate' | 'lease_lost'; task?: { id: number; status: string }; reason?: string }> {
    return this.post('outcome', { entry });
  }
}
