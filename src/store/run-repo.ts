// SQL for runs (attempts) and their leases.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { CompletedRun, CompletedTask, Run, Task } from '../core/types.js';
import {
  COMPLETING_TASK_COLUMNS, completingTaskFromArray, jsonColumn, LIVE_RUN_COLUMNS, liveRunFromArray, liveRunFromPacked, PACKED_RUN_COLUMNS,
  PACKED_TASK_COLUMNS, packedList, RARE_RUN_COLUMNS, RARE_TASK_COLUMNS, RUN_COLUMNS, runFromArray, selectList, TASK_COLUMNS, taskFromArray,
  taskFromPacked,
} from './rows.js';
import { RunStartSearch } from './run-start.js';
import { inState, LIVE_INDEX_WHERE } from './state-index.js';
import { TableWriter } from './statements.js';

type Raw = unknown[];
const R = selectList(RUN_COLUMNS, 'r');
/** What a claim knows about a new run; every other column starts empty. */
export type NewRun = Pick<Run, 'task_id' | 'agent' | 'lease_ms' | 'lease_expires_at' | 'heartbeat_at' | 'started_at'> &
  Partial<Pick<Run, 'host' | 'pid' | 'pgid' | 'proc_start' | 'claimed_by'>>;
/** What finishing a run by its worker writes. */
export type RunFinish = Pick<Run, 'outcome' | 'failure_kind' | 'finished_at' | 'summary' | 'error' | 'artifacts' | 'evidence' |
  'cost_usd' | 'tokens_in' | 'tokens_out' | 'session_id' | 'exit_code'> & Partial<Pick<Run, 'finished_by'>> & { turns?: number | null };
const OPENED = ['task_id', 'agent', 'lease_ms', 'lease_expires_at', 'heartbeat_at', 'started_at', 'host', 'pid', 'pgid', 'proc_start', 'claimed_by'] as const;

/** A run and its task (undefined only if the database lost it). */
export interface RunWithTask {
  run: Run;
  task: Task | undefined;
}

/** What a completion decides on besides the run and its task (RunRepo.forCompletion). */
export interface CompletionFacts {
  /** The run's agent profile is flagged as misconfigured (agents.config_error). */
  agentFlagged: boolean;
  /** The task's branch state, or null when it has no branch. */
  branchState: string | null;
  /** Some task depends on this one. */
  hasDependents: boolean;
  /** The task's newest event: where the completion sits in its timeline (what finish writes as finish_after_event). */
  lastEventId: number | null;
}

