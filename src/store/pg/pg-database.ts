// PgDatabase: the SqlDatabase (better-sqlite3's synchronous API, src/store/sql-database.ts) over Postgres, through
// a worker-thread connection (sync-bridge.ts). Statements are translated once (dialect.ts) and prepared on the server
// under a name; transactions keep better-sqlite3's rules (nesting → SAVEPOINT, a throw → ROLLBACK and rethrow), and
// `.immediate` takes the queue's writer lock (pg_advisory_xact_lock), one writer per queue as SQLite's BEGIN IMMEDIATE;
// `sharedTransaction` takes it shared (and one run's lock), for the narrow claims and completions of docs/SCALING.md.
import { StewardError } from '../../core/errors.js';
import type { SqlDatabase, SqlStatement, SqlTransaction } from '../sql-database.js';
import type { BatchStep, BridgeReply } from './bridge-protocol.js';
import { translate, TranslateError, type Bind, type SchemaInfo, type Translated } from './dialect.js';
import { advisoryKey, runLockClass, runLockKey } from './lock-keys.js';
import { newOrigin, notifyIfWroteSql, notifySql } from './notify.js';
import { translatePgError } from './pg-errors.js';
import { SyncBridge } from './sync-bridge.js';

export interface PgDatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The queue's schema (created when missing; the connection's search_path). Default 'steward'. */
  schema?: string;
  /** Create the schema when it is missing (default true); false for a store that must find an existing queue. */
  createSchema?: boolean;
  /**
   * How long a writer waits for the queue's lock (and any row or table lock) before BUSY, ms: Postgres's
   * lock_timeout, as busy_timeout is SQLite's. Default 5000; 0 waits for ever.
   */
  busyTimeoutMs?: number;
  applicationName?: string;
  connectTimeoutMs?: number;
  /** Which lock the narrow transactions take (default: STEWARD_PG_LOCK, else 'narrow'); see PgLockMode. */
  lockMode?: PgLockMode;
}

/**
 * How write transactions lock the queue (docs/SCALING.md, "Locks on Postgres"):
 * - 'narrow' (the default): `.immediate` takes the queue's lock exclusively; `sharedTransaction` (a claim decided in
 *   one statement, a completion to done, a heartbeat) takes it shared plus its run's lock, so those run side by side
 *   and only wait for the exclusive ones (the tick, caps and budgets, everything that counts or writes events);
 * - 'queue': every write transaction takes the queue's lock exclusively (the rule before narrowing: one writer);
 * - 'unsafe-shared': a TEST knob that makes every write transaction take the lock shared only — caps, budgets and
 *   idempotency keys are then NOT exact; test/pg-lock-*.test.ts uses it to show that their checks can fail.
 */
export type PgLockMode = 'narrow' | 'queue' | 'unsafe-shared';

/** The lock mode STEWARD_PG_LOCK names (unset: 'narrow'); anything else is an error, not a silent default. */
export function lockModeFromEnv(value = process.env.STEWARD_PG_LOCK): PgLockMode {
  if (value === undefined || value === '') return 'narrow';
  if (value === 'narrow' || value === 'queue' || value === 'unsafe-shared') return value;
  throw new StewardError('VALIDATION', `STEWARD_PG_LOCK must be narrow, queue or unsafe-shared, not ${JSON.stringify(value)}`, { value });
}

type Row = Record<string, unknown>;
type Mode = 'deferred' | 'immediate' | 'shared';

