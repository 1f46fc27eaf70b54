// A synchronous Postgres connection: a worker thread (sync-worker.ts) holds the `pg` clients; the caller posts a
// request on a MessageChannel and blocks in Atomics.wait until the worker has posted the answer, then takes it with
// receiveMessageOnPort (the technique of synckit / make-synchronous). better-sqlite3 blocks its caller on disk I/O the
// same way; here it blocks on a round trip to the server. One worker per thread serves all of that thread's
// connections: opening another store costs a connect, not a new thread (~0.1-0.5 s of start-up on a busy machine).
import type { MessagePort, Worker } from 'node:worker_threads';
import { nodeWorkerThreads } from '../../core/adapters/lazy-builtins.js';
import { StewardError } from '../../core/errors.js';
import { HEARTBEAT, SIGNAL, type BridgeReply, type BridgeRequest, type ConnectionSpec, type WorkerStart } from './bridge-protocol.js';

export type { BridgeError, BridgeReply } from './bridge-protocol.js';

/**
 * The worker's file, next to this one in tsc's output (dist/src/store/pg/). The CLI bundle (scripts/bundle-cli.mjs)
 * rewrites `import.meta.url` to this file's tsc-layout URL, so the bundle starts the same compiled worker.
 */
const WORKER_URL = new URL('./sync-worker.js', import.meta.url);

/** How long a worker may go without a heartbeat before the caller gives up on it (it died or hangs). */
const DEAD_AFTER_MS = 30_000;
/** One Atomics.wait slice: between slices the caller checks the heartbeat. */
const SLICE_MS = 1000;

export interface BridgeOptions {
  /** postgres://user:password@host:port/db (the password never appears in errors). */
  url: string;
  /** The schema the connection works in (search_path; created when missing). Null: the server's default. */
  schema: string | null;
  /**
   * Create `schema` when it is missing (default true). False for a store that must find an existing queue
   * (`mustExist`, `readonly`): a command that refuses to run without a queue leaves nothing behind, not even an empty schema.
   */
  createSchema?: boolean;
  applicationName?: string;
  /** Connect timeout (ms). Default 10,000. */
  connectTimeoutMs?: number;
  /** Session settings sent at connect (`-c name=value`), e.g. lock_timeout. */
  settings?: Record<string, string>;
}

/** The URL with its password removed, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return '(an unparsable postgres URL)';
  }
}

type Request = BridgeRequest extends infer R ? (R extends { id: number; conn: number } ? Omit<R, 'id' | 'conn'> : never) : never;

/** The thread's worker: started on first use, unref'd, replaced when it died. */
class WorkerHost {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private nextId = 1;
  dead: string | null = null;

  constructor() {
    const shared = new SharedArrayBuffer(8);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new (nodeWorkerThreads().MessageChannel)();
    this.port = port1;
    const start: WorkerStart = { port: port2, shared };
    // execArgv: [] — the parent's flags (node --test's among them) are not the worker's business.
    this.worker = new (nodeWorkerThreads().Worker)(WORKER_URL, { workerData: start, transferList: [port2], execArgv: [] });
    // Never keep a process alive: an exiting process takes the thread, and the server drops its connections.
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', () => undefined); // surfaced through the next request instead
  }

  /** Posts a request and blocks until its reply (a reply to an older request that gave up is skipped). */
  request(req: BridgeRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never, url: string): BridgeReply {
    if (this.dead) throw this.gone(url, this.dead);
    const id = this.nextId++;
    Atomics.store(this.signal, SIGNAL, 0);
    this.port.postMessage({ ...req, id } as BridgeRequest);
    let beat = Atomics.load(this.signal, HEARTBEAT);
    let quietSince = Date.now();
    for (;;) {
      const got = nodeWorkerThreads().receiveMessageOnPort(this.port);
      if (got) {
        const reply = got.message as BridgeReply;
        if (reply.id === id) return reply;
        if (reply.id === -1 && !reply.ok) throw this.kill(url, reply.error.message);
        // A stale reply: reset the signal, then look again before sleeping (the next post sets it after queueing).
        Atomics.store(this.signal, SIGNAL, 0);
        continue;
      }
      if (Atomics.wait(this.signal, SIGNAL, 0, SLICE_MS) !== 'timed-out') continue;
      const now = Atomics.load(this.signal, HEARTBEAT);
      if (now !== beat) {
        beat = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince > DEAD_AFTER_MS) {
        throw this.kill(url, `no answer and no heartbeat for ${DEAD_AFTER_MS / 1000} s`);
      }
    }
  }

  private kill(url: string, why: string): StewardError {
    this.dead = why;
    if (host === this) host = null;
    this.port.close();
    void this.worker.terminate().catch(() => undefined);
    return this.gone(url, why);
  }

  private gone(url: string, why: string): StewardError {
    return new StewardError('UNAVAILABLE', `the Postgres connection to ${url} is gone: the bridge worker stopped (${why})`, { url });
  }
}

let host: WorkerHost | null = null;
let nextConn = 1;

/** One synchronous connection. `request` blocks the calling thread until the server answered. */
export class SyncBridge {
  readonly url: string;
  private readonly host: WorkerHost;
  private readonly conn = nextConn++;
  private closed = false;
  /** Requests answered so far on this connection: each is one round trip to the server (tests and the bench count them). */
  requests = 0;

  /** Connects (starting the thread's worker if needed); throws UNAVAILABLE when the server cannot be reached. */
  constructor(options: BridgeOptions) {
    this.url = redactUrl(options.url);
    this.host = host ??= new WorkerHost();
    const spec: ConnectionSpec = {
      url: options.url,
      schema: options.schema,
      createSchema: options.createSchema ?? true,
      settings: options.settings ?? {},
      applicationName: options.applicationName ?? 'steward',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    const hello = this.host.request({ conn: this.conn, op: 'connect', spec }, this.url);
    if (!hello.ok) {
      this.closed = true;
      throw new StewardError('UNAVAILABLE', `cannot connect to Postgres at ${this.url}: ${hello.error.message}`, {
        url: this.url,
        postgres: hello.error.code ?? null,
      });
    }
  }

  get open(): boolean {
    return !this.closed && !this.host.dead;
  }

  /** Runs one request; the reply may carry a Postgres error (the caller translates it). */
  request(req: Request): BridgeReply {
    if (this.closed) throw new TypeError('The database connection is not open');
    this.requests++;
    return this.host.request({ ...req, conn: this.conn } as never, this.url);
  }

  /** Closes the connection (the server sees a clean goodbye). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.host.dead) return;
    try {
      this.host.request({ conn: this.conn, op: 'close' }, this.url);
    } catch {
      // the worker is gone already: nothing left to close
    }
  }
}
