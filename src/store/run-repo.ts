// SQL for runs (attempts) and their leases.
import type { Database, Statement } from 'better-sqlite3';
import type { Run } from '../core/types.js';
import { RUN_COLUMNS, runFromArray, selectList } from './rows.js';
import { TableWriter } from './statements.js';

type Raw = unknown[];
const R = selectList(RUN_COLUMNS, 'r');

/** Reads and writes the runs table. */
export class RunRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.writer = new TableWriter(db, 'runs');
    // Statements that return whole runs are raw (arrays in RUN_COLUMNS order).
    const rows = (sql: string) => db.prepare(sql).raw(true);
    this.s = {
      get: rows(`SELECT ${R} FROM runs r WHERE r.id = ?`),
      extend: db.prepare(
        "UPDATE runs SET heartbeat_at = ?, lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_expires_at > ?",
      ),
      // Live runs are found through their running tasks (indexed by status), so runs need no index of their own.
      expired: rows(`SELECT ${R} FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE t.status = 'running' AND r.status = 'running' AND r.lease_expires_at <= ? ORDER BY r.id`),
      running: rows(`SELECT ${R} FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE t.status = 'running' AND r.status = 'running' ORDER BY r.id`),
      forTask: rows(`SELECT ${R} FROM runs r WHERE r.task_id = ? ORDER BY r.id DESC LIMIT ?`),
      runningCounts: db.prepare(`
        SELECT r.agent AS agent, t.project AS project, COUNT(*) AS n
        FROM tasks t JOIN runs r ON r.id = t.current_run_id
        WHERE t.status = 'running' AND r.status = 'running' GROUP BY r.agent, t.project`),
      byOutcome: db.prepare(`SELECT outcome, failure_kind AS kind, COUNT(*) AS n FROM runs
        WHERE status = 'finished' AND finished_at >= ? GROUP BY outcome, failure_kind ORDER BY outcome, failure_kind`),
      totals: db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(tokens_in), 0) AS tin,
        COALESCE(SUM(tokens_out), 0) AS tout FROM runs`),
      claimWait: db.prepare(`SELECT COALESCE(SUM(r.started_at - e.at), 0) AS sum, COUNT(*) AS n FROM runs r
        JOIN events e ON e.id = (SELECT MAX(id) FROM events WHERE task_id = r.task_id AND to_status = 'ready' AND at <= r.started_at)
        WHERE r.started_at >= ?`),
    };
  }

  insert(record: Partial<Run>): number {
    return this.writer.insert(record as Record<string, unknown>);
  }

  /** Updates fields of run `id` if it is still `running` (when guarded); returns rows changed. */
  update(id: number, patch: Partial<Run>, onlyIfRunning = false): number {
    return this.writer.update(id, patch as Record<string, unknown>, onlyIfRunning ? { status: 'running' } : {});
  }

  /** Sets the process group of a running run only if none is recorded yet; returns rows changed. */
  setPgidIfUnset(id: number, pgid: number): number {
    return this.writer.update(id, { pgid }, { status: 'running', pgid: null });
  }

  get(id: number): Run | undefined {
    const row = this.s.get.get(id) as Raw | undefined;
    return row ? runFromArray(row) : undefined;
  }

  /** Extends a live lease (compare-and-swap on status and expiry); false when it was no longer live. */
  extend(id: number, now: number, expiresAt: number): boolean {
    return this.s.extend.run(now, expiresAt, id, now).changes === 1;
  }

  /** Running runs whose lease ended at or before `now`. */
  expired(now: number): Run[] {
    return (this.s.expired.all(now) as Raw[]).map(runFromArray);
  }

  /** Every run still marked running (the live run of each running task). */
  running(): Run[] {
    return (this.s.running.all() as Raw[]).map(runFromArray);
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
    const wait = this.s.claimWait.get(since) as { sum: number; n: number };
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