/** One connection to one queue's schema, with better-sqlite3's synchronous API. */
export class PgDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  /** The URL without its password (for messages). */
  readonly url: string;
  /** The writers' advisory-lock key of this schema (decimal bigint). */
  readonly writeLockKey: string;
  /** The int4 class of this schema's per-run locks (lock-keys.ts). */
  readonly runLockClass: number;
  readonly lockMode: PgLockMode;
  /** Whether the open transaction holds the queue's lock shared only (a narrow one); false outside transactions. */
  shared = false;
  /**
   * The payload of this connection's NOTIFYs (src/store/pg/notify.ts): every committed write transaction
   * (`.immediate`) announces itself on the queue's channel; a listener in the same process ignores its own.
   */
  readonly origin = newOrigin();
  /** The URL as given (with its password): for another connection of this process to the same server (LISTEN). */
  readonly connectUrl: string;
  /** NOTIFY and COMMIT in one round trip, for a transaction that changed rows (Postgres delivers at commit only). */
  private readonly commitWrite: string;
  /** NOTIFY when the transaction wrote (decided by the server), before the COMMIT of a statement whose answer is not known yet. */
  private readonly notifyIfWrote: string;
  private readonly notifyAlways: string;
  /** The open transaction changed a row (an INSERT, UPDATE or DELETE with a row count): its commit notifies. */
  private wrote = false;
  /** While false, a committed write does not NOTIFY (Store.quietly: writes no `steward up` should wake for). */
  announce = true;
  private readonly bridge: SyncBridge;
  private depth = 0;
  /** What this connection's session holds while pinned (pinSession): no silent reconnect meanwhile. */
  private pinned: string | undefined;
  /**
   * Statements whose answer nobody waits for (BEGIN with the writers' lock, SAVEPOINT, RELEASE): they wait here and go
   * to the server in one batch with the next statement (one round trip instead of two). Empty outside a transaction.
   */
  private pending: Array<BatchStep & { later?: true }> = [];
  /** The open transaction's BEGIN has gone to the server (until then it waits in `pending`). */
  private begun = false;
  /** The open transaction was committed (or rolled back) with its last statement (queryThenCommit): nothing more may run in it. */
  private ended = false;
  private busyTimeoutMs: number;
  private readonly translations = new Map<string, Translated>();
  /** Server-side statement name per final text (prepared once per connection by `pg`). */
  private readonly names = new Map<string, string>();
  private nameCounter = 0;
  private columns: Map<string, Map<string, boolean>> | null = null;

  constructor(options: PgDatabaseOptions) {
    this.schema = options.schema ?? 'steward';
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.writeLockKey = advisoryKey('write', this.schema);
    this.runLockClass = runLockClass(this.schema);
    this.lockMode = options.lockMode ?? lockModeFromEnv();
    this.connectUrl = options.url;
    this.commitWrite = `${notifySql(this.schema, this.origin)}; COMMIT`;
    this.notifyIfWrote = notifyIfWroteSql(this.schema, this.origin);
    this.notifyAlways = notifySql(this.schema, this.origin);
    this.bridge = new SyncBridge({
      url: options.url,
      schema: this.schema,
      createSchema: options.createSchema ?? true,
      applicationName: options.applicationName ?? 'steward',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      settings: { lock_timeout: String(this.busyTimeoutMs) },
    });
    this.url = this.bridge.url;
  }

  get open(): boolean {
    return this.bridge.open;
  }

  /** Round trips to the server so far (requests through the bridge; a batch of statements is one). */
  get roundTrips(): number {
    return this.bridge.requests;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): SqlStatement & Required<Pick<SqlStatement, 'runLater' | 'getThenCommit' | 'runThenCommit'>> {
    this.assertOpen();
    return new PgStatement(this, sql, this.translated(sql));
  }

  /** Runs a text of one or more statements as Postgres SQL (not translated), as better-sqlite3's exec runs SQLite's. */
  exec(sql: string): this {
    this.assertOpen();
    this.simple(sql);
    // DDL may have changed tables: forget what was learned about them and prepare afresh under new names.
    this.columns = null;
    this.translations.clear();
    this.names.clear();
    return this;
  }

  /**
   * The pragmas the store sets: busy_timeout sets lock_timeout; foreign_keys, journal_mode, synchronous (and a few
   * other tuning ones) have no Postgres counterpart and do nothing; integrity_check answers 'ok' once the server
   * answers (Postgres checks its own pages); foreign_key_check finds none (Postgres enforces keys at every write).
   */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    this.assertOpen();
    const m = /^\s*(\w+)\s*(?:=\s*['"]?([^'";]*?)['"]?)?\s*;?\s*$/.exec(source);
    if (!m) throw new StewardError('INTERNAL', `cannot read pragma "${source}"`);
    const name = m[1]!.toLowerCase();
    const value = m[2];
    const answer = (column: string, v: unknown) => (options.simple ? v : [{ [column]: v }]);
    switch (name) {
      case 'busy_timeout': {
        if (value !== undefined) {
          const ms = Number(value);
          if (!Number.isInteger(ms) || ms < 0) throw new StewardError('INTERNAL', `busy_timeout must be a whole number of ms, not "${value}"`);
          this.simple(`SET lock_timeout = ${ms}`);
          this.busyTimeoutMs = ms;
        }
        return answer('timeout', this.busyTimeoutMs);
      }
      case 'integrity_check':
      case 'quick_check':
        this.simple('SELECT 1');
        return answer(name, 'ok');
      case 'foreign_key_check':
        return options.simple ? undefined : [];
      case 'foreign_keys':
      case 'journal_mode':
      case 'synchronous':
      case 'defer_foreign_keys':
      case 'cache_size':
      case 'temp_store':
      case 'mmap_size':
      case 'wal_autocheckpoint':
      case 'wal_checkpoint':
      case 'optimize':
        return options.simple ? undefined : [];
      default:
        throw new StewardError('INTERNAL', `pragma ${name} has no Postgres equivalent (the Postgres store supports busy_timeout, integrity_check and the SQLite tuning pragmas as no-ops)`);
    }
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): SqlTransaction<F> {
    const call = (mode: Mode) => (...args: Parameters<F>) => this.runTransaction(mode, () => fn(...args)) as ReturnType<F>;
    const deferred = call('deferred');
    return Object.assign(deferred, { deferred, immediate: call('immediate'), exclusive: call('immediate') }) as unknown as SqlTransaction<F>;
  }

  /**
   * Runs `fn` in a write transaction holding the queue's lock SHARED (and, given `runId`, that run's lock exclusively):
   * it waits only for the exclusive writers (`.immediate`) and for narrow ones on the same run. The caller guarantees
   * `fn` writes nothing another narrow transaction reads to decide (docs/SCALING.md); with lockMode 'queue' this is
   * `.immediate`. Both locks go with the first statement, as BEGIN does: no extra round trip.
   */
  sharedTransaction<T>(fn: () => T, runId?: number): T {
    if (this.depth > 0) return this.savepoint(fn) as T;
    const mode: Mode = this.lockMode === 'queue' ? 'immediate' : 'shared';
    return this.runTransaction(mode, fn, mode === 'shared' ? runId : undefined) as T;
  }

  noteWrite(): void {
    if (this.depth > 0) this.wrote = true;
  }

  close(): this {
    this.bridge.close();
    return this;
  }

  /**
   * Pins the session: until the returned function runs, a connection the server dropped is not replaced — every
   * statement fails UNAVAILABLE instead, naming `holds` (e.g. "the tick's session advisory lock"), because what the
   * session held (a session advisory lock, a SET) went with it. Outside a pin a lost connection is re-opened before
   * the next statement outside a transaction, as always.
   */
  pinSession(holds: string): () => void {
    if (this.pinned !== undefined) throw new StewardError('INTERNAL', `the Postgres session is pinned already (for ${this.pinned})`);
    this.pinned = holds;
    return () => {
      if (this.pinned === holds) this.pinned = undefined;
    };
  }

  /** Sends a text as one simple-protocol request (one round trip for several statements, and what is pending). */
  simple(text: string): BridgeReply & { ok: true } {
    return this.send({ text });
  }

  /**
   * Sends one statement, with the pending ones before it in the same batch (one round trip). `inTx` tells the worker
   * whether the server already holds an open transaction of ours (then a lost connection fails instead of reconnecting).
   */
  private send(step: BatchStep): BridgeReply & { ok: true } {
    this.assertNotEnded();
    const inTx = this.begun;
    const pinned = this.pinned;
    let reply: BridgeReply;
    if (this.pending.length > 0) {
      const steps: BatchStep[] = this.pending.map(({ later: _, ...s }) => s);
      steps.push(step);
      this.pending = [];
      if (this.depth > 0) this.begun = true;
      reply = this.bridge.request({ op: 'batch', steps, inTx, pinned });
    } else if (step.values) {
      reply = this.bridge.request({ op: 'query', text: step.text, values: step.values, array: step.array ?? false, name: step.name, inTx, pinned });
    } else {
      reply = this.bridge.request({ op: 'simple', text: step.text, inTx, pinned });
    }
    if (!reply.ok) throw this.failure(reply.error);
    if (this.depth > 0 && reply.wrote) this.wrote = true;
    return reply;
  }

  /** Runs a translated statement with better-sqlite3-style arguments. */
  query(tr: Translated, params: unknown[], array: boolean, wantId: boolean): BridgeReply & { ok: true } {
    this.assertOpen();
    let text = tr.text;
    if (wantId && tr.insertInto && !tr.returning && this.hasColumn(tr.insertInto, 'id')) text += ' RETURNING id';
    return this.send({ text, values: bindValues(tr.binds, params), array, name: this.nameOf(text) });
  }

  /** Inside a transaction: queues a write whose answer nobody reads, to go with the next statement (PgStatement.runLater). */
  defer(tr: Translated, params: unknown[]): void {
    this.assertOpen();
    this.assertNotEnded();
    if (this.depth === 0) {
      this.query(tr, params, false, false);
      return;
    }
    this.pending.push({ text: tr.text, values: bindValues(tr.binds, params), name: this.nameOf(tr.text), later: true });
  }

  /**
   * The transaction's last statement: sent with what is pending (BEGIN and the lock, deferred writes), the NOTIFY and
   * the COMMIT in one round trip, so its answer arrives after the commit. The NOTIFY goes when the transaction wrote
   * before, else the server decides (it wrote when it has a transaction id): a claim that found nothing announces
   * nothing. An error of any step aborts the transaction (the COMMIT then only rolls back) and is the one thrown.
   * `guard`: the statement is an UPDATE or DELETE that must change exactly one row; when it changes none (or several)
   * the server aborts the transaction, so nothing of it is kept, and `rowCount` is 0 — the caller throws its CONFLICT
   * as it would after rolling back. After it nothing more may run in the transaction (INTERNAL). Inside a savepoint
   * (or outside a transaction) it is an ordinary statement: the outer transaction commits later.
   */
  queryThenCommit(tr: Translated, params: unknown[], array: boolean, guard: boolean): { rows: unknown[]; rowCount: number } {
    this.assertOpen();
    this.assertNotEnded();
    if (this.depth !== 1) return this.query(tr, params, array, false);
    let text = tr.text;
    if (guard) {
      if (!/^\s*(UPDATE|DELETE)\b/i.test(text) || /\bRETURNING\b/i.test(text)) {
        throw new StewardError('INTERNAL', 'postgres: a guarded last statement must be an UPDATE or DELETE without RETURNING', { sql: tr.text });
      }
      // Not exactly one row changed: the cast fails (at run time: the text depends on the count), the transaction aborts.
      text = `WITH w AS (${text} RETURNING 1) SELECT CAST(CASE WHEN COUNT(*) = 1 THEN '1' ELSE '${GUARD}' || COUNT(*) END AS integer) FROM w`;
    }
    const steps: BatchStep[] = this.pending.map(({ later: _, ...st }) => st);
    const at = steps.length;
    steps.push({ text, values: bindValues(tr.binds, params), array: guard || array, name: this.nameOf(text) });
    const writes = this.wrote || this.pending.some((st) => st.later);
    // The NOTIFY and the COMMIT as steps of their own: in one simple-protocol text a failed NOTIFY (the transaction
    // aborted by the statement) would skip the COMMIT, and the server would keep the aborted transaction open.
    // Named (prepared once per connection): the simple protocol planned the conditional one on every commit.
    if (this.announce) {
      const notify = writes ? this.notifyAlways : this.notifyIfWrote;
      steps.push({ text: notify, values: [], name: this.nameOf(notify) });
    }
    steps.push({ text: 'COMMIT' });
    const inTx = this.begun;
    this.pending = [];
    // Whatever the answer, the server's transaction is over: committed, or rolled back by the step that failed.
    this.begun = false;
    this.ended = true;
    const reply = this.bridge.request({ op: 'batch', steps, answer: at, inTx, pinned: this.pinned });
    if (!reply.ok) {
      if (reply.error.step === at && isGuardError(reply.error)) {
        if (guard) return { rows: [], rowCount: 0 };
        throw new StewardError('CONFLICT', 'the rows changed while they were being updated (the transaction was rolled back)', { postgres: reply.error.code ?? null });
      }
      throw this.failure(reply.error);
    }
    return guard ? { rows: [], rowCount: 1 } : { rows: reply.rows, rowCount: reply.rowCount };
  }

  /**
   * The statement taking the queue's lock (exclusive, or shared plus run `runId`'s lock), as a named prepared statement:
   * parsed and planned once per connection, where the simple protocol planned it on every transaction.
   */
  private lockStep(mode: 'immediate' | 'shared', runId: number | undefined): BatchStep {
    const text = mode === 'immediate' ? `SELECT pg_advisory_xact_lock(${this.writeLockKey})`
      : runId === undefined ? `SELECT pg_advisory_xact_lock_shared(${this.writeLockKey})`
      : `SELECT pg_advisory_xact_lock_shared(${this.writeLockKey}), pg_advisory_xact_lock(${this.runLockClass}, CAST($1 AS integer))`;
    return { text, values: runId === undefined ? [] : [runLockKey(runId)], name: this.nameOf(text) };
  }

  /** The server-side name of a statement text (prepared once per connection by `pg`). */
  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `steward_${++this.nameCounter}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** The statement as Postgres runs it (translated once, with what the catalogue says about NOT NULL columns). */
  translated(sql: string): Translated {
    let tr = this.translations.get(sql);
    if (!tr) {
      try {
        tr = translate(sql, this.schemaInfo());
      } catch (err) {
        if (err instanceof TranslateError) throw new StewardError('INTERNAL', `postgres: ${err.message}`, { sql }, err);
        throw err;
      }
      this.translations.set(sql, tr);
    }
    return tr;
  }

  private runTransaction(mode: Mode, body: () => unknown, runId?: number): unknown {
    this.assertOpen();
    if (this.depth > 0) return this.savepoint(body);
    // The test knob 'unsafe-shared' takes every writer's lock shared (docs/SCALING.md: what the tests show it breaks).
    if (mode === 'immediate' && this.lockMode === 'unsafe-shared') mode = 'shared';
    // BEGIN (and the writers' lock) go with the transaction's first statement: one round trip fewer per transaction.
    this.pending = [{ text: 'BEGIN' }];
    if (mode !== 'deferred') this.pending.push(this.lockStep(mode, runId));
    this.shared = mode === 'shared';
    this.begun = false;
    this.ended = false;
    this.depth = 1;
    this.wrote = false;
    try {
      const out = body();
      assertNotPromise(out);
      // Committed with its last statement (queryThenCommit).
      if (this.ended) return out;
      // Nothing reached the server and nothing waits to (no statement ran): there is no transaction to commit.
      if (!this.begun && !this.pending.some((s) => s.later)) return out;
      // A transaction that changed rows announces it with its COMMIT (a read, or a tick finding the lock taken, does
      // not: two `steward up` would otherwise wake each other for ever). A NOTIFY in an aborted transaction fails.
      let commit: BridgeReply & { ok: true };
      try {
        // A deferred write still pending goes with the COMMIT: count it as a write (its count is not known yet).
        const writes = this.wrote || this.pending.some((s) => s.later);
        commit = this.simple(writes && this.announce ? this.commitWrite : 'COMMIT');
      } catch (err) {
        if (err instanceof StewardError && err.details.postgres === '25P02') {
          throw new StewardError('INTERNAL', 'postgres: the transaction was rolled back at COMMIT (a statement in it failed and its error was caught)');
        }
        throw err;
      }
      // A transaction a failed statement aborted (its error caught inside) ends in ROLLBACK, not COMMIT: say so.
      if (commit.command === 'ROLLBACK') {
        throw new StewardError('INTERNAL', 'postgres: the transaction was rolled back at COMMIT (a statement in it failed and its error was caught)');
      }
      return out;
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    } finally {
      this.depth = 0;
      this.pending = [];
      this.begun = false;
      this.shared = false;
      this.ended = false;
    }
  }

  private savepoint(body: () => unknown): unknown {
    const name = `steward_sp${this.depth}`;
    // SAVEPOINT and RELEASE wait for the next statement (or the COMMIT) like BEGIN does.
    const open: BatchStep = { text: `SAVEPOINT ${name}` };
    this.pending.push(open);
    this.depth++;
    try {
      let out: unknown;
      let released = false;
      try {
        out = body();
        assertNotPromise(out);
        // A deferred write of the body must fail inside the savepoint, where the caller expects its errors: send it now.
        if (this.pending.some((s) => s.later)) {
          this.simple(`RELEASE SAVEPOINT ${name}`);
          released = true;
        }
      } catch (err) {
        const at = this.pending.lastIndexOf(open);
        // Still waiting: nothing of the savepoint reached the server, so it is simply not sent.
        if (at >= 0) this.pending.length = at;
        else this.pending.push({ text: `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}` });
        throw err;
      }
      if (!released) this.pending.push({ text: `RELEASE SAVEPOINT ${name}` });
      return out;
    } finally {
      this.depth--;
    }
  }

  private rollbackQuietly(): void {
    this.pending = [];
    // Nothing sent (BEGIN still pending): the server has no transaction of ours.
    if (!this.begun || !this.open) return;
    try {
      this.simple('ROLLBACK');
    } catch {
      // no transaction, or no connection: nothing to undo here
    }
  }

  private failure(e: Parameters<typeof translatePgError>[0]): StewardError {
    if (e.code === 'STEWARD_INT_RANGE') return new StewardError('INTERNAL', `postgres: ${e.message}`, { postgres: null });
    // A statement's own guard (claimOpen, completeOpen) aborted the transaction: the rows changed under it.
    if (isGuardError(e)) return new StewardError('CONFLICT', 'the rows changed while they were being updated (the transaction was rolled back)', { postgres: e.code ?? null });
    return translatePgError(e, this.url);
  }

  private assertNotEnded(): void {
    if (this.ended && this.depth > 0) {
      throw new StewardError('INTERNAL', 'postgres: the transaction was committed with its last statement (queryThenCommit); nothing more may run in it');
    }
  }

  private assertOpen(): void {
    if (!this.bridge.open) throw new TypeError('The database connection is not open');
  }

  /** Whether `table` (in this schema) has `column`; the catalogue is read once and again after DDL. */
  private hasColumn(table: string, column: string): boolean {
    let cols = this.loadColumns().get(table);
    if (!cols) {
      this.columns = null;
      cols = this.loadColumns().get(table);
    }
    return cols?.has(column) ?? false;
  }

  private loadColumns(): Map<string, Map<string, boolean>> {
    if (this.columns) return this.columns;
    const reply = this.simple(`SELECT c.relname, a.attname, a.attnotnull FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped`);
    const out = new Map<string, Map<string, boolean>>();
    for (const r of reply.rows as Array<{ relname: string; attname: string; attnotnull: number }>) {
      let cols = out.get(r.relname);
      if (!cols) out.set(r.relname, (cols = new Map()));
      cols.set(r.attname, r.attnotnull === 1);
    }
    this.columns = out;
    return out;
  }

  private schemaInfo(): SchemaInfo {
    const cols = this.loadColumns();
    return {
      notNull: (table, column) => cols.get(table)?.get(column) === true,
      tablesWith: (column) => [...cols].filter(([, c]) => c.has(column)).map(([t]) => t),
    };
  }
}

/** A prepared statement: the translation, the row shape (objects, arrays, first column) and the calls. */
class PgStatement implements SqlStatement {
  private rawMode = false;
  private pluckMode = false;

  constructor(
    private readonly db: PgDatabase,
    /** The statement as the caller wrote it. */
    readonly source: string,
    private readonly tr: Translated,
  ) {}

  runLater(...params: unknown[]): void {
    this.db.defer(this.tr, params);
  }

  getThenCommit(...params: unknown[]): unknown {
    const array = this.rawMode || this.pluckMode;
    const row = this.db.queryThenCommit(this.tr, params, array, false).rows[0];
    return this.pluckMode && row ? (row as unknown[])[0] : row;
  }

  runThenCommit(...params: unknown[]): { changes: number; lastInsertRowid: number } {
    return { changes: this.db.queryThenCommit(this.tr, params, false, true).rowCount, lastInsertRowid: 0 };
  }

  run(...params: unknown[]): { changes: number; lastInsertRowid: number } {
    const r = this.db.query(this.tr, params, false, true);
    const first = r.rows[0] as Row | undefined;
    const id = first && typeof first.id === 'number' ? first.id : 0;
    return { changes: r.rowCount, lastInsertRowid: id };
  }

  get(...params: unknown[]): unknown {
    const rows = this.rows(params);
    return rows[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(params);
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params)[Symbol.iterator]();
  }

  raw(toggle = true): this {
    this.rawMode = toggle;
    if (toggle) this.pluckMode = false;
    return this;
  }

  pluck(toggle = true): this {
    this.pluckMode = toggle;
    if (toggle) this.rawMode = false;
    return this;
  }

  private rows(params: unknown[]): unknown[] {
    const array = this.rawMode || this.pluckMode;
    const rows = this.db.query(this.tr, params, array, false).rows;
    return this.pluckMode ? (rows as unknown[][]).map((r) => r[0]) : rows;
  }
}

/** What a failed guard (queryThenCommit) says: a text cast to integer, so the error names it. */
const GUARD = 'steward-guard: rows changed ';

function isGuardError(e: { code?: string; message: string }): boolean {
  return e.code === '22P02' && e.message.includes(GUARD.trim());
}

function assertNotPromise(out: unknown): void {
  if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function') {
    throw new TypeError('Transaction function cannot return a promise');
  }
}

function isNamedObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * One value as Postgres takes it (better-sqlite3's rules: numbers, strings, bigints, buffers, null). Postgres refuses
 * U+0000 in text ("invalid byte sequence for encoding UTF8: 0x00"), and a CLI's output may carry one into a summary or
 * an error: it is stored as U+FFFD, so the write (an outcome: the run's result) is not lost. JSON columns are text
 * holding JSON, where a NUL is the escape `\u0000`, kept as is.
 */
function bindable(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'number':
      return v;
    case 'string':
      return v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 1 : 0;
    default:
      if (Buffer.isBuffer(v)) return v;
      throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null');
  }
}

/** better-sqlite3's argument forms (values, arrays of values, one object of named values) → the $n values. */
export function bindValues(binds: Bind[], params: unknown[]): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | undefined;
  for (const p of params) {
    if (Array.isArray(p)) positional.push(...p);
    else if (isNamedObject(p)) {
      if (named) throw new TypeError('You cannot specify named parameters in two different objects');
      named = p;
    } else positional.push(p);
  }
  if (binds.length === 0) return positional.map(bindable); // no parameters, or $n written natively
  let wanted = 0;
  for (const b of binds) if ('pos' in b) wanted = Math.max(wanted, b.pos + 1);
  if (positional.length < wanted) throw new RangeError('Too few parameter values were provided');
  if (positional.length > wanted) throw new RangeError('Too many parameter values were provided');
  return binds.map((b) => {
    if ('pos' in b) return bindable(positional[b.pos]);
    if (!named || !(b.name in named)) throw new RangeError(`Missing named parameter "${b.name}"`);
    return bindable(named[b.name]);
  });
}
