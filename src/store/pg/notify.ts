// LISTEN/NOTIFY of one queue: every committed write transaction on a Postgres store does `NOTIFY steward_<schema>`
// inside the transaction (so only committed work is announced), with the writing connection's origin as payload;
// `steward up` LISTENs (src/up/pg-wake.ts) and ignores its own connection's notifications.
import { nodeCrypto } from '../../core/adapters/lazy-builtins.js';

/** The channel of a queue's notifications (Postgres truncates identifiers at 63 bytes, on both sides alike). */
export function notifyChannel(schema: string): string {
  return `steward_${schema}`;
}

/** An identifier quoted for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A fresh origin: the payload a connection's notifications carry (hex only, safe in a SQL literal). */
export function newOrigin(): string {
  return nodeCrypto().randomBytes(8).toString('hex');
}

/** The SQL that announces a committed write of `schema` from `origin` (run in the transaction, before COMMIT). */
export function notifySql(schema: string, origin: string): string {
  return `NOTIFY ${quoteIdent(notifyChannel(schema))}, '${origin}'`;
}

/**
 * The same announcement decided by the server: only when the transaction wrote (it has a transaction id, which
 * Postgres assigns at a transaction's first row change or row lock). For a statement sent with its COMMIT before
 * its answer is known (PgDatabase.queryThenCommit): a claim that found nothing announces nothing. pg_notify takes
 * the channel as a string, which the server does not truncate as it truncates NOTIFY's identifier: clipped here alike.
 */
export function notifyIfWroteSql(schema: string, origin: string): string {
  const channel = clipIdentifier(notifyChannel(schema)).replaceAll("'", "''");
  return `SELECT pg_notify('${channel}', '${origin}') WHERE txid_current_if_assigned() IS NOT NULL`;
}

/** An identifier as the server keeps it: at most 63 bytes, cut on a character boundary (NAMEDATALEN − 1). */
export function clipIdentifier(name: string): string {
  let out = name;
  while (Buffer.byteLength(out, 'utf8') > 63) out = [...out].slice(0, -1).join('');
  return out;
}

/** What `up` needs of a Postgres store's connection to listen beside it. */
export interface PgConnectionInfo {
  readonly dialect: 'postgres';
  readonly schema: string;
  readonly origin: string;
  readonly connectUrl: string;
  /** Holds the session: no silent reconnect until the returned function runs (pg-database.ts). */
  pinSession(holds: string): () => void;
}

/** The store's Postgres connection, or undefined on SQLite. */
export function postgresOf(store: { db: unknown }): PgConnectionInfo | undefined {
  const db = store.db as Partial<PgConnectionInfo> | null;
  return db?.dialect === 'postgres' ? (db as PgConnectionInfo) : undefined;
}
