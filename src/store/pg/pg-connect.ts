// The one place the Postgres store gets its connection: the synchronous PgDatabase (pg-database.ts) with `schema` as
// its search_path.
import type { SqlDatabase } from '../sql-database.js';
import { PgDatabase } from './pg-database.js';

/** Connection settings the store passes on. */
export interface PgConnectOptions {
  /** How long a writer waits for the queue's write lock before BUSY (ms). */
  busyTimeoutMs: number;
}

/** A synchronous connection to `url` whose statements run in `schema` (created when missing). */
export function connectPg(url: string, schema: string, options: PgConnectOptions): SqlDatabase {
  return new PgDatabase({ url, schema, busyTimeoutMs: options.busyTimeoutMs });
}
