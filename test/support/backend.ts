// Which backend the suite's stores use. Under `npm run test:pg` the runner sets STEWARD_TEST_POSTGRES_URL (a throwaway
// cluster); importing this module then points every store the tests open — and every CLI, MCP or `up` process they
// start, which inherits the environment — at that server, one schema per database path (STEWARD_DATABASE_SCHEMA=@path:
// "s_" + sha256 of the path's realpath), so each test's workspace is its own queue and a child process opening the same
// path finds it. Without the variable nothing changes: SQLite files, as always.

/** The Postgres server of this test run, or undefined on SQLite. */
export const TEST_POSTGRES_URL = process.env.STEWARD_TEST_POSTGRES_URL?.trim() || undefined;

/** True when this run's stores are on Postgres. */
export const onPostgres = TEST_POSTGRES_URL !== undefined;

if (TEST_POSTGRES_URL) {
  process.env.STEWARD_DATABASE_URL = TEST_POSTGRES_URL;
  process.env.STEWARD_DATABASE_SCHEMA = '@path';
}

/**
 * Options for a test (or describe) that only means something on SQLite — a file's identity, WAL, integrity_check, a
 * SQLite error code, a raw better-sqlite3 handle, a plan from EXPLAIN QUERY PLAN: on Postgres it is skipped, saying why.
 * Usage: `test('name', sqliteOnly('the database file replaced under a process'), () => …)`. docs/SCALING.md lists them.
 */
export function sqliteOnly(reason: string): { skip?: string } {
  return onPostgres ? { skip: `SQLite only: ${reason}` } : {};
}

/** A connection of either backend that can hold the queue's write lock from outside a Store transaction. */
interface LockHolder {
  db: { exec(sql: string): unknown; dialect?: 'sqlite' | 'postgres' };
}

/**
 * Takes the queue's write lock on `store`'s connection and keeps it until the returned function runs (ROLLBACK):
 * SQLite's BEGIN IMMEDIATE, or on Postgres a transaction holding the writers' advisory lock (pg-database.ts).
 */
export function holdWriteLock(store: LockHolder): () => void {
  if (store.db.dialect === 'postgres') {
    const key = (store.db as unknown as { writeLockKey: string }).writeLockKey;
    store.db.exec(`BEGIN; SELECT pg_advisory_xact_lock(${key})`);
  } else store.db.exec('BEGIN IMMEDIATE');
  return () => void store.db.exec('ROLLBACK');
}
