// The worker thread behind SyncBridge (sync-bridge.ts): it holds the `pg` connections of its thread's stores, runs
// each request the caller posts on its MessagePort, posts the answer back and wakes the caller through the shared
// Int32Array. One request at a time: the caller blocks until its answer is there. Loaded as its own file (also under the esbuild CLI bundle), it
// imports only `pg`, node's built-ins, worker-globals.ts and bridge-protocol.ts.
import './worker-globals.js'; // before pg: see there
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import { corked } from './corked.js';
import { HEARTBEAT, SIGNAL, WRITE_COMMANDS, type BatchStep, type BridgeError, type BridgeReply, type BridgeRequest, type ConnectionSpec, type WorkerStart } from './bridge-protocol.js';

const INT8 = 20;
const NUMERIC = 1700;
const BOOL = 16;

/** A value the last result held that does not fit a JS number exactly (the reply becomes an error). */
let unsafe: string | null = null;

// Postgres int8 and numeric arrive as text; steward's columns hold ms timestamps, ids and counts, all far below 2^53.
// Booleans (EXISTS, IS NOT NULL in a select list) become 1/0 as SQLite returns them.
const typeParsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) unsafe = v;
    return n;
  },
  [NUMERIC]: (v) => {
    const n = Number(v);
    if (Number.isInteger(n) && !Number.isSafeInteger(n)) unsafe = v;
    return n;
  },
  [BOOL]: (v) => (v === 't' ? 1 : 0),
};
const types = {
  getTypeParser(oid: number, format?: string) {
    return typeParsers[oid] ?? pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
  },
};

const start = workerData as WorkerStart;
const signal = new Int32Array(start.shared);
setInterval(() => Atomics.add(signal, HEARTBEAT, 1), 1000).unref();

/** One connection: its spec (to reconnect), its client, and why it is unusable once it broke. */
interface Connection {
  spec: ConnectionSpec;
  client: pg.Client | null;
  broken: string | null;
}
const connections = new Map<number, Connection>();

function toError(err: unknown, connection = false): BridgeError {
  const e = (err ?? {}) as Record<string, unknown>;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const isConnection = connection || (code !== undefined && /^(08|57P0|53300|E[A-Z]+)/.test(code)) ||
    /Connection terminated|not queryable|ECONNRESET|ECONNREFUSED|EPIPE/i.test(String(e.message ?? ''));
  return {
    message: err instanceof Error ? err.message : String(err),
    code,
    detail: typeof e.detail === 'string' ? e.detail : undefined,
    constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
    table: typeof e.table === 'string' ? e.table : undefined,
    column: typeof e.column === 'string' ? e.column : undefined,
    connection: isConnection || undefined,
  };
}

