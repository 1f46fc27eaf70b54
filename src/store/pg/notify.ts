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
