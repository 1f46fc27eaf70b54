// The one place the Postgres store gets its connection: the synchronous PgDatabase (pg-database.ts) with `schema` as
// its search_path.
import type { SqlDatabase } from '../sql-database.js';
import { PgDatabase } from './pg-database.js';

/** Connection settings the store passes on. */
export interface PgConnectOptions {
  /** How long a writer waits for the queue's write lock before BUSY (ms). */
  busyTimeoutMs: number;
  /** Create the schema when missing (default true); false when the queue must already exist (nothing is left behind). */
  createSchema?: boolean;
}

/** A synchronous connection to `url` whose statements run in `schema` (created when missing, unless told not to). */
export function connectPg(url: string, schema: string, options: PgConnectOptions): SqlDatabase {
  return new PgDatabase({ url, schema, busyTimeoutMs: options.busyTimeoutMs, createSchema: options.createSchema ?? true });
}
