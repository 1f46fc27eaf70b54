// SQL for budgets: a task's own run caps, a running run's usage, spend per period and per group, run estimates.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { TaskBudget, Usage } from '../core/budget.js';
import type { SpendRow } from '../core/budget-scope.js';
import { RunStartSearch } from './run-start.js';

type Row = Record<string, unknown>;

/** One run as `stats --cost` reads it. */
export interface CostRun {
  agent: string;
  project: string;
  type: string;
  outcome: string | null;
  cost_usd: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  started_at: number;
  finished_at: number | null;
}

/** Past usage of one agent profile on one task type (newest first): the figures an estimate is the median of. */
export interface PastUsage {
  cost_usd: number | null;
  tokens: number | null;
}

/** Rows an estimate looks at: the newest runs of the profile and type. */
const ESTIMATE_RUNS = 20;
/** Ready tasks skipped per claim because they do not fit a project budget. */
const SKIP_LIMIT = 500;

/** The budget tables and aggregates. */
export class BudgetRepo {
  private readonly s: Record<string, SqlStatement>;
  #starts?: RunStartSearch;

  constructor(private readonly db: SqlDatabase) {
    this.s = {
      get: db.prepare('SELECT budget_json FROM task_budgets WHERE task_id = ?'),
      set: db.prepare(`INSERT INTO task_budgets (task_id, budget_json) VALUES (?, ?)
        ON CONFLICT(task_id) DO UPDATE SET budget_json = excluded.budget_json`),
      drop: db.prepare('DELETE FROM task_budgets WHERE task_id = ?'),
      usage: db.prepare(`UPDATE runs SET cost_usd = ?, tokens_in = ?, tokens_out = ?, turns = ? WHERE id = ? AND status = 'running'`),
      spendSince: db.prepare(`SELECT r.agent AS agent, t.project AS project, COUNT(*) AS runs,
        COALESCE(SUM(r.cost_usd), 0) AS cost_usd, COALESCE(SUM(r.tokens_in), 0) + COALESCE(SUM(r.tokens_out), 0) AS tokens
        FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id >= ? AND r.started_at >= ? GROUP BY r.agent, t.project`),
      past: db.prepare(`SELECT r.cost_usd AS cost_usd,
        CASE WHEN r.tokens_in IS NULL AND r.tokens_out IS NULL THEN NULL ELSE COALESCE(r.tokens_in, 0) + COALESCE(r.tokens_out, 0) END AS tokens
        FROM runs r JOIN tasks t ON t.id = r.task_id
        WHERE r.agent = ? AND t.type = ? AND r.status = 'finished' AND (r.cost_usd IS NOT NULL OR r.tokens_in IS NOT NULL OR r.tokens_out IS NOT NULL)
        ORDER BY r.id DESC LIMIT ${ESTIMATE_RUNS}`),
      costRuns: db.prepare(`SELECT r.agent, t.project, t.type, r.outcome, r.cost_usd, r.tokens_in, r.tokens_out, r.started_at, r.finished_at
        FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id >= ? AND r.started_at >= ? ORDER BY r.started_at, r.id`),
      newestRun: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM runs'),
      hasProject: db.prepare('SELECT 1 AS one FROM tasks WHERE project = ? LIMIT 1'),
      readyIn: db.prepare(`SELECT t.id FROM tasks t WHERE t.status = 'ready' AND t.project = ?
        AND t.type IN (SELECT value FROM json_each(?)) ORDER BY t.priority, t.id LIMIT ${SKIP_LIMIT}`),
    };
  }

  /** The first run id that can have started since `since` (see RunStartSearch). */
  private firstRun(since: number): number {
    return (this.#starts ??= new RunStartSearch(this.db)).firstId(since);
  }

  /** A task's own run caps, or null. */
  forTask(taskId: number): TaskBudget | null {
    const row = this.s.get.get(taskId) as { budget_json: string } | undefined;
    return row ? (JSON.parse(row.budget_json) as TaskBudget) : null;
  }

  /** Sets a task's run caps (an empty object drops them). */
  setForTask(taskId: number, budget: TaskBudget): void {
    if (Object.keys(budget).length === 0) this.s.drop.run(taskId);
    else this.s.set.run(taskId, JSON.stringify(budget));
  }

  /** Writes a running run's usage so far (a period's spend then counts runs still going). */
  recordUsage(runId: number, u: Usage): void {
    this.s.usage.run(u.cost_usd ?? null, u.tokens_in ?? null, u.tokens_out ?? null, u.turns ?? null, runId);
  }

  /** Spend of the runs started at or after `since`, per agent profile and project. */
  spendSince(since: number): SpendRow[] {
    return this.s.spendSince.all(this.firstRun(since), since) as SpendRow[];
  }

  /** The newest finished runs of `agent` on tasks of `type` that reported usage. */
  pastUsage(agent: string, type: string): PastUsage[] {
    return this.s.past.all(agent, type) as PastUsage[];
  }

  /** Every run started at or after `since`, with its task's project and type. */
  costRuns(since: number): CostRun[] {
    return this.s.costRuns.all(this.firstRun(since), since) as CostRun[];
  }

  /** The id of the newest run (0 for none): a spend read at this id is still current when no run was started since. */
  newestRun(): number {
    return (this.s.newestRun.get() as { id: number }).id;
  }

  /** True when some task (not archived) is in `project`. */
  hasProject(project: string): boolean {
    return this.s.hasProject.get(project) !== undefined;
  }

  /** Ready tasks of a project of these types (at most SKIP_LIMIT, claim order). */
  readyIn(project: string, types: string[]): number[] {
    return (this.s.readyIn.all(project, JSON.stringify(types)) as Row[]).map((r) => r.id as number);
  }
}
