// openStore(): the only door to the database. Picks the backend (SQLite file, or Postgres when a URL is given), sets the
// pragmas, migrates, prepares statements.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StewardError } from '../core/errors.js';
import { ArchiveRepo } from './archive-repo.js';
import { fileChange, fileIdentity, type FileIdentity } from './file-identity.js';
import { lazilyPreparing } from './lazy-statements.js';
import { migrate } from './migrations.js';
import { sqliteNativeBinding } from './native-binding.js';
import { openPgStore, type PgStoreOptions } from './pg/pg-store.js';
import type { SqlDatabase, SqlTransaction } from './sql-database.js';
import { AgentRepo, EventRepo, MetaRepo } from './misc-repos.js';
import { BranchRepo } from './branch-repo.js';
import { BudgetRepo } from './budget-repo.js';
import { ProposalRepo } from './proposal-repo.js';
import { ReportRepo } from './report-repo.js';
import { RunRepo } from './run-repo.js';
import { ScheduleRepo } from './schedule-repo.js';
import { translateSqliteError } from './sqlite-errors.js';
import { TaskRepo } from './task-repo.js';
import { WebRepo } from './web-repo.js';

export interface StoreOptions {
  /** How long a writer waits for the lock before BUSY (ms). Default 5000. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Refuse to create the file: a missing database is UNAVAILABLE (only `init` creates one). */
  mustExist?: boolean;
  /**
   * Check before every write transaction that `path` is still the file that was opened (device and
   * inode): a database deleted or replaced under a long-running process is UNAVAILABLE from then on,
   * never written into an unlinked file. One stat per transaction.
   */
  watchFile?: boolean;
  /**
   * A postgres:// URL: the queue lives in that database (schema `schema`), not in the file at `path`. Default: the
   * STEWARD_DATABASE_URL environment variable; neither set = SQLite at `path`.
   */
  url?: string;
  /** The Postgres schema of the queue (default STEWARD_DATABASE_SCHEMA, else 'steward'); `@path`: one derived from `path`. */
  schema?: string;
}

/** What a Postgres store adds to the connection: the server clock and its schema (see pg/pg-store.ts). */
export interface StoreBackend {
  /** The database's clock in ms (the ops' `now` on a shared database). */
  now(): number;
  /** The Postgres schema, for messages. */
  schema: string;
  /** A check that the connection answers (Postgres has no integrity_check of its own). */
  check(): string;
}

