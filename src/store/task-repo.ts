// SQL for tasks and their dependencies.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { TaskState } from '../core/states.js';
import type { Task } from '../core/types.js';
import { PACKED_TASK_COLUMNS, packedList, RARE_TASK_COLUMNS, selectList, TASK_COLUMNS, taskFromArray, taskFromPacked } from './rows.js';
import { inState } from './state-index.js';
import { TableWriter } from './statements.js';

type Row = Record<string, unknown>;
type Raw = unknown[];
/** Live states (each in a partial index, see state-index.ts); queries name them one by one so the index is used. */
const LIVE = ['pending', 'ready', 'running', 'blocked', 'review'] as const;
const T = selectList(TASK_COLUMNS, 't');
/** The claim's task on SQLite: the packed layout (rows.ts, PACKED_TASK_COLUMNS), 21 values where TASK_COLUMNS are 33. */
const T_PACKED = packedList(PACKED_TASK_COLUMNS, RARE_TASK_COLUMNS, 't');
const NOT_ARCHIVED = 'NOT EXISTS (SELECT 1 FROM archived_tasks a WHERE a.task_id = t.id)';

/**
 * The claim: the first ready task an agent may run, in claim order, narrowed by `filters`. On Postgres the row is
 * locked and rows other transactions hold are passed over (`FOR UPDATE … SKIP LOCKED`, as pg-boss and graphile-worker
 * claim); the queue's write lock already serialises claims, so this is the second fence, not the first.
 */
function claimSql(pg: boolean, filters: string, agents = "(t.agent = 'any' OR t.agent = @agent)", extra = '', columns = T): string {
  return `SELECT ${columns}${extra} FROM tasks t
    WHERE ${inState('ready')} AND t.run_after <= @now AND ${agents} ${filters}
    ORDER BY t.priority, t.created_at, t.id
    LIMIT 1${pg ? ' FOR UPDATE OF t SKIP LOCKED' : ''}`;
}

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

/** A claimFirst/claimOpen row: the task (TASK_COLUMNS), then until when the agent is paused and whether file leases exist. */
function claimFacts(row: Raw): { task: Task; pausedUntil: number; leases: boolean } {
  return { task: taskFromArray(row), ...pauseAndLeases(row) };
}

/** The two columns after the task in a claimFirst/claimOpen row. */
function pauseAndLeases(row: Raw): { pausedUntil: number; leases: boolean } {
  const n = TASK_COLUMNS.length;
  return { pausedUntil: (row[n] as number | null) ?? 0, leases: row[n + 1] === 1 || row[n + 1] === true };
}

/** Reads and writes the tasks and task_deps tables. */
export class TaskRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, SqlStatement>;
  /** Postgres only: the claim in one statement (see claimOpen). */
  private readonly claimOpenStmt: SqlStatement | undefined;

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
      // claimableAny plus what a claim checks first, in the same statement: until when the agent is paused, and whether
      // any running task holds path globs (then the file lease must be worked out and the claim is made again).
      // On SQLite the task comes in the packed layout (claimFirst decodes it; Postgres claims through claimOpen).
      claimFirst: rows(claimSql(pg, "AND t.requires_json = '[]'", undefined, `,
        (SELECT a.paused_until FROM agents a WHERE a.name = @agent),
        EXISTS (SELECT 1 FROM tasks l ${pg ? '' : 'INDEXED BY tasks_with_paths'} WHERE l.has_paths = 1 AND l.status = 'running')`, pg ? T : T_PACKED)),
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
    // Postgres: claimFirst, the run's insert and the task's claim in one statement (sent with BEGIN, the lock and the
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

  /**
   * The common claim in one statement (no types, capabilities or limits): the first claimable task, with until when
   * `agent` is paused (0 when not) and whether some running task holds path globs. Undefined when no task is claimable.
   */
  claimFirst(agent: string, now: number): { task: Task; pausedUntil: number; leases: boolean } | undefined {
    const row = this.s.claimFirst.get({ now, agent }) as Raw | undefined;
    if (!row || this.db.dialect === 'postgres') return row ? claimFacts(row) : undefined;
    const n = PACKED_TASK_COLUMNS.length + 1;
    return { task: taskFromPacked(row), pausedUntil: (row[n] as number | null) ?? 0, leases: row[n + 1] === 1 };
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