async function connect(conn: Connection): Promise<void> {
  const { spec } = conn;
  const c = new pg.Client({
    connectionString: spec.url,
    types,
    application_name: spec.applicationName,
    connectionTimeoutMillis: spec.connectTimeoutMs,
    // search_path and the settings as startup options: no extra round trip, and they hold after a reconnect.
    options: startupOptions(spec),
    // Queries are written as they are queued, without waiting for the previous answer: a batch (BEGIN, the lock, a
    // statement…) costs one round trip. Each query keeps its own Sync, so an error stops the transaction (the server
    // refuses the rest with 25P02) and never mixes answers; one request at a time still comes from the caller.
    pipeline: true,
  } as pg.ClientConfig);
  c.on('error', (err) => {
    conn.broken = err.message;
  });
  c.on('end', () => {
    conn.broken ??= 'the connection ended';
  });
  try {
    await c.connect();
    if (spec.schema && spec.createSchema !== false) {
      const found = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [spec.schema]);
      if (found.rowCount === 0) {
        try {
          await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(spec.schema)}`);
        } catch (err) {
          // Two connections creating it at once: the loser sees a unique violation on pg_namespace; the schema is there.
          if ((err as { code?: string }).code !== '23505') throw err;
        }
      }
    }
  } catch (err) {
    await c.end().catch(() => undefined);
    throw err;
  }
  conn.client = c;
  conn.broken = null;
}

/** `-c search_path="schema" -c lock_timeout=5000`, spaces and backslashes escaped as the server reads them. */
function startupOptions(spec: ConnectionSpec): string {
  const settings: Record<string, string> = { ...spec.settings };
  if (spec.schema) settings.search_path = quoteIdent(spec.schema);
  return Object.entries(settings).map(([k, v]) => `-c ${k}=${v.replace(/[\\ ]/g, (c) => `\\${c}`)}`).join(' ');
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const done = (id: number): BridgeReply => ({ id, ok: true, rows: [], rowCount: 0, command: null });

async function handle(req: BridgeRequest): Promise<BridgeReply> {
  if (req.op === 'connect') {
    const conn: Connection = { spec: req.spec, client: null, broken: null };
    try {
      await connect(conn);
    } catch (err) {
      return { id: req.id, ok: false, error: toError(err, true) };
    }
    connections.set(req.conn, conn);
    return done(req.id);
  }
  const conn = connections.get(req.conn);
  if (req.op === 'close') {
    connections.delete(req.conn);
    if (conn?.client) await conn.client.end().catch(() => undefined);
    return done(req.id);
  }
  if (!conn) return { id: req.id, ok: false, error: { message: 'The database connection is not open', connection: true } };
  if (!conn.client || conn.broken !== null) {
    // Inside a transaction a new connection would run the rest outside it: fail instead (the server rolled it back).
    if (req.inTx) {
      return { id: req.id, ok: false, error: { message: `the connection was lost inside a transaction, which the server rolled back (${conn.broken ?? 'not connected'})`, connection: true } };
    }
    // Session state (a session advisory lock) died with the connection: a new one would act without it.
    if (req.pinned) {
      return { id: req.id, ok: false, error: { message: `the connection was lost while it held ${req.pinned}, which went with it (${conn.broken ?? 'not connected'}); not reconnecting until that is let go`, connection: true } };
    }
    if (conn.client) await conn.client.end().catch(() => undefined);
    conn.client = null;
    try {
      await connect(conn);
    } catch (err) {
      return { id: req.id, ok: false, error: toError(err, true) };
    }
  }
  const client = conn.client!;
  unsafe = null;
  try {
    if (req.op === 'batch') return await batch(req.id, conn, client, req.steps, req.answer);
    if (req.op === 'simple') {
      const out = (await client.query(req.text)) as unknown as pg.QueryResult | pg.QueryResult[];
      return answer(req.id, out, changedRows(out));
    }
    const r = await corked(client, () => client.query(queryConfig(req) as pg.QueryArrayConfig));
    return answer(req.id, r, changedRows(r));
  } catch (err) {
    return { id: req.id, ok: false, error: toError(err, conn.broken !== null) };
  }
}

/** A statement as `pg` takes it (no values: the simple protocol). */
function queryConfig(step: BatchStep): pg.QueryConfig & { rowMode?: 'array' } {
  if (!step.values) return { text: step.text };
  const config: pg.QueryConfig & { rowMode?: 'array' } = { text: step.text, values: step.values };
  if (step.name) config.name = step.name;
  if (step.array) config.rowMode = 'array';
  return config;
}

type Outcome = pg.QueryResult | pg.QueryResult[];

/** Whether a result (several for a multi-statement text) changed a row. */
function changedRows(out: Outcome): boolean {
  return (Array.isArray(out) ? out : [out]).some((r) => (r.rowCount ?? 0) > 0 && WRITE_COMMANDS.has(r.command));
}

/** The reply carrying the (last) result of `out`. */
function answer(id: number, out: Outcome, wrote: boolean): BridgeReply {
  const last = Array.isArray(out) ? out[out.length - 1] : out;
  const reply = finish(id, last?.rows ?? [], last?.rowCount ?? 0, last?.command ?? null);
  if (reply.ok) reply.wrote = wrote;
  return reply;
}

/**
 * Sends every step before reading any answer (the client is in pipeline mode): one round trip. The reply is the result
 * of step `answer` (default the last), or the error of the first step that failed (its index in `step`); `wrote` says
 * whether any step changed a row.
 */
async function batch(id: number, conn: Connection, client: pg.Client, steps: BatchStep[], answerStep = steps.length - 1): Promise<BridgeReply> {
  // Corked: the whole batch leaves in one write (the writes were ~35 % of this thread's busy time in a drain).
  const sent = corked(client, () => steps.map((s) => client.query(queryConfig(s) as pg.QueryArrayConfig) as unknown as Promise<Outcome>));
  const settled = await Promise.allSettled(sent);
  let wrote = false;
  for (let i = 0; i < settled.length; i++) {
    const s = settled[i]!;
    if (s.status === 'rejected') return { id, ok: false, error: { ...toError(s.reason, conn.broken !== null), step: i } };
    wrote ||= changedRows(s.value);
  }
  return answer(id, (settled[answerStep] as PromiseFulfilledResult<Outcome>).value, wrote);
}

/** The reply (no field names: the caller reads rows as objects or in its own column order, so they were cloned for nobody). */
function finish(id: number, rows: unknown[], rowCount: number, command: string | null): BridgeReply {
  if (unsafe !== null) {
    return { id, ok: false, error: { message: `integer ${unsafe} does not fit a JavaScript number (beyond 2^53)`, code: 'STEWARD_INT_RANGE' } };
  }
  return { id, ok: true, rows, rowCount, command };
}

function reply(answer: BridgeReply): void {
  start.port.postMessage(answer);
  Atomics.store(signal, SIGNAL, 1);
  Atomics.notify(signal, SIGNAL);
}

start.port.on('message', (req: BridgeRequest) => {
  void handle(req).then(reply, (err) => reply({ id: req.id, ok: false, error: toError(err) }));
});

// An unexpected throw must still wake the caller (else it would wait for the heartbeat to stop).
process.on('uncaughtException', (err) => {
  reply({ id: -1, ok: false, error: { message: `postgres bridge worker failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, connection: true } });
});