/** The queue's database: typed repositories plus transactions that translate driver errors. */
export class Store {
  // Each repository is built when first used, and (SQLite) each of its statements is prepared when first run
  // (lazy-statements.ts): a command pays only for the statements it runs.
  #repoDb: SqlDatabase | undefined;
  private get repoDb(): SqlDatabase {
    return (this.#repoDb ??= lazilyPreparing(this.db));
  }
  #tasks?: TaskRepo;
  get tasks(): TaskRepo {
    return (this.#tasks ??= new TaskRepo(this.repoDb));
  }
  #runs?: RunRepo;
  get runs(): RunRepo {
    return (this.#runs ??= new RunRepo(this.repoDb));
  }
  #proposals?: ProposalRepo;
  get proposals(): ProposalRepo {
    return (this.#proposals ??= new ProposalRepo(this.repoDb));
  }
  #events?: EventRepo;
  get events(): EventRepo {
    return (this.#events ??= new EventRepo(this.repoDb));
  }
  #meta?: MetaRepo;
  get meta(): MetaRepo {
    return (this.#meta ??= new MetaRepo(this.repoDb));
  }
  #agents?: AgentRepo;
  get agents(): AgentRepo {
    return (this.#agents ??= new AgentRepo(this.repoDb));
  }
  #reports?: ReportRepo;
  get reports(): ReportRepo {
    return (this.#reports ??= new ReportRepo(this.repoDb));
  }
  #web?: WebRepo;
  get web(): WebRepo {
    return (this.#web ??= new WebRepo(this.repoDb));
  }
  #branches?: BranchRepo;
  get branches(): BranchRepo {
    return (this.#branches ??= new BranchRepo(this.repoDb));
  }
  #archive?: ArchiveRepo;
  get archive(): ArchiveRepo {
    return (this.#archive ??= new ArchiveRepo(this.repoDb));
  }
  #schedules?: ScheduleRepo;
  get schedules(): ScheduleRepo {
    return (this.#schedules ??= new ScheduleRepo(this.repoDb));
  }
  #budgets?: BudgetRepo;
  get budgets(): BudgetRepo {
    return (this.#budgets ??= new BudgetRepo(this.repoDb));
  }
  private readonly txn: SqlTransaction<(fn: () => unknown) => unknown>;
  /** The device and inode of the file opened; null when it could not be read (then no checks). */
  private readonly opened: FileIdentity | null;
  /** Why the file is gone, once seen: from then on every write is UNAVAILABLE. */
  private lost: string | null = null;
  watchFile = false;
  /**
   * Called after each committed write transaction (the outermost one): the CLI pings `steward up`'s wake socket
   * here (src/workspace/wake-socket.ts), `up` itself pokes its own loop. Must not throw.
   */
  afterCommit: (() => void) | undefined;

  constructor(
    readonly db: SqlDatabase,
    readonly path: string,
    /** Set on a Postgres store; undefined on SQLite. */
    readonly backend?: StoreBackend,
  ) {
    this.opened = backend ? null : fileIdentity(path);
    this.txn = db.transaction((fn: () => unknown) => fn());
  }

  /** 'sqlite' or 'postgres'. */
  get dialect(): 'sqlite' | 'postgres' {
    return this.backend ? 'postgres' : 'sqlite';
  }

  /**
   * The clock leases, run_after and budgets are measured by: this machine's on SQLite (one host), the database
   * server's on Postgres (workers on machines with skewed clocks still agree on when a lease ends).
   */
  now(): number {
    return this.backend ? this.backend.now() : Date.now();
  }

  /**
   * Why the database file is no longer the one open (deleted or replaced), or null; once lost, stays lost.
   * Always null on Postgres: there is no file (a dropped schema or database shows as an error of the statement).
   */
  fileProblem(): string | null {
    if (this.lost || !this.opened) return this.lost;
    this.lost = fileChange(this.path, this.opened);
    return this.lost;
  }

  /** Throws UNAVAILABLE when the database file was deleted or replaced under this store. */
  assertFile(): void {
    const problem = this.fileProblem();
    if (problem) throw new StewardError('UNAVAILABLE', `${problem}; refusing writes (restart with the right file, or restore it)`, { path: this.path });
  }

  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken up front). */
  tx<T>(fn: () => T): T {
    // Inside a narrow transaction a nested write wants the queue's lock: the whole transaction goes again under it.
    if (this.#narrow) this.needsQueueLock();
    if (this.watchFile) this.assertFile();
    let out: T;
    try {
      out = this.txn.immediate(fn) as T;
    } catch (err) {
      throw translateSqliteError(err);
    }
    if (this.afterCommit && !this.db.inTransaction) this.afterCommit();
    return out;
  }

  /**
   * SQLite: runs `fn`, which makes ONE write statement, autocommitted (the statement is its own transaction: SQLite
   * takes the write lock when it starts and commits when it ends; no BEGIN or COMMIT calls), with tx()'s file check,
   * error translation and, when `fn` returns a value (it wrote), the after-commit hook. Inside a transaction the
   * statement is part of it and the hook waits for the outer commit.
   */
  autocommit<T>(fn: () => T | undefined): T | undefined {
    if (this.watchFile) this.assertFile();
    let out: T | undefined;
    try {
      out = fn();
    } catch (err) {
      throw translateSqliteError(err);
    }
    if (out !== undefined && this.afterCommit && !this.db.inTransaction) this.afterCommit();
    return out;
  }

  /** A narrow transaction (txNarrow) is open on Postgres. */
  #narrow = false;
  /** The open narrow transaction found it needs the queue's lock: it is rolled back and run again under it. */
  #escalate = false;

  /**
   * Runs `fn` in one write transaction that, on Postgres, holds the queue's lock SHARED (plus run `runId`'s lock): a
   * claim decided in one statement, a completion to done and a heartbeat run side by side with each other and wait
   * only for the transactions that hold the lock exclusively (docs/SCALING.md, "Locks on Postgres"). When `fn` finds
   * it must count, write an event or take the long way, it calls needsQueueLock(): the transaction rolls back and `fn`
   * runs again from the start under the exclusive lock — so `fn` must have no effect outside the database before that
   * point. On SQLite (one writer anyway), nested in another transaction, or with STEWARD_PG_LOCK=queue, it is tx().
   */
  txNarrow<T>(fn: () => T, runId?: number): T {
    const db = this.db;
    if (!db.sharedTransaction || db.inTransaction) return this.tx(fn);
    this.#narrow = true;
    this.#escalate = false;
    let out: T;
    try {
      out = db.sharedTransaction(() => {
        const value = fn();
        // A caller that caught the signal (a catch-all in between) still gets the lock: nothing narrow commits.
        if (this.#escalate) throw NEEDS_QUEUE_LOCK;
        return value;
      }, runId);
    } catch (err) {
      const escalate = err === NEEDS_QUEUE_LOCK || this.#escalate;
      this.#narrow = false;
      this.#escalate = false;
      if (escalate) return this.tx(fn);
      throw translateSqliteError(err);
    } finally {
      this.#narrow = false;
      this.#escalate = false;
    }
    if (this.afterCommit) this.afterCommit();
    return out;
  }

  /** Whether a narrow transaction (txNarrow holding the queue's lock shared) is open. */
  get narrow(): boolean {
    return this.#narrow;
  }

  /**
   * Inside a narrow transaction: what comes next needs the queue's lock (it counts, writes an event, checks an
   * idempotency key or a file lease), so the transaction is abandoned and run again under it. Elsewhere: nothing.
   */
  needsQueueLock(): void {
    if (!this.#narrow) return;
    this.#escalate = true;
    throw NEEDS_QUEUE_LOCK;
  }

  /**
   * Runs `fn` with no wake-up for its commits: the after-commit hook (the ping to `steward up`) off and, on Postgres,
   * no NOTIFY on the queue's channel either — for writes the tick has nothing to decide on (a babysitter's start).
   */
  quietly<T>(fn: () => T): T {
    const hook = this.afterCommit;
    const announce = this.db.announce;
    this.afterCommit = undefined;
    if (announce !== undefined) this.db.announce = false;
    try {
      return fn();
    } finally {
      this.afterCommit = hook;
      if (announce !== undefined) this.db.announce = announce;
    }
  }

  /**
   * Runs `fn` with no NOTIFY on Postgres for its commits (the after-commit hook stays): for writes that make no work
   * anyone waits for — a plain claim, a heartbeat. NOTIFY takes the database's notify lock at every commit (all
   * notifying committers queue on it) and wakes every listener (`up`, idle `work --wait` workers), which then read the
   * change mark; `up` reads it every second anyway (docs/SCALING.md, "Waking and ticking across machines").
   */
  unannounced<T>(fn: () => T): T {
    if (!this.db.announce) return fn();
    this.db.announce = false;
    try {
      return fn();
    } finally {
      this.db.announce = true;
    }
  }

  /** Runs a read outside a write transaction, translating driver errors. */
  read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateSqliteError(err);
    }
  }

  /**
   * A mark that changes whenever the queue changes: the newest event id, the newest run id and how many tasks are
   * ready or running. Every change people see writes an event (state changes, edits, proposals, pauses with their
   * failure) except a claim (a new run) and a completion to done (one live task fewer), whose record is the run row;
   * heartbeats change none of the three, so they wake no one. It reads other connections' commits too (each read sees
   * the latest WAL snapshot). Three index lookups: cheap enough to poll a few times a second.
   */
  changeMark(): string {
    return this.read(() => this.runs.changeMark());
  }

  /** `PRAGMA integrity_check` result ('ok' when sound); on Postgres 'ok' when the server answers (it checks its own pages). */
  integrityCheck(): string {
    if (this.backend) return this.read(() => this.backend!.check());
    return this.read(() => (this.db.pragma('integrity_check', { simple: true }) as string));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** What needsQueueLock throws inside a narrow transaction (caught by txNarrow, never seen by callers). */
const NEEDS_QUEUE_LOCK: Error = Object.freeze(new Error('this transaction needs the queue lock (caught by Store.txNarrow)'));

/**
 * Opens (creating if needed) the queue database at `path`, in WAL mode, migrated; or, given a Postgres URL (the `url`
 * option or STEWARD_DATABASE_URL), the queue in that database's schema, migrated.
 */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const url = options.url ?? process.env.STEWARD_DATABASE_URL; // '' (either): SQLite
  if (url) return openPgStore(path, url, options as PgStoreOptions, (db, backend) => new Store(db, path, backend));
  const busy = options.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  if (options.mustExist && !existsSync(path)) {
    throw new StewardError('UNAVAILABLE', `no database at ${path}: the workspace's queue.db is missing (restore it, or run \`steward init\` to start an empty queue)`, { path });
  }
  try {
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busy, readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, nativeBinding: sqliteNativeBinding() });
  } catch (err) {
    const translated = translateSqliteError(err);
    if (translated instanceof StewardError) throw translated;
    throw new StewardError('UNAVAILABLE', `cannot open database ${path}: ${(err as Error).message}`, { path }, err);
  }
  try {
    db.pragma(`busy_timeout = ${busy}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db);
    const store = new Store(db as unknown as SqlDatabase, path);
    store.watchFile = options.watchFile ?? false;
    return store;
  } catch (err) {
    db.close();
    throw translateSqliteError(err);
  }
}
