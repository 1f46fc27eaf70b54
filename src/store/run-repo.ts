// SQL for runs (attempts) and their leases.
import type { Database, Statement } from 'better-sqlite3';
import type { Run } from '../core/types.js';
import { toRun } from './rows.js';
import { TableWriter } from './statements.js';

type Row = Record<string, unknown>;

/** Reads and writes the runs table. */
export class RunRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.writer = new TableWriter(db, 'runs');
    this.s = {
      get: db.prepare('SELECT * FROM runs WHERE id = ?'),
      extend: db.prepare(
        "UPDATE runs SET heartbeat_at = ?, lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_expires_at > ?",
      ),
      expired: db.prepare("SELECT * FROM runs WHERE status = 'running' AND lease_expires_at <= ? ORDER BY id"),
      running: db.prepare("SELECT * FROM runs WHERE status = 'running' ORDER BY id"),
      forTask: db.prepare('SELECT * FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT ?'),
      runningCounts: db.prepare(`
        SELECT r.agent AS agent, t.project AS project, COUNT(*) AS n
        FROM runs r JOIN tasks t ON t.id = r.task_id
        WHERE r.status = 'running' GROUP BY r.agent, t.project`),
      finishedSince: db.prepare(
        "SELECT * FROM runs WHERE status = 'finished' AND finished_at >= ? ORDER BY finished_at",
      ),
    };
  }

  insert(record: Partial<Run>): number {
    return this.writer.insert(record as Record<string, unknown>);
  }

  /** Updates fields of run `id` if it is still `running` (when guarded); returns rows changed. */
  update(id: number, patch: Partial<Run>, onlyIfRunning = false): number {
    return this.writer.update(id, patch as Record<string, unknown>, onlyIfRunning ? { status: 'running' } : {});
  }

  get(id: number): Run | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Extends a live lease (compare-and-swap on status and expiry); false when it was no longer live. */
  extend(id: number, now: number, expiresAt: number): boolean {
    return this.s.extend.run(now, expiresAt, id, now).changes === 1;
  }

  /** Running runs whose lease ended at or before `now`. */
  expired(now: number): Run[] {
    return (this.s.expired.all(now) as Row[]).map(toRun);
  }

  /** Every run still marked running. */
  running(): Run[] {
    return (this.s.running.all() as Row[]).map(toRun);
  }

  /** The newest runs of a task, newest first. */
  forTask(taskId: number, limit: number): Run[] {
    return (this.s.forTask.all(taskId, limit) as Row[]).map(toRun);
  }

  /** Live runs counted by agent and project (for WIP caps). */
  runningCounts(): Array<{ agent: string; project: string; n: number }> {
    return this.s.runningCounts.all() as Array<{ agent: string; project: string; n: number }>;
  }

  /** Runs that finished at or after `since`. */
  finishedSince(since: number): Run[] {
    return (this.s.finishedSince.all(since) as Row[]).map(toRun);
  }
}
