// What the caller (sync-bridge.ts) and its worker thread (sync-worker.ts) exchange: plain data that crosses the
// thread boundary by structured clone, and the slots of the shared Int32Array the caller waits on.
import type { MessagePort } from 'node:worker_threads';

/** What the caller hands the worker at start. */
export interface WorkerStart {
  port: MessagePort;
  shared: SharedArrayBuffer;
  url: string;
  schema: string | null;
  /** Session settings sent at connect (startup options `-c name=value`). */
  settings: Record<string, string>;
  applicationName: string;
  connectTimeoutMs: number;
}

/**
 * One request: a statement with parameters (extended protocol), or a multi-statement text (simple protocol).
 * `inTx`: the caller is inside a transaction, so a lost connection must not be replaced silently.
 */
export type BridgeRequest =
  | { id: number; op: 'query'; text: string; values: unknown[]; array: boolean; name?: string; inTx?: boolean }
  | { id: number; op: 'simple'; text: string; inTx?: boolean }
  | { id: number; op: 'close'; inTx?: boolean };

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
}

/** The answer to one request (id 0: the connection's, once at start; id -1: the worker itself failed). */
export type BridgeReply =
  | { id: number; ok: true; rows: unknown[]; rowCount: number; command: string | null; fields: string[] }
  | { id: number; ok: false; error: BridgeError };

/** Index 0 of the shared Int32Array: 1 once an answer is posted (the caller resets it to 0 before each request). */
export const SIGNAL = 0;
/** Index 1: bumped every second while the worker lives, so a caller can tell a dead worker from a slow answer. */
export const HEARTBEAT = 1;
