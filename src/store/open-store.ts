// openStore(): the only door to the database. Sets the pragmas, migrates, prepares statements.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StewardError } from '../core/errors.js';
import { migrate } from './migrations.js';
import { AgentRepo, EventRepo, MetaRepo } from './misc-repos.js';
import { BranchRepo } from './branch-repo.js';
import { ProposalRepo } from './proposal-repo.js';
import { ReportRepo } from './report-repo.js';
import { RunRepo } from './run-repo.js';
import { translateSqliteError } from './sqlite-errors.js';
import { TaskRepo } from './task-repo.js';
import { WebRepo } from './web-repo.js';

export interface StoreOptions {
  /** How long a writer waits for the lock before BUSY (ms). Default 5000. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/** The queue's database: typed repositories plus transactions that translate driver errors. */
export class Store {
  readonly tasks: TaskRepo;
  readonly runs: RunRepo;
  readonly proposals: ProposalRepo;
  readonly events: EventRepo;
  readonly meta: MetaRepo;
  readonly agents: AgentRepo;
  readonly reports: ReportRepo;
  readonly web: WebRepo;
  readonly branches: BranchRepo;
  private readonly txn: ReturnType<Database.Database['transaction']>;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {
    this.tasks = new TaskRepo(db);
    this.runs = new RunRepo(db);
    this.proposals = new ProposalRepo(db);
    this.events = new EventRepo(db);
    this.meta = new MetaRepo(db);
    this.agents = new AgentRepo(db);
    this.reports = new ReportRepo(db);
    this.web = new WebRepo(db);
    this.branches = new BranchRepo(db);
    this.txn = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken up front). */
  tx<T>(fn: () => T): T {
    try {
      return this.txn.immediate(fn) as T;
    } catch (err) {
      throw translateSqliteError(err);
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
   * A mark that changes whenever the queue changes: the newest event id. Every change people see writes an event
   * (state changes, edits, proposals, pauses with their failure); heartbeats do not, so they wake no one. It reads
   * other connections' commits too (each read sees the latest WAL snapshot). Cheap enough to poll a few times a second.
   */
  changeMark(): string {
    return this.read(() => String(this.events.maxId()));
  }

  /** `PRAGMA integrity_check` result ('ok' when sound). */
  integrityCheck(): string {
    return this.read(() => (this.db.pragma('integrity_check', { simple: true }) as string));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) the queue database at `path`, in WAL mode, migrated. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const busy = options.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  try {
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busy, readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
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
    return new Store(db, path);
  } catch (err) {
    db.close();
    throw translateSqliteError(err);
  }
}
