// SQL for tasks and their dependencies.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { TaskState } from '../core/states.js';
import type { Task } from '../core/types.js';
import { selectList, TASK_COLUMNS, taskFromArray } from './rows.js';
import { inState } from './state-index.js';
import { TableWriter } from './statements.js';

type Row = Record<string, unknown>;
type Raw = unknown[];
/** Live states (each in a partial index, see state-index.ts); queries name them one by one so the index is used. */
const LIVE = ['pending', 'ready', 'running', 'blocked', 'review'] as const;
const T = selectList(TASK_COLUMNS, 't');
const NOT_ARCHIVED = 'NOT EXISTS (SELECT 1 FROM archived_tasks a WHERE a.task_id = t.id)';

/**
 * The claim: the first ready task an agent may run, in claim order, narrowed by `filters`. On Postgres the row is
 * locked and rows other transactions hold are passed over (`FOR UPDATE … SKIP LOCKED`, as pg-boss and graphile-worker
 * claim); the queue's write lock already serialises claims, so this is the second fence, not the first.
 */
export function claimSql(pg: boolean, filters: string, agents = "(t.agent = 'any' OR t.agent = @agent)"): string {
  return `SELECT ${T} FROM tasks t
    WHERE ${dueAndReady('@now')} AND ${agents} ${filters}
    ${CLAIM_ORDER}
    LIMIT 1${pg ? ' FOR UPDATE OF t SKIP LOCKED' : ''}`;
}

/** Tasks `t` a claim may take at `now` (a placeholder in the statement's style): ready, and due. */
function dueAndReady(now: string): string {
  return `${inState('ready')} AND t.run_after <= ${now}`;
}

/** The order claims take tasks in (every claim statement: the tasks_live index serves it). */
const CLAIM_ORDER = 'ORDER BY t.priority, t.created_at, t.id';

/**
 * Ready tasks with a not-before time (a retry's backoff, a requeue): the WHERE of the tasks_due index (migration 16),
 * repeated so SQLite uses it. A new task's run_after is 0: it is in neither.
 */
const READY_WITH_RUN_AFTER = "t.status = 'ready' AND t.run_after > 0";

/** Filters for a page of tasks, ordered by (priority, id) after the cursor. */
export interface TaskPageQuery {
  statuses?: TaskState[];
  project?: string;
  type?: string;
  agent?: string;
  afterPriority: number;
  afterId: number;
  limit: number;
  /** Include archived tasks (left out by default). */
  archived?: boolean;
}

/** A task update: task fields plus the heads of its run and event chains (the store's own columns). */
export type TaskPatch = Partial<Task> & { last_run_id?: number; last_event_id?: number };

export interface ClaimQuery {
  agent: string;
  types: string[] | null;
  capabilities: string[];
  now: number;
  /** Projects to skip (e.g. at their WIP cap). */
  excludeProjects?: string[];
  /** Tasks to skip (their path globs overlap a running task's: a file lease). */
  skipTasks?: number[];
  /** Tasks assigned to these profiles are claimable too (this profile is their fallback). */
  alsoAgents?: string[];
}

/** The run columns a claim writes (the run-repo's insert), in claimOpen's order. */
const OPENED_RUN = ['task_id', 'agent', 'lease_ms', 'lease_expires_at', 'heartbeat_at', 'started_at', 'host', 'pid', 'pgid', 'proc_start', 'claimed_by'] as const;

/** What claimOpen writes on the run it opens (heartbeat_at and started_at are the claim's `now`). */
export interface OpenedRun {
  agent: string;
  lease_ms: number;
  lease_expires_at: number;
  host: string | null;
  pid: number | null;
  pgid: number | null;
  proc_start: string | null;
  claimed_by: string | null;
}

/** The two columns after the task in a claimOpen row: until when the agent is paused and whether file leases exist. */
function pauseAndLeases(row: Raw): { pausedUntil: number; leases: boolean } {
  const n = TASK_COLUMNS.length;
  return { pausedUntil: (row[n] as number | null) ?? 0, leases: row[n + 1] === 1 || row[n + 1] === true };
}

/** Where a claim's changes sit in a TASK_COLUMNS row. */
const CLAIM_STATUS = TASK_COLUMNS.indexOf('status');
const CLAIM_CURRENT_RUN = TASK_COLUMNS.indexOf('current_run_id');
const CLAIM_UPDATED_AT = TASK_COLUMNS.indexOf('updated_at');

