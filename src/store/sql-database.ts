// The part of a database connection the repositories use: better-sqlite3's synchronous API, which the SQLite
// backend is, and which the Postgres backend (src/store/pg/) provides over a worker-thread connection.

/** One prepared statement. Positional `?` or named `@name` parameters, as better-sqlite3 takes them. */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as arrays in column order (better-sqlite3's `.raw(true)`). */
  raw(toggle?: boolean): this;
  /** Only the first column of each row. */
  pluck(toggle?: boolean): this;
  /**
   * Postgres: runs the statement later, sent with the transaction's next statement or its COMMIT (one round trip
   * fewer), for a write whose count nobody reads; its error surfaces there and fails the transaction. Outside a
   * transaction it runs at once. SQLite statements have no such thing (callers use `run`).
   */
  runLater?(...params: unknown[]): void;
  /**
   * Postgres: `get` as the transaction's last statement, sent with its COMMIT (and NOTIFY) in one round trip; nothing
   * may run in the transaction after it. Only where nothing after it could need a rollback: the statement decides all
   * or nothing itself. Inside a savepoint it is a plain `get`. SQLite has no such thing (callers use `get`).
   */
  getThenCommit?(...params: unknown[]): unknown;
  /**
   * Postgres: `run` of an UPDATE or DELETE as the transaction's last statement, sent with its COMMIT in one round trip,
   * guarded: unless it changes exactly one row the server rolls the whole transaction back and `changes` is 0 (the
   * caller throws its CONFLICT as after a rollback). Inside a savepoint it is a plain `run`.
   */
  runThenCommit?(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

/** A transaction wrapper as better-sqlite3 builds it: call it (DEFERRED) or `.immediate(...)` (write lock first). */
export interface SqlTransaction<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
}

/** A connection: statements, transactions and the few pragmas the store sets. */
export interface SqlDatabase {
  /** 'sqlite' or 'postgres': the few statements that differ are chosen by it. */
  readonly dialect?: 'sqlite' | 'postgres';
  /**
   * Postgres only: whether a committed write NOTIFYs the queue's channel (default true). Off for the writes no
   * `steward up` should wake for (Store.quietly); SQLite has no NOTIFY (its wake-up is the after-commit ping).
   */
  announce?: boolean;
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): SqlTransaction<F>;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): unknown;
  /**
   * Postgres: the open transaction changed rows that the statement's own count does not show (a data-modifying CTE
   * answers as a SELECT), so its commit must announce a write (NOTIFY). SQLite has no such thing.
   */
  noteWrite?(): void;
  /**
   * Postgres: a write transaction holding the queue's lock shared (and run `runId`'s lock), for the narrow claims and
   * completions (docs/SCALING.md, "Locks on Postgres"). SQLite has one writer at a time and no such thing.
   */
  sharedTransaction?<T>(fn: () => T, runId?: number): T;
}