/** Reads and writes the runs table. */
export class RunRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, SqlStatement>;
  /** The run's finish: on Postgres deferred to the next statement (runLater), on SQLite run at once. */
  private readonly finishRun: (...params: unknown[]) => unknown;
  /** Postgres only: the common completion in one statement (see completeOpen). */
  private readonly completeOpenStmt: SqlStatement | undefined;
  /** SQLite only: the common completion in one autocommitted statement (see completeAlone). */
  private readonly completeAloneStmt: SqlStatement | undefined;
  #starts?: RunStartSearch;

  /** SQLite: the hot reads use the packed row layouts (rows.ts); Postgres reads the columns as they are. */
  private readonly packed: boolean;

  constructor(private readonly db: SqlDatabase) {
    this.packed = db.dialect !== 'postgres';
    this.writer = new TableWriter(db, 'runs');
    // Statements that return whole runs are raw (arrays in RUN_COLUMNS order).
    const rows = (sql: string) => db.prepare(sql).raw(true);
    this.s = {
      get: rows(`SELECT ${R} FROM runs r WHERE r.id = ?`),
      // Walks the task's run chain (newest first) while the runs were rate limited.
      rateLimitStreak: db.prepare(`WITH RECURSIVE chain(id) AS (
          SELECT r.id FROM tasks t JOIN runs r ON r.id = t.last_run_id WHERE t.id = ? AND r.failure_kind = 'rate_limit'
          UNION ALL SELECT p.id FROM chain JOIN runs r ON r.id = chain.id JOIN runs p ON p.id = r.prev_run_id
          WHERE p.failure_kind = 'rate_limit')
        SELECT COUNT(*) AS n FROM chain`),
      withTask: rows(`SELECT ${R}, ${selectList(TASK_COLUMNS, 't')} FROM runs r LEFT JOIN tasks t ON t.id = r.task_id WHERE r.id = ?`),
      // withTask plus the three facts a completion decides on, in one statement instead of four: whether the agent is
      // flagged as misconfigured (a completion clears it), the task's branch state (unmerged: the task waits in
      // review) and whether any task depends on it (then they may be promoted). Without the columns the completion
      // overwrites (rows.ts: LIVE_RUN_COLUMNS, COMPLETING_TASK_COLUMNS): 48 values where all of both were 68.
      // On SQLite the run and the task come in the packed layouts (rows.ts: the usually-empty columns as one value each):
      // 36 values instead of 50.
      forCompletion: rows(`SELECT ${this.packed ? `${packedList(PACKED_RUN_COLUMNS, RARE_RUN_COLUMNS, 'r')}, ${packedList(PACKED_TASK_COLUMNS, RARE_TASK_COLUMNS, 't')}`
        : `${selectList(LIVE_RUN_COLUMNS, 'r')}, ${selectList(COMPLETING_TASK_COLUMNS, 't')}`},
          (SELECT a.config_error IS NOT NULL FROM agents a WHERE a.name = r.agent),
          (SELECT b.state FROM task_branches b WHERE b.task_id = r.task_id),
          EXISTS (SELECT 1 FROM task_deps d WHERE d.depends_on = r.task_id), t.last_event_id
        FROM runs r LEFT JOIN tasks t ON t.id = r.task_id WHERE r.id = ?`),
      // The run row is the audit record of the completion: who finished it, and the task's newest event by then.
      finish: db.prepare(`UPDATE runs SET status = 'finished', outcome = ?, failure_kind = ?, finished_at = ?, summary = ?,
        error = ?, artifacts_json = ?, evidence_json = ?, cost_usd = ?, tokens_in = ?, tokens_out = ?, session_id = ?,
        exit_code = ?, turns = ?, finished_by = ?, finish_after_event = (SELECT last_event_id FROM tasks WHERE id = runs.task_id)
        WHERE id = ? AND status = 'running'`),
      extend: db.prepare(
        "UPDATE runs SET heartbeat_at = ?, lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_expires_at > ?",
      ),
      // Live runs are found through their running tasks (indexed by status), so runs need no index of their own.
      expired: rows(`SELECT ${R} FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE ${inState('running')} AND r.status = 'running' AND r.lease_expires_at <= ? ORDER BY r.id`),
      running: rows(`SELECT ${R} FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE ${inState('running')} AND r.status = 'running' ORDER BY r.id`),
      // The new run becomes the head of its task's run chain and copies when the task became claimable, and (the
      // audit record of the claim) the task's newest event: where the claim sits in the task's timeline.
      insert: db.prepare(`INSERT INTO runs (${OPENED.join(', ')}, status, prev_run_id, claim_after_event, ready_at)
        SELECT ${OPENED.map(() => '?').join(', ')}, 'running', t.last_run_id, t.last_event_id,
          CASE WHEN t.ready_at IS NULL THEN NULL ELSE MAX(t.ready_at, t.run_after) END
        FROM tasks t WHERE t.id = ?`),
      // A task's runs are a chain from tasks.last_run_id through runs.prev_run_id (no index to write on every claim).
      forTask: rows(`WITH RECURSIVE chain(id, n) AS (
          SELECT last_run_id, 1 FROM tasks WHERE id = ?
          UNION ALL SELECT r.prev_run_id, chain.n + 1 FROM chain JOIN runs r ON r.id = chain.id
          WHERE chain.n < ? AND r.prev_run_id IS NOT NULL)
        SELECT ${R} FROM chain JOIN runs r ON r.id = chain.id ORDER BY r.id DESC`),
      runningCounts: db.prepare(`
        SELECT r.agent AS agent, t.project AS project, COUNT(*) AS n
        FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE ${inState('running')} AND r.status = 'running' GROUP BY r.agent, t.project`),
      byOutcome: db.prepare(`SELECT outcome, failure_kind AS kind, COUNT(*) AS n FROM runs
        WHERE status = 'finished' AND finished_at >= ? GROUP BY outcome, failure_kind ORDER BY outcome, failure_kind`),
      totals: db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(tokens_in), 0) AS tin,
        COALESCE(SUM(tokens_out), 0) AS tout FROM runs`),
      mark: db.prepare(`SELECT (SELECT COALESCE(MAX(id), 0) FROM events) || ':' || (SELECT COALESCE(MAX(id), 0) FROM runs) || ':' ||
        (SELECT COUNT(*) FROM tasks t WHERE t.${LIVE_INDEX_WHERE})`).pluck(),
      claimWait: db.prepare(`SELECT COALESCE(SUM(started_at - ready_at), 0) AS sum, COUNT(*) AS n FROM runs
        WHERE id >= ? AND started_at >= ? AND ready_at IS NOT NULL`),
    };
    const finish = this.s.finish!;
    this.finishRun = finish.runLater ? finish.runLater.bind(finish) : finish.run.bind(finish);
    // Postgres: the common completion — a live run (its task's current one, still running, lease not ended when
    // judged: leaseJudgedAt in SQL), its task going to done with nothing else to do (no review, no follow-ups, no
    // dependents, no flagged profile, no unmerged branch) — checked, the run finished and the task done in one
    // statement, sent with BEGIN, the locks and the COMMIT. No row: nothing was written (the caller takes the long
    // way, which decides the same and keeps late results). A guard aborts the transaction if the run were finished
    // but its task not moved on. Both UPDATEs find their row by primary key (a join with `l` planned a scan of runs).
    const judged = `CASE WHEN CAST(@decided AS bigint) IS NOT NULL AND CAST(@decided AS bigint) >= r.started_at
      AND CAST(@decided AS bigint) <= CAST(@now AS bigint) THEN CAST(@decided AS bigint) ELSE CAST(@now AS bigint) END`;
    this.completeOpenStmt = db.dialect !== 'postgres' ? undefined : rows(`WITH l AS (
          SELECT r.id, r.task_id FROM runs r JOIN tasks t ON t.id = r.task_id
          WHERE r.id = @run AND r.status = 'running' AND t.status = 'running' AND t.current_run_id = r.id
            AND r.lease_expires_at > ${judged}
            AND t.review = 0 AND t.then_json = '[]'
            AND NOT EXISTS (SELECT 1 FROM task_deps d WHERE d.depends_on = r.task_id)
            AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.name = r.agent AND a.config_error IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM task_branches b WHERE b.task_id = r.task_id AND b.state <> 'merged')),
        f AS (UPDATE runs SET status = 'finished', outcome = 'completed', failure_kind = NULL, finished_at = CAST(@now AS bigint),
            summary = CAST(@summary AS text), error = NULL, artifacts_json = CAST(@artifacts AS text), evidence_json = CAST(@evidence AS text),
            cost_usd = CAST(@cost_usd AS double precision), tokens_in = CAST(@tokens_in AS bigint), tokens_out = CAST(@tokens_out AS bigint),
            session_id = CAST(@session_id AS text), exit_code = CAST(@exit_code AS bigint), turns = CAST(@turns AS bigint),
            finished_by = CAST(@by AS text), finish_after_event = (SELECT last_event_id FROM tasks WHERE id = runs.task_id)
          WHERE runs.id = CAST(@run AS bigint) AND runs.status = 'running' AND EXISTS (SELECT 1 FROM l)
          RETURNING runs.id, runs.task_id, runs.finish_after_event),
        u AS (UPDATE tasks t SET status = 'done', result = CAST(@summary AS text), error = NULL, current_run_id = NULL,
            finished_at = CAST(@now AS bigint), updated_at = CAST(@now AS bigint)
          WHERE t.id = (SELECT l.task_id FROM l) AND t.status = 'running' AND t.current_run_id = CAST(@run AS bigint)
          RETURNING t.id, t.title, t.priority, t.attempts)
        SELECT u.id, u.title, u.priority, u.attempts, f.id, f.task_id, f.finish_after_event, CAST(CASE WHEN (SELECT COUNT(*) FROM u) = (SELECT COUNT(*) FROM f) THEN '1'
            ELSE 'steward-guard: rows changed ' || (SELECT COUNT(*) FROM u) END AS integer)
        FROM f FULL JOIN u ON true`);
    // SQLite: the same common completion as ONE autocommitted statement: the run finished when its WHERE finds it live
    // (its task's current run, both running, the lease not ended when judged) and the common case; the
    // runs_complete_one trigger (migration 15; chosen by claim_after_event in the SET list, set to itself) moves the
    // task to done and aborts the statement unless exactly that task changed. RETURNING: what a completion answers
    // (CompletedTask, CompletedRun): the task's id, its name, priority and attempts (one JSON array: one subquery, not
    // three), the run's finish_after_event. Not the whole task and run: they cost ~7 % of a claim+complete cycle to hand
    // back (docs/BENCHMARKS.md, session 9), and no caller needs them.
    // Positional parameters (completeAlone passes them in this order; the lease judged by leaseJudgedAt's rule with the
    // decision time four times and now twice): better-sqlite3 binds a named one by a property read on the object passed.
    const judgedLite = `CASE WHEN ? IS NOT NULL AND ? >= runs.started_at AND ? <= ? THEN ? ELSE ? END`;
    this.completeAloneStmt = !this.packed ? undefined : rows(`UPDATE runs SET status = 'finished', outcome = 'completed',
          failure_kind = NULL, finished_at = ?, summary = ?, error = NULL, artifacts_json = ?,
          evidence_json = ?, cost_usd = ?, tokens_in = ?, tokens_out = ?,
          session_id = ?, exit_code = ?, turns = ?, finished_by = ?,
          finish_after_event = (SELECT last_event_id FROM tasks WHERE id = runs.task_id), claim_after_event = claim_after_event
        WHERE id = ? AND status = 'running' AND lease_expires_at > ${judgedLite}
          AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = runs.task_id AND t.status = 'running' AND t.current_run_id = runs.id
            AND t.review = 0 AND t.then_json = '[]')
          AND NOT EXISTS (SELECT 1 FROM task_deps d WHERE d.depends_on = runs.task_id)
          AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.name = runs.agent AND a.config_error IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM task_branches b WHERE b.task_id = runs.task_id AND b.state <> 'merged')
        RETURNING task_id, finish_after_event, (SELECT json_array(x.title, x.priority, x.attempts) FROM tasks x WHERE x.id = runs.task_id)`);
  }

  /** Whether completeAlone exists (SQLite). */
  get completesAlone(): boolean {
    return this.completeAloneStmt !== undefined;
  }

  /** SQLite: inserting a running run claims its task when it is ready (trigger runs_claim, migration 15). */
  get insertClaims(): boolean {
    return this.packed;
  }

  /**
   * SQLite only (completesAlone): completes run `id` with `f` in one autocommitted statement when it is the common case
   * (see the statement). Returns what a completion answers (the task now done, the run as finished), or undefined when
   * nothing was written (not live, not found, or more to do: the long way decides, and keeps a late result).
   */
  completeAlone(id: number, f: RunFinish, now: number, decidedAt: number | undefined): { task: CompletedTask; run: CompletedRun } | undefined {
    // all(), not get(): stepped to its end, so SQLite runs the WAL hook (auto-checkpoint) after the commit (TaskRepo.claimAlone).
    const decided = decidedAt ?? null;
    const row = (this.completeAloneStmt!.all(now, f.summary, jsonColumn(f.artifacts), jsonColumn(f.evidence), f.cost_usd, f.tokens_in,
      f.tokens_out, f.session_id, f.exit_code, f.turns ?? null, f.finished_by ?? null, id, decided, decided, decided, now, decided, now) as Raw[])[0];
    if (!row) return undefined;
    const taskId = row[0] as number;
    const named = JSON.parse(row[2] as string) as [string, number, number];
    return {
      task: { id: taskId, title: named[0], status: 'done', priority: named[1], attempts: named[2] },
      run: { id, task_id: taskId, outcome: 'completed', finished_at: now, finish_after_event: (row[1] ?? null) as number | null },
    };
  }

  /** Whether completeOpen exists (Postgres). */
  get completesInOne(): boolean {
    return this.completeOpenStmt !== undefined;
  }

  /**
   * Postgres only (completesInOne): completes run `id` with `f` in one statement when it is the common case (see the
   * statement), as its transaction's last statement (getThenCommit: with the COMMIT). Returns what a completion answers
   * (as completeAlone), or undefined when nothing was written (not live, not found, or more to do: the long way decides).
   * `decidedAt`: when the worker decided the outcome (OpContext.decidedAt), as leaseJudgedAt takes it. `last` false:
   * more follows in the transaction (fetch-next's claim), so the statement goes without the COMMIT.
   */
  completeOpen(id: number, f: RunFinish, now: number, decidedAt: number | undefined, last = true): { task: CompletedTask; run: CompletedRun } | undefined {
    const stmt = this.completeOpenStmt!;
    const params = {
      run: id, now, decided: decidedAt ?? null, summary: f.summary, artifacts: jsonColumn(f.artifacts), evidence: jsonColumn(f.evidence),
      cost_usd: f.cost_usd, tokens_in: f.tokens_in, tokens_out: f.tokens_out, session_id: f.session_id, exit_code: f.exit_code,
      turns: f.turns ?? null, by: f.finished_by ?? null,
    };
    const row = (last && stmt.getThenCommit ? stmt.getThenCommit(params) : stmt.get(params)) as Raw | undefined;
    if (!row) return undefined;
    // The statement answers as a SELECT: tell the connection it wrote (the commit notifies listeners).
    this.db.noteWrite?.();
    const taskId = Number(row[0]);
    return {
      task: { id: taskId, title: row[1] as string, status: 'done', priority: Number(row[2]), attempts: Number(row[3]) },
      run: { id: Number(row[4]), task_id: Number(row[5]), outcome: 'completed', finished_at: now, finish_after_event: row[6] === null ? null : Number(row[6]) },
    };
  }

  /**
   * Opens a running run of an existing task, linked to the task's previous run; returns its id. The caller makes
   * it the chain's head (`last_run_id`) in the same task update that points `current_run_id` at it.
   * The run also records when its task became claimable (`ready_at`, for the claim-wait figure).
   */
  insert(run: NewRun): number {
    const id = Number(this.s.insert.run(run.task_id, run.agent, run.lease_ms, run.lease_expires_at, run.heartbeat_at, run.started_at,
      run.host ?? null, run.pid ?? null, run.pgid ?? null, run.proc_start ?? null, run.claimed_by ?? null, run.task_id).lastInsertRowid);
    return id;
  }

  /** Updates fields of run `id` if it is still `running` (when guarded); returns rows changed. */
  update(id: number, patch: Partial<Run>, onlyIfRunning = false): number {
    return this.writer.update(id, patch as Record<string, unknown>, onlyIfRunning ? { status: 'running' } : {});
  }

  /**
   * Finishes a running run with what its worker reported (complete or fail). The caller has just read the run live
   * inside its transaction, so nobody reads the count: on Postgres the UPDATE goes with the next statement (runLater).
   */
  finish(id: number, f: RunFinish): void {
    this.finishRun(f.outcome, f.failure_kind, f.finished_at, f.summary, f.error, jsonColumn(f.artifacts), jsonColumn(f.evidence),
      f.cost_usd, f.tokens_in, f.tokens_out, f.session_id, f.exit_code, f.turns ?? null, f.finished_by ?? null, id);
  }

  /**
   * Updates fields of run `id` only while it is running with no process recorded (a hand-off no babysitter took yet:
   * claimRunProcess sets the pid); returns rows changed.
   */
  updateIfNoProcess(id: number, patch: Partial<Run>): number {
    return this.writer.update(id, patch as Record<string, unknown>, { status: 'running', pid: null });
  }

  /** Sets the process group of a running run only if none is recorded yet; returns rows changed. */
  setPgidIfUnset(id: number, pgid: number): number {
    return this.writer.update(id, { pgid }, { status: 'running', pgid: null });
  }

  /** A run and its task in one read (the task is undefined only if the database lost it). */
  withTask(id: number): RunWithTask | undefined {
    const row = this.s.withTask.get(id) as Raw | undefined;
    if (!row) return undefined;
    const taskPart = row.slice(RUN_COLUMNS.length);
    return { run: runFromArray(row), task: taskPart[0] === null ? undefined : taskFromArray(taskPart) };
  }

  /**
   * withTask, and what completing the run depends on besides (see the statement), without what a completion
   * overwrites: the run's finish fields come back null, and on Postgres the task's result, error, finished_at and
   * updated_at too (SQLite reads them inside the task's packed value, at no extra cost).
   */
  forCompletion(id: number): (RunWithTask & CompletionFacts) | undefined {
    const row = this.s.forCompletion.get(id) as Raw | undefined;
    if (!row) return undefined;
    let end: number;
    let run: Run;
    let task: Task | undefined;
    if (this.packed) {
      const at = PACKED_RUN_COLUMNS.length + 1;
      end = at + PACKED_TASK_COLUMNS.length + 1;
      run = liveRunFromPacked(row);
      task = row[at] === null ? undefined : taskFromPacked(row, at);
    } else {
      end = LIVE_RUN_COLUMNS.length + COMPLETING_TASK_COLUMNS.length;
      const taskPart = row.slice(LIVE_RUN_COLUMNS.length, end);
      run = liveRunFromArray(row);
      task = taskPart[0] === null ? undefined : completingTaskFromArray(taskPart);
    }
    return {
      run,
      task,
      agentFlagged: row[end] === 1 || row[end] === true, // Postgres answers booleans as booleans
      branchState: (row[end + 1] ?? null) as string | null,
      hasDependents: row[end + 2] === 1 || row[end + 2] === true,
      lastEventId: (row[end + 3] ?? null) as number | null,
    };
  }

  get(id: number): Run | undefined {
    const row = this.s.get.get(id) as Raw | undefined;
    return row ? runFromArray(row) : undefined;
  }

  /** Extends a live lease (compare-and-swap on status and expiry); false when it was no longer live. */
  extend(id: number, now: number, expiresAt: number): boolean {
    return this.s.extend.run(now, expiresAt, id, now).changes === 1;
  }

  /** Store.changeMark: `<newest event id>:<newest run id>:<ready and running tasks>`. */
  changeMark(): string {
    return this.s.mark.get() as string;
  }

  /** Running runs whose lease ended at or before `now`. */
  expired(now: number): Run[] {
    return (this.s.expired.all(now) as Raw[]).map(runFromArray);
  }

  /** Every run still marked running (the live run of each running task). */
  running(): Run[] {
    return (this.s.running.all() as Raw[]).map(runFromArray);
  }

  /** The task's finished runs since its last one that was not rate limited: its rate limits in a row. */
  rateLimitStreak(taskId: number): number {
    return (this.s.rateLimitStreak.get(taskId) as { n: number }).n;
  }

  /** The newest runs of a task, newest first. */
  forTask(taskId: number, limit: number): Run[] {
    return (this.s.forTask.all(taskId, limit) as Raw[]).map(runFromArray);
  }

  /** Live runs counted by agent and project (for WIP caps). */
  runningCounts(): Array<{ agent: string; project: string; n: number }> {
    return this.s.runningCounts.all() as Array<{ agent: string; project: string; n: number }>;
  }

  /** Outcome counts of runs finished since `since`, totals of cost and tokens, and how long claimed tasks waited. */
  outcomeStats(since: number): {
    byOutcome: Array<{ outcome: string | null; kind: string | null; n: number }>;
    running: number;
    costTotal: number;
    tokensIn: number;
    tokensOut: number;
    claimWaitMsSum: number;
    claimWaitCount: number;
  } {
    const totals = this.s.totals.get() as { cost: number; tin: number; tout: number };
    const wait = this.s.claimWait.get((this.#starts ??= new RunStartSearch(this.db)).firstId(since), since) as { sum: number; n: number };
    return {
      byOutcome: this.s.byOutcome.all(since) as Array<{ outcome: string | null; kind: string | null; n: number }>,
      running: this.runningCounts().reduce((sum, r) => sum + r.n, 0),
      costTotal: totals.cost,
      tokensIn: totals.tin,
      tokensOut: totals.tout,
      claimWaitMsSum: wait.sum,
      claimWaitCount: wait.n,
    };
  }

}
