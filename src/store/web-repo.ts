// SQL for the web board's reads: paged columns with search, cards' run totals, attention lists, per-agent and per-day figures.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { TaskState } from '../core/states.js';
import type { Run, Task } from '../core/types.js';
import { RUN_COLUMNS, runFromArray, selectList, TASK_COLUMNS, taskFromArray } from './rows.js';
import { RunStartSearch } from './run-start.js';

type Raw = unknown[];
type Row = Record<string, unknown>;
const T = selectList(TASK_COLUMNS, 't');
const R = selectList(RUN_COLUMNS, 'r');
const DAY = 86_400_000;

/** Filters of the board: project, type, agent, and a text searched in title and goal (case-insensitive). */
export interface ColumnFilter {
  project?: string;
  type?: string;
  agent?: string;
  text?: string;
}

const FILTER = `(@project IS NULL OR t.project = @project) AND (@type IS NULL OR t.type = @type)
  AND (@agent IS NULL OR t.agent = @agent)
  AND (@text IS NULL OR instr(lower(t.title), @text) > 0 OR instr(lower(t.goal), @text) > 0)`;

/** Run figures of one task: spend and tokens over all its runs, and when its current run started. */
export interface TaskRunTotals {
  task_id: number;
  runs: number;
  cost_usd: number;
  tokens: number;
}

/** Reads that exist only for the web board (DESIGN: the board reads through the operations layer). */
export class WebRepo {
  private readonly s: Record<string, SqlStatement>;
  #starts?: RunStartSearch;

  constructor(private readonly db: SqlDatabase) {
    const rows = (sql: string) => db.prepare(sql).raw(true);
    this.s = {
      // Live columns in claim order; finished ones newest first.
      liveColumn: rows(`SELECT ${T} FROM tasks t WHERE t.status = @status AND ${FILTER}
        ORDER BY t.priority, t.id LIMIT @limit OFFSET @offset`),
      doneColumn: rows(`SELECT ${T} FROM tasks t WHERE t.status = @status AND ${FILTER}
        ORDER BY t.finished_at DESC, t.id DESC LIMIT @limit OFFSET @offset`),
      counts: db.prepare(`SELECT t.status AS status, COUNT(*) AS n FROM tasks t WHERE ${FILTER} GROUP BY t.status`),
      totals: db.prepare(`SELECT task_id, COUNT(*) AS runs, COALESCE(SUM(cost_usd), 0) AS cost_usd,
        COALESCE(SUM(tokens_in), 0) + COALESCE(SUM(tokens_out), 0) AS tokens
        FROM runs WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id`),
      runsMany: rows(`SELECT ${R} FROM runs r WHERE r.id IN (SELECT value FROM json_each(?))`),
      inState: rows(`SELECT ${T} FROM tasks t WHERE t.status = ? ORDER BY t.updated_at DESC, t.id DESC LIMIT ?`),
      questions: rows(`SELECT ${T} FROM tasks t WHERE t.status = 'blocked' AND t.blocked_kind = 'question'
        ORDER BY t.updated_at DESC LIMIT ?`),
      failedRuns: rows(`SELECT ${R} FROM runs r WHERE r.status = 'finished' AND r.outcome IN ('failed', 'lost')
        AND r.finished_at >= ? ORDER BY r.finished_at DESC LIMIT ?`),
      children: rows(`SELECT ${T} FROM tasks t WHERE t.parent_id = ? ORDER BY t.id LIMIT 100`),
      agentOutcomes: db.prepare(`SELECT agent, COALESCE(outcome, 'running') AS outcome, COUNT(*) AS n,
        COALESCE(SUM(cost_usd), 0) AS cost FROM runs WHERE started_at >= ? OR finished_at >= ? GROUP BY agent, outcome`),
      projects: db.prepare('SELECT DISTINCT project FROM tasks ORDER BY project LIMIT 200'),
      types: db.prepare('SELECT DISTINCT type FROM tasks ORDER BY type LIMIT 200'),
      agents: db.prepare('SELECT DISTINCT agent FROM tasks ORDER BY agent LIMIT 200'),
      doneByDay: db.prepare(`SELECT CAST(finished_at / ${DAY} AS INTEGER) AS day, COUNT(*) AS n FROM tasks
        WHERE status = 'done' AND finished_at >= ? GROUP BY day`),
      runsByDay: db.prepare(`SELECT CAST(COALESCE(finished_at, started_at) / ${DAY} AS INTEGER) AS day,
        COALESCE(SUM(cost_usd), 0) AS cost, COUNT(*) AS runs,
        SUM(CASE WHEN outcome IN ('failed', 'lost') THEN 1 ELSE 0 END) AS failed
        FROM runs WHERE id >= ? AND started_at >= ? GROUP BY day`),
      costBy: db.prepare(`SELECT t.project AS project, t.type AS type, COALESCE(SUM(r.cost_usd), 0) AS cost,
        COALESCE(SUM(r.tokens_in), 0) + COALESCE(SUM(r.tokens_out), 0) AS tokens, COUNT(*) AS runs
        FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id >= ? AND r.started_at >= ? GROUP BY t.project, t.type ORDER BY cost DESC LIMIT 200`),
      spendByProjectDay: db.prepare(`SELECT t.project AS project, CAST(r.started_at / ${DAY} AS INTEGER) AS day, COUNT(*) AS runs,
        COALESCE(SUM(r.cost_usd), 0) AS cost, COALESCE(SUM(r.tokens_in), 0) + COALESCE(SUM(r.tokens_out), 0) AS tokens
        FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id >= ? AND r.started_at >= ? GROUP BY t.project, day ORDER BY day DESC, cost DESC, t.project LIMIT 200`),
      failureKindsSince: db.prepare(`SELECT failure_kind AS kind, COUNT(*) AS n FROM runs
        WHERE failure_kind IS NOT NULL AND finished_at >= ? GROUP BY failure_kind ORDER BY n DESC`),
    };
  }

