// Statements prepared when first run, not when their repository is built. A repository prepares every statement it
// has in its constructor (TaskRepo ~30, RunRepo ~20); a CLI command runs two or three of them. Preparing all cost
// 3.0 ms for TaskRepo and 2.0 ms for RunRepo on every `steward claim`, `complete`, `list`, `show` and quiet `tick`
// (about 5 % of their start-up, issue 18 goal 1). SQLite only: Postgres statements are cheap to make (nothing is
// sent until one runs) and carry optional methods (runLater, getThenCommit, runThenCommit) that callers test for.
//
// A statement whose SQL is wrong now fails where it is first run instead of where its repository is built:
// test/store-lazy-statements.test.ts builds every repository on an eagerly preparing connection, so a broken
// statement still fails the suite even if no test runs it.
import type { SqlDatabase, SqlStatement, SqlTransaction } from './sql-database.js';

/** A statement that is prepared on its first run; raw()/pluck() before that are replayed in order. */
class LazyStatement implements SqlStatement {
  #real: SqlStatement | undefined;
  readonly #modes: Array<['raw' | 'pluck', boolean]> = [];

  constructor(
    private readonly db: SqlDatabase,
    private readonly sql: string,
  ) {}

  #statement(): SqlStatement {
    if (this.#real) return this.#real;
    const real = this.db.prepare(this.sql);
    for (const [mode, on] of this.#modes) real[mode](on);
    return (this.#real = real);
  }

  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint } {
    return this.#statement().run(...params);
  }

  get(...params: unknown[]): unknown {
    return this.#statement().get(...params);
  }

  all(...params: unknown[]): unknown[] {
    return this.#statement().all(...params);
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.#statement().iterate(...params);
  }

  raw(toggle = true): this {
    if (this.#real) this.#real.raw(toggle);
    else this.#modes.push(['raw', toggle]);
    return this;
  }

  pluck(toggle = true): this {
    if (this.#real) this.#real.pluck(toggle);
    else this.#modes.push(['pluck', toggle]);
    return this;
  }

  /** The SQL, as better-sqlite3's `source` (the tests read plans and widths of the repositories' statements). */
  get source(): string {
    return this.sql;
  }

  /** better-sqlite3's `columns()`: the result columns (prepares the statement). */
  columns(): unknown[] {
    return (this.#statement() as SqlStatement & { columns(): unknown[] }).columns();
  }
}

/**
 * The connection as the repositories see it: `prepare` hands back a statement prepared on its first run (SQLite);
 * everything else is the connection's own. On Postgres the connection itself.
 */
export function lazilyPreparing(db: SqlDatabase): SqlDatabase {
  if (db.dialect === 'postgres') return db;
  return {
    dialect: db.dialect,
    prepare: (sql: string) => new LazyStatement(db, sql),
    exec: (sql: string) => db.exec(sql),
    pragma: (source: string, options?: { simple?: boolean }) => db.pragma(source, options),
    transaction: <F extends (...args: never[]) => unknown>(fn: F): SqlTransaction<F> => db.transaction(fn),
    get inTransaction() {
      return db.inTransaction;
    },
    get open() {
      return db.open;
    },
    close: () => db.close(),
  };
}
