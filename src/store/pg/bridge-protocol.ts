// What the caller (sync-bridge.ts) and its worker thread (sync-worker.ts) exchange: plain data that crosses the
// thread boundary by structured clone, and the slots of the shared Int32Array the caller waits on. One worker serves
// every connection of its thread (opening a second store costs a connect, not a new thread).
import type { MessagePort } from 'node:worker_threads';

/** What the caller hands the worker at start. */
export interface WorkerStart {
  port: MessagePort;
  shared: SharedArrayBuffer;
}

/** How one connection is made. */
export interface ConnectionSpec {
  url: string;
  /** The schema it works in (search_path; created when missing), or null for the server's default. */
  schema: string | null;
  /** Create `schema` when it is missing (default). False for a store that must find an existing queue. */
  createSchema?: boolean;
  /** Session settings sent at connect (startup options `-c name=value`). */
  settings: Record<string, string>;
  applicationName: string;
  connectTimeoutMs: number;
}

/**
 * One statement of a batch: with `values` it goes by the extended protocol (prepared under `name` when given), without
 * by the simple protocol (then `text` may hold several statements).
 */
export interface BatchStep {
  text: string;
  values?: unknown[];
  name?: string;
  array?: boolean;
}

/**
 * One request on connection `conn`: open it, a statement with parameters (extended protocol), a multi-statement
 * text (simple protocol), a batch of statements sent together (pipelined: one round trip; the reply is the result of
 * step `answer` (default: the last), or the first step's error), or close it. `inTx`: the caller is inside a transaction, so a lost
 * connection must not be replaced silently. `pinned`: the caller holds session state on this connection (the tick's
 * session advisory lock), which a new connection would not have: a lost connection fails the request (saying why it
 * was pinned) instead.
 */
export type BridgeRequest =
  | { id: number; conn: number; op: 'connect'; spec: ConnectionSpec }
  | { id: number; conn: number; op: 'query'; text: string; values: unknown[]; array: boolean; name?: string; inTx?: boolean; pinned?: string }
  | { id: number; conn: number; op: 'simple'; text: string; inTx?: boolean; pinned?: string }
  | { id: number; conn: number; op: 'batch'; steps: BatchStep[]; answer?: number; inTx?: boolean; pinned?: string }
  | { id: number; conn: number; op: 'close' };

/** A Postgres or driver error, as plain data. */
export interface BridgeError {
  message: string;
  /** Postgres's SQLSTATE (23505, 40P01, …), a node error code (ECONNREFUSED), or STEWARD_INT_RANGE. */
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** The connection itself failed (refused, reset, ended): the caller sees UNAVAILABLE. */
  connection?: boolean;
  /** In a batch: the index of the step that failed. */
  step?: number;
}

/** The answer to one request (id -1: the worker itself failed). */
export type BridgeReply =
  | { id: number; ok: true; rows: unknown[]; rowCount: number; command: string | null; wrote?: boolean }
  | { id: number; ok: false; error: BridgeError };

/** Commands that change rows: a batch reply says whether any of its steps changed one (`wrote`). */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** Index 0 of the shared Int32Array: 1 once an answer is posted (the caller resets it to 0 before each request). */
export const SIGNAL = 0;
/** Index 1: bumped every second while the worker lives, so a caller can tell a dead worker from a slow answer. */
export const HEARTBEAT = 1;
