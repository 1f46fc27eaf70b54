// SQL for archiving finished tasks (off the board and `list`) and deleting them for good.
import type { SqlDatabase, SqlStatement } from './sql-database.js';

/** Archived tasks and the deletion of a finished task with its runs. */
export class ArchiveRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      archive: db.prepare('INSERT OR IGNORE INTO archived_tasks (task_id, at, by) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT task_id, at, by FROM archived_tasks WHERE task_id = ?'),
      unarchive: db.prepare('DELETE FROM archived_tasks WHERE task_id = ?'),
      // A deleted task's rows: what points at it is cut loose first (the events stay, as the audit log).
      dropArchived: db.prepare('DELETE FROM archived_tasks WHERE task_id = ?'),
      dropDeps: db.prepare('DELETE FROM task_deps WHERE task_id = ?'),
      dropBranch: db.prepare('DELETE FROM task_branches WHERE task_id = ?'),
      dropPaths: db.prepare('DELETE FROM task_paths WHERE task_id = ?'),
      dropBudget: db.prepare('DELETE FROM task_budgets WHERE task_id = ?'),
      // The slot stays handled (its row is the schedule's idempotency key): it only no longer names the task.
      unlinkSlots: db.prepare('UPDATE schedule_slots SET task_id = NULL WHERE task_id = ?'),
      dropRuns: db.prepare('DELETE FROM runs WHERE task_id = ?'),
      unlinkChildren: db.prepare('UPDATE tasks SET parent_id = NULL WHERE parent_id = ?'),
      unlinkProposals: db.prepare('UPDATE proposals SET task_id = NULL WHERE task_id = ?'),
      dropTask: db.prepare('DELETE FROM tasks WHERE id = ?'),
      newest: db.prepare(`SELECT t.last_run_id AS run, (SELECT MAX(id) FROM tasks) AS newest_task, (SELECT MAX(id) FROM runs) AS newest_run
        FROM tasks t WHERE t.id = ?`),
    };
  }

  /** Archives a task; false when it already was. */
  archive(taskId: number, at: number, by: string): boolean {
    return this.s.archive.run(taskId, at, by).changes === 1;
  }

  /** When and by whom a task was archived, or undefined. */
  get(taskId: number): { at: number; by: string } | undefined {
    return this.s.get.get(taskId) as { at: number; by: string } | undefined;
  }

  /** Takes a task off the archive (e.g. when it is requeued). */
  unarchive(taskId: number): void {
    this.s.unarchive.run(taskId);
  }

  /**
   * What deleting task `taskId` would free for reuse: SQLite gives a new row the largest id + 1 (the tables have no
   * AUTOINCREMENT), so deleting the newest task or the newest run hands its id to the next one.
   */
  freesNewestId(taskId: number): { task: boolean; run: number | null } {
    const r = this.s.newest.get(taskId) as { run: number | null; newest_task: number; newest_run: number | null } | undefined;
    if (!r) return { task: false, run: null };
    return { task: Number(r.newest_task) === taskId, run: r.run != null && Number(r.run) === Number(r.newest_run) ? Number(r.run) : null };
  }

  /** Deletes a task and its runs; returns how many runs went with it. The caller checks nothing depends on it. */
  deleteTask(taskId: number): number {
    this.s.dropArchived.run(taskId);
    this.s.dropDeps.run(taskId);
    this.s.dropBranch.run(taskId);
    this.s.dropPaths.run(taskId);
    this.s.dropBudget.run(taskId);
    this.s.unlinkSlots.run(taskId);
    const runs = this.s.dropRuns.run(taskId).changes;
    this.s.unlinkChildren.run(taskId);
    this.s.unlinkProposals.run(taskId);
    this.s.dropTask.run(taskId);
    return runs;
  }
}