/** Reads and writes the tasks and task_deps tables. */
export class TaskRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, SqlStatement>;
  /** Postgres only: the claim in one statement (see claimOpen). */
  private readonly claimOpenStmt: SqlStatement | undefined;
  /** SQLite only: the claim in one autocommitted statement (see claimAlone). */
  private readonly claimAloneStmt: SqlStatement | undefined;

  constructor(private readonly db: SqlDatabase) {
    this.writer = new TableWriter(db, 'tasks');
    // Statements that return whole tasks are raw (arrays in TASK_COLUMNS order).
    const rows = (sql: string) => db.prepare(sql).raw(true);
    const pg = db.dialect === 'postgres';
    this.s = {
      get: rows(`SELECT ${T} FROM tasks t WHERE t.id = ?`),
      // The two transitions of every claim+complete cycle, as fixed statements (the generic writer builds its SQL per call).
      // Neither writes an event: the run row is the audit record of a claim and a completion to done (migration 8).
      markRunning: db.prepare(`UPDATE tasks SET status = 'running', current_run_id = ?, last_run_id = ?,
        updated_at = ? WHERE id = ? AND status = 'ready'`),
      markCompleted: db.prepare(`UPDATE tasks SET status = ?, result = ?, error = NULL, current_run_id = NULL,
        finished_at = ?, last_event_id = COALESCE(?, last_event_id), updated_at = ? WHERE id = ? AND status = 'running'`),
      currentRun: db.prepare('SELECT current_run_id FROM tasks WHERE id = ? AND status = ?').pluck(),
      byKey: rows(`SELECT ${T} FROM tasks t WHERE t.key = ?`),
      deps: db.prepare('SELECT depends_on FROM task_deps WHERE task_id = ? ORDER BY depends_on'),
      dependents: db.prepare('SELECT task_id FROM task_deps WHERE depends_on = ? ORDER BY task_id'),
      addDep: db.prepare('INSERT OR IGNORE INTO task_deps (task_id, depends_on) VALUES (?, ?)'),
      clearDeps: db.prepare('DELETE FROM task_deps WHERE task_id = ?'),
      reaches: db.prepare(`
        WITH RECURSIVE up(id) AS (
          SELECT value FROM json_each(?)
          UNION SELECT d.depends_on FROM task_deps d JOIN up ON d.task_id = up.id
        ) SELECT 1 FROM up WHERE id = ? LIMIT 1`),
      claimable: rows(claimSql(pg, `
          AND (@types IS NULL OR t.type IN (SELECT value FROM json_each(@types)))
          AND (@excluded IS NULL OR t.project NOT IN (SELECT value FROM json_each(@excluded)))
          AND (@skip IS NULL OR t.id NOT IN (SELECT value FROM json_each(@skip)))
          AND (t.requires_json = '[]' OR NOT EXISTS (
                SELECT 1 FROM json_each(t.requires_json) r
                WHERE r.value NOT IN (SELECT value FROM json_each(@caps))))`,
        "(t.agent = 'any' OR t.agent = @agent OR (@also IS NOT NULL AND t.agent IN (SELECT value FROM json_each(@also))))")),
      // The same claim when the worker names no types, capabilities or excluded projects (the common case).
      claimableAny: rows(claimSql(pg, "AND t.requires_json = '[]'")),
      page: rows(`
        SELECT ${T} FROM tasks t
        WHERE (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
          AND (@project IS NULL OR project = @project)
          AND (@type IS NULL OR type = @type)
          AND (@agent IS NULL OR agent = @agent)
          AND (priority > @p OR (priority = @p AND id > @id))
          AND (@archived = 1 OR NOT EXISTS (SELECT 1 FROM archived_tasks a WHERE a.task_id = t.id))
        ORDER BY priority, id
        LIMIT @limit`),
      // The first ready task of these agents to come due after now: one seek into tasks_due, walked in run_after order
      // past tasks of other agents (few: only tasks waiting out a backoff are in it).
      nextDue: db.prepare(`SELECT t.run_after FROM tasks t
        WHERE ${READY_WITH_RUN_AFTER} AND t.run_after > ? AND t.agent IN (SELECT value FROM json_each(?))
        ORDER BY t.run_after LIMIT 1`).pluck(),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status'),
      promotable: rows(`
        SELECT ${T} FROM tasks t
        WHERE t.status = 'pending' AND t.run_after <= ?
          AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks p ON p.id = d.depends_on
                          WHERE d.task_id = t.id AND p.status <> 'done')
        ORDER BY t.priority, t.id`),
      // The lowest dead dependency of each such task (a correlated MIN, not SQLite's bare column beside MIN(): portable).
      withDeadDeps: db.prepare(`
        SELECT t.id AS id, p.id AS dep, p.status AS dep_status FROM tasks t
        JOIN task_deps d ON d.task_id = t.id JOIN tasks p ON p.id = d.depends_on
        WHERE t.status = 'pending' AND p.id = (SELECT MIN(d2.depends_on) FROM task_deps d2 JOIN tasks p2 ON p2.id = d2.depends_on
          WHERE d2.task_id = t.id AND p2.status IN ('failed', 'cancelled'))
        ORDER BY t.id`),
      unblockable: rows(`
        SELECT ${T} FROM tasks t
        WHERE t.status = 'blocked' AND t.blocked_kind = 'dependency'
          AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks p ON p.id = d.depends_on
                          WHERE d.task_id = t.id AND p.status IN ('failed', 'cancelled'))
        ORDER BY t.id`),
      board: rows(`
        ${LIVE.map((st) => `SELECT ${T} FROM tasks t WHERE ${inState(st)}`).join(' UNION ALL ')}
        UNION ALL
        SELECT ${T} FROM tasks t WHERE ${inState('failed')} AND ${NOT_ARCHIVED}
        UNION ALL
        SELECT ${T} FROM (
          SELECT *, ROW_NUMBER() OVER (PARTITION BY project, status ORDER BY finished_at DESC, id DESC) AS rn
          FROM tasks t WHERE status IN ('done', 'cancelled') AND ${NOT_ARCHIVED}) t
        WHERE t.rn <= ?`),
      finishedTotals: db.prepare(
        `SELECT project, status, COUNT(*) AS n FROM tasks t WHERE status IN ('done', 'cancelled') AND ${NOT_ARCHIVED} GROUP BY project, status`,
      ),
      many: rows(`SELECT ${T} FROM tasks t WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id`),
      openDepsOfPending: db.prepare(`
        SELECT d.task_id AS task_id, d.depends_on AS dep FROM tasks t
        JOIN task_deps d ON d.task_id = t.id JOIN tasks p ON p.id = d.depends_on
        WHERE t.status = 'pending' AND p.status <> 'done' ORDER BY d.task_id, d.depends_on`),
    };
    // Postgres: the claim's read (the task, the agent's pause, whether file leases exist), the run's insert and the task's claim in one statement (sent with BEGIN, the lock and the
    // COMMIT: one round trip). A task is picked (and locked) only when the agent is not paused and no running task holds
    // paths (else nothing is written and the caller goes the long way), so a claim that takes nothing leaves the
    // transaction without an id, and its commit announces nothing (notify.ts). One row always: the task (NULLs when
    // none), the pause, the leases, the new run's id, how many tasks the claim changed, and a guard that aborts the
    // transaction when a run was opened but its task not claimed (the INSERT would otherwise be committed with it).
    this.claimOpenStmt = !pg ? undefined : rows(`WITH f AS (SELECT
          (SELECT a.paused_until FROM agents a WHERE a.name = @agent) AS paused_until_,
          EXISTS (SELECT 1 FROM tasks l WHERE l.has_paths = 1 AND l.status = 'running') AS leases_),
        c AS (${claimSql(pg, "AND t.requires_json = '[]' AND (SELECT COALESCE(f.paused_until_, 0) <= @now AND NOT f.leases_ FROM f)")}),
        r AS (INSERT INTO runs (${OPENED_RUN.join(', ')}, status, prev_run_id, claim_after_event, ready_at)
          SELECT t.id, CAST(@run_agent AS text), CAST(@lease_ms AS bigint), CAST(@lease_expires_at AS bigint), CAST(@now AS bigint),
            CAST(@now AS bigint), CAST(@host AS text), CAST(@pid AS bigint), CAST(@pgid AS bigint), CAST(@proc_start AS text),
            CAST(@claimed_by AS text), 'running', t.last_run_id, t.last_event_id,
            CASE WHEN t.ready_at IS NULL THEN NULL ELSE GREATEST(t.ready_at, t.run_after) END
          FROM c JOIN tasks t ON t.id = c.id
          WHERE CAST(@paths_ok AS integer) = 1 OR t.has_paths = 0
          RETURNING id, task_id),
        u AS (UPDATE tasks t SET status = 'running', current_run_id = r.id, last_run_id = r.id, updated_at = @now
          FROM r WHERE t.id = r.task_id AND t.status = 'ready' RETURNING t.id)
        SELECT c.*, f.paused_until_, f.leases_, (SELECT id FROM r), (SELECT COUNT(*) FROM u),
          CAST(CASE WHEN (SELECT COUNT(*) FROM u) = (SELECT COUNT(*) FROM r) THEN '1'
            ELSE 'steward-guard: rows changed ' || (SELECT COUNT(*) FROM u) END AS integer)
        FROM f LEFT JOIN c ON true`);
    // SQLite: the common claim as ONE statement, autocommitted (no BEGIN, read, second write, COMMIT): the run is inserted
    // from the first claimable task, and the runs_claim trigger (migration 15) marks that task running on it. A task is
    // taken only when the agent is not paused and no running task holds path globs (else nothing is written and the
    // caller decides the long way). RETURNING gives the new run's id and the task as it was picked (ready: the caller
    // sets what the claim changed), all TASK_COLUMNS as one JSON array: one value for JavaScript to receive instead of
    // 33 (better-sqlite3 on Node 20 builds each value through v8::Object::Set, ~1.1k instructions).
    // Positional parameters (claimAlone passes them in this order): better-sqlite3 binds a named one by looking it up
    // on the object passed, a property read per parameter.
    this.claimAloneStmt = pg ? undefined : rows(`INSERT INTO runs (${OPENED_RUN.join(', ')}, status, prev_run_id, claim_after_event, ready_at)
        SELECT t.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running',
          t.last_run_id, t.last_event_id, CASE WHEN t.ready_at IS NULL THEN NULL ELSE MAX(t.ready_at, t.run_after) END
        FROM tasks t
        WHERE ${dueAndReady('?')} AND (t.agent = 'any' OR t.agent = ?) AND t.requires_json = '[]'
          AND COALESCE((SELECT a.paused_until FROM agents a WHERE a.name = ?), 0) <= ?
          AND NOT EXISTS (SELECT 1 FROM tasks l INDEXED BY tasks_with_paths WHERE l.has_paths = 1 AND l.status = 'running')
        ${CLAIM_ORDER}
        LIMIT 1
        RETURNING id, (SELECT json_array(${selectList(TASK_COLUMNS, 'x')}) FROM tasks x WHERE x.id = task_id)`);
  }

  insert(record: Partial<Task>): number {
    const readyAt = record.status === 'ready' ? { ready_at: record.created_at } : {};
    return this.writer.insert({ ...record, ...readyAt });
  }

  /**
   * Updates fields of task `id` if it is still in `expected` state; returns rows changed (0 or 1).
   * A move to `ready` also stamps `ready_at` (when it became claimable; runs copy it for the claim wait).
   */
  update(id: number, patch: TaskPatch, expected?: TaskState): number {
    const readyAt = patch.status === 'ready' ? { ready_at: patch.updated_at } : {};
    return this.writer.update(id, { ...patch, ...readyAt }, expected ? { status: expected } : {});
  }

  /** ready → running with `runId` as its current run and the head of its run chain; returns rows changed. */
  markRunning(id: number, runId: number, now: number): number {
    return this.s.markRunning.run(runId, runId, now, id).changes;
  }

  /**
   * running → done or review with the run's summary as result (`eventId`: the new head of the event chain, if any);
   * returns rows changed. `last`: the transaction's last statement, sent with its COMMIT on Postgres (runThenCommit:
   * unless it changes the task the server rolls the whole transaction back, and it returns 0).
   */
  markCompleted(id: number, to: 'done' | 'review', result: string, finishedAt: number | null, eventId: number | null, now: number, last = false): number {
    const stmt = this.s.markCompleted!;
    if (last && stmt.runThenCommit) return stmt.runThenCommit(to, result, finishedAt, eventId, now, id).changes;
    return stmt.run(to, result, finishedAt, eventId, now, id).changes;
  }

  /**
   * When the first ready task assigned to one of `agents` (name 'any' too, if it counts) comes due after `now` —
   * the moment it becomes claimable by time alone, nothing committed — or null when none waits. Read by a parked
   * remote claim (src/remote/claim-wait.ts) to wake then.
   */
  nextDue(agents: readonly string[], now: number): number | null {
    const at = this.s.nextDue!.get(now, JSON.stringify(agents)) as number | string | null | undefined;
    return at === null || at === undefined ? null : Number(at);
  }

  /** The current run of task `id` if it is in state `status`, else null. */
  currentRun(id: number, status: TaskState): number | null {
    return (this.s.currentRun.get(id, status) as number | null | undefined) ?? null;
  }

  get(id: number): Task | undefined {
    const row = this.s.get.get(id) as Raw | undefined;
    return row ? taskFromArray(row) : undefined;
  }

  byKey(key: string): Task | undefined {
    const row = this.s.byKey.get(key) as Raw | undefined;
    return row ? taskFromArray(row) : undefined;
  }

  deps(id: number): number[] {
    return (this.s.deps.all(id) as Row[]).map((r) => r.depends_on as number);
  }

  dependents(id: number): number[] {
    return (this.s.dependents.all(id) as Row[]).map((r) => r.task_id as number);
  }

  /** Replaces the dependencies of `id`. */
  setDeps(id: number, after: number[]): void {
    this.s.clearDeps.run(id);
    for (const dep of after) this.s.addDep.run(id, dep);
  }

  /** True when `target` is `from` or one of its transitive dependencies. */
  reaches(from: number[], target: number): boolean {
    return from.includes(target) || this.s.reaches.get(JSON.stringify(from), target) !== undefined;
  }

  /** Whether claimOpen exists (Postgres). */
  get claimsInOne(): boolean {
    return this.claimOpenStmt !== undefined;
  }

  /**
   * Postgres only (claimsInOne): the first claimable task, opened (run inserted, task claimed) when it may be: the agent
   * not paused, no file leases (then `task` is null: the caller decides on `pausedUntil` and `leases`). `changed`:
   * tasks the claim updated (1, else the caller throws CONFLICT). `last`: the claim is its transaction's last
   * statement, sent with the COMMIT (getThenCommit: one round trip); a run opened without its task claimed aborts
   * that transaction (CONFLICT), so nothing of it is kept. `pathsOk` false (a narrow claim, docs/SCALING.md): a task
   * with paths is not opened here either (`task` set, `runId` null: the caller takes the long way).
   */
  claimOpen(agent: string, now: number, run: OpenedRun, pathsOk = true, last = false): { task: Task | null; pausedUntil: number; leases: boolean; runId: number | null; changed: number } {
    const stmt = this.claimOpenStmt!;
    const params = {
      now,
      agent,
      run_agent: run.agent,
      lease_ms: run.lease_ms,
      lease_expires_at: run.lease_expires_at,
      host: run.host,
      pid: run.pid,
      pgid: run.pgid,
      proc_start: run.proc_start,
      claimed_by: run.claimed_by,
      paths_ok: pathsOk ? 1 : 0,
    };
    const row = (last && stmt.getThenCommit ? stmt.getThenCommit(params) : stmt.get(params)) as Raw;
    const n = TASK_COLUMNS.length;
    // The statement answers as a SELECT: tell the connection it wrote (the commit notifies listeners).
    if (row[n + 2] !== null) this.db.noteWrite?.();
    return {
      task: row[0] === null ? null : taskFromArray(row),
      ...pauseAndLeases(row),
      runId: (row[n + 2] as number | null) ?? null,
      changed: Number(row[n + 3] ?? 0),
    };
  }

  /** Whether claimAlone exists (SQLite). */
  get claimsAlone(): boolean {
    return this.claimAloneStmt !== undefined;
  }

  /**
   * SQLite only (claimsAlone): the common claim (no types, capabilities or limits) as one autocommitted statement — the
   * first claimable task, its run opened and the task marked running on it (trigger runs_claim) — when the agent is
   * not paused and no running task holds path globs. Returns the task as it is now and the run's id, or undefined when
   * nothing was written (nothing claimable, paused, or a file lease to work out: the caller takes the long way).
   */
  claimAlone(agent: string, now: number, run: OpenedRun): { task: Task; runId: number } | undefined {
    // all(), not get(): the statement must be stepped to its end. With get() better-sqlite3 resets it after the first
    // row; the autocommit then happens in the reset, where SQLite runs no WAL hook, so the WAL is never checkpointed
    // and grows without bound (measured: 18,516 frames after a 3,000-task drain, against ≤ 1,002 with all()).
    const row = (this.claimAloneStmt!.all(run.agent, run.lease_ms, run.lease_expires_at, now, now, run.host, run.pid, run.pgid, run.proc_start,
      run.claimed_by, now, agent, agent, now) as Raw[])[0];
    if (!row) return undefined;
    const runId = row[0] as number;
    // The task as the statement picked it (RETURNING sees it before the trigger): what the claim changed set here.
    const t = JSON.parse(row[1] as string) as Raw;
    t[CLAIM_STATUS] = 'running';
    t[CLAIM_CURRENT_RUN] = runId;
    t[CLAIM_UPDATED_AT] = now;
    return { task: taskFromArray(t), runId };
  }

  findClaimable(q: ClaimQuery): Task | undefined {
    if (q.types === null && q.capabilities.length === 0 && !q.excludeProjects?.length && !q.skipTasks?.length && !q.alsoAgents?.length) {
      const row = this.s.claimableAny.get({ now: q.now, agent: q.agent }) as Raw | undefined;
      return row ? taskFromArray(row) : undefined;
    }
    const row = this.s.claimable.get({
      now: q.now,
      agent: q.agent,
      types: q.types === null ? null : JSON.stringify(q.types),
      caps: JSON.stringify(q.capabilities),
      excluded: q.excludeProjects?.length ? JSON.stringify(q.excludeProjects) : null,
      skip: q.skipTasks?.length ? JSON.stringify(q.skipTasks) : null,
      also: q.alsoAgents?.length ? JSON.stringify(q.alsoAgents) : null,
    }) as Raw | undefined;
    return row ? taskFromArray(row) : undefined;
  }

  page(q: TaskPageQuery): Task[] {
    const rows = this.s.page.all({
      statuses: q.statuses?.length ? JSON.stringify(q.statuses) : null,
      project: q.project ?? null,
      type: q.type ?? null,
      agent: q.agent ?? null,
      p: q.afterPriority,
      id: q.afterId,
      limit: q.limit,
      archived: q.archived ? 1 : 0,
    }) as Raw[];
    return rows.map(taskFromArray);
  }

  /** Number of tasks in each state (states with none are absent). */
  counts(): Partial<Record<TaskState, number>> {
    const out: Partial<Record<TaskState, number>> = {};
    for (const r of this.s.counts.all() as Row[]) out[r.status as TaskState] = r.n as number;
    return out;
  }

  /** Pending tasks whose dependencies are all done and whose run_after has passed. */
  promotable(now: number): Task[] {
    return (this.s.promotable.all(now) as Raw[]).map(taskFromArray);
  }

  /** Pending tasks with a failed or cancelled dependency (the lowest such dependency id). */
  withDeadDeps(): Array<{ id: number; dep: number; dep_status: string }> {
    return this.s.withDeadDeps.all() as Array<{ id: number; dep: number; dep_status: string }>;
  }

  /** Tasks blocked by a dependency that is no longer failed or cancelled. */
  unblockable(): Task[] {
    return (this.s.unblockable.all() as Raw[]).map(taskFromArray);
  }



  /** What TASKS.md shows: every task not done or cancelled, and the `recent` latest done/cancelled per project. */
  forBoard(recent: number): Task[] {
    return (this.s.board.all(recent) as Raw[]).map(taskFromArray);
  }

  /** How many done and cancelled tasks each project has. */
  finishedTotals(): Array<{ project: string; status: TaskState; n: number }> {
    return this.s.finishedTotals.all() as Array<{ project: string; status: TaskState; n: number }>;
  }

  /** The tasks with these ids (missing ids are skipped). */
  many(ids: number[]): Task[] {
    return ids.length ? (this.s.many.all(JSON.stringify(ids)) as Raw[]).map(taskFromArray) : [];
  }

  /** For each pending task, its dependencies that are not done yet. */
  openDepsOfPending(): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const r of this.s.openDepsOfPending.all() as Array<{ task_id: number; dep: number }>) {
      const list = out.get(r.task_id) ?? [];
      list.push(r.dep);
      out.set(r.task_id, list);
    }
    return out;
  }

}