  private params(status: TaskState, f: ColumnFilter, limit: number, offset: number): Row {
    return {
      status,
      project: f.project ?? null,
      type: f.type ?? null,
      agent: f.agent ?? null,
      text: f.text ? f.text.toLowerCase() : null,
      limit,
      offset,
    };
  }

  /** One page of a board column: live states in claim order, finished ones newest first. */
  column(status: TaskState, f: ColumnFilter, limit: number, offset: number): Task[] {
    const live = status !== 'done' && status !== 'cancelled' && status !== 'failed';
    const stmt = live ? this.s.liveColumn : this.s.doneColumn;
    return (stmt.all(this.params(status, f, limit, offset)) as Raw[]).map(taskFromArray);
  }

  /** Tasks per state under the filter. */
  counts(f: ColumnFilter): Partial<Record<TaskState, number>> {
    const out: Partial<Record<TaskState, number>> = {};
    const p = this.params('pending', f, 0, 0);
    delete p.status;
    delete p.limit;
    delete p.offset;
    for (const r of this.s.counts.all(p) as Row[]) out[r.status as TaskState] = r.n as number;
    return out;
  }

  /** Run count, cost and tokens of each of these tasks (tasks without runs are absent). */
  totals(taskIds: number[]): Map<number, TaskRunTotals> {
    const out = new Map<number, TaskRunTotals>();
    if (!taskIds.length) return out;
    for (const r of this.s.totals.all(JSON.stringify(taskIds)) as TaskRunTotals[]) out.set(r.task_id, r);
    return out;
  }

  /** The runs with these ids. */
  runs(ids: number[]): Map<number, Run> {
    const out = new Map<number, Run>();
    if (!ids.length) return out;
    for (const raw of this.s.runsMany.all(JSON.stringify(ids)) as Raw[]) {
      const run = runFromArray(raw);
      out.set(run.id, run);
    }
    return out;
  }

  /** The latest-changed tasks in a state. */
  inState(status: TaskState, limit: number): Task[] {
    return (this.s.inState.all(status, limit) as Raw[]).map(taskFromArray);
  }

  /** Blocked tasks waiting for an answer, newest first. */
  questions(limit: number): Task[] {
    return (this.s.questions.all(limit) as Raw[]).map(taskFromArray);
  }

  /** Runs that failed or were lost since `since`, newest first. */
  failedRuns(since: number, limit: number): Run[] {
    return (this.s.failedRuns.all(since, limit) as Raw[]).map(runFromArray);
  }

  /** Follow-ups created by task `id`. */
  children(id: number): Task[] {
    return (this.s.children.all(id) as Raw[]).map(taskFromArray);
  }

  /** Runs started or finished since `since`, counted by agent and outcome ('running' for live ones), with their cost. */
  agentOutcomes(since: number): Array<{ agent: string; outcome: string; n: number; cost: number }> {
    return this.s.agentOutcomes.all(since, since) as Array<{ agent: string; outcome: string; n: number; cost: number }>;
  }

  /** The projects, types and agents tasks name (for the board's filters). */
  facets(): { projects: string[]; types: string[]; agents: string[] } {
    const col = (stmt: SqlStatement, key: string) => (stmt.all() as Row[]).map((r) => String(r[key]));
    return { projects: col(this.s.projects, 'project'), types: col(this.s.types, 'type'), agents: col(this.s.agents, 'agent') };
  }

  /** The first run id that can have started since `since` (see RunStartSearch). */
  private firstRun(since: number): number {
    return (this.#starts ??= new RunStartSearch(this.db)).firstId(since);
  }

  /** Tasks done per UTC day since `since` (day = ms / 86,400,000). */
  doneByDay(since: number): Map<number, number> {
    return new Map((this.s.doneByDay.all(since) as Row[]).map((r) => [r.day as number, r.n as number]));
  }

  /** Runs, failures and cost per UTC day since `since`. */
  runsByDay(since: number): Map<number, { cost: number; runs: number; failed: number }> {
    return new Map((this.s.runsByDay.all(this.firstRun(since), since) as Row[]).map((r) => [r.day as number, { cost: r.cost as number, runs: r.runs as number, failed: r.failed as number }]));
  }

  /** Cost, tokens and runs per (project, type) of runs started since `since`, costliest first. */
  costByProjectType(since: number): Array<{ project: string; type: string; cost: number; tokens: number; runs: number }> {
    return this.s.costBy.all(this.firstRun(since), since) as Array<{ project: string; type: string; cost: number; tokens: number; runs: number }>;
  }

  /** Spend of the runs started since `since` per project and UTC day (day = days since the epoch), newest day first. */
  spendByProjectDay(since: number): Array<{ project: string; day: number; runs: number; cost: number; tokens: number }> {
    return this.s.spendByProjectDay.all(this.firstRun(since), since) as Array<{ project: string; day: number; runs: number; cost: number; tokens: number }>;
  }

  /** Failure kinds of runs finished since `since`, commonest first. */
  failureKinds(since: number): Array<{ kind: string; n: number }> {
    return this.s.failureKindsSince.all(since) as Array<{ kind: string; n: number }>;
  }
}
