// SQL for coding tasks in git worktrees: each task's branch and merge state, and the path globs tasks lease.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { BranchState } from '../core/worktree.js';

type Row = Record<string, unknown>;

/** A task's git branch as steward tracks it (one per task; the branch lives on across runs). */
export interface TaskBranch {
  task_id: number;
  /** The repository's top folder. */
  repo: string;
  branch: string;
  base: string;
  state: BranchState;
  /** The newest run's worktree (kept after the run; pruned after the merge). */
  worktree: string | null;
  /** Files the branch changes against its base, as of its newest run. */
  files: string[];
  /** Files the last failed merge named. */
  conflict: string[];
  merged_commit: string | null;
  updated_at: number;
}

const json = (v: unknown): string[] => (typeof v === 'string' && v ? (JSON.parse(v) as string[]) : []);

function toBranch(r: Row): TaskBranch {
  return {
    task_id: r.task_id as number,
    repo: r.repo as string,
    branch: r.branch as string,
    base: r.base as string,
    state: r.state as BranchState,
    worktree: (r.worktree as string | null) ?? null,
    files: json(r.files_json),
    conflict: json(r.conflict_json),
    merged_commit: (r.merged_commit as string | null) ?? null,
    updated_at: r.updated_at as number,
  };
}

/** Task branches and path leases. */
export class BranchRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    // SQLite's planner is told the index; Postgres has no such hint (its planner picks the partial index by itself).
    const byPaths = db.dialect === 'postgres' ? '' : 'INDEXED BY tasks_with_paths';
    this.s = {
      get: db.prepare('SELECT * FROM task_branches WHERE task_id = ?'),
      upsert: db.prepare(`INSERT INTO task_branches (task_id, repo, branch, base, state, worktree, files_json, conflict_json, merged_commit, updated_at)
        VALUES (@task_id, @repo, @branch, @base, @state, @worktree, @files_json, @conflict_json, @merged_commit, @updated_at)
        ON CONFLICT(task_id) DO UPDATE SET repo = excluded.repo, branch = excluded.branch, base = excluded.base, state = excluded.state,
          worktree = excluded.worktree, files_json = excluded.files_json, conflict_json = excluded.conflict_json,
          merged_commit = excluded.merged_commit, updated_at = excluded.updated_at`),
      inState: db.prepare("SELECT * FROM task_branches WHERE state = ? AND state <> 'merged' ORDER BY task_id"),
      all: db.prepare('SELECT * FROM task_branches ORDER BY task_id'),
      getPaths: db.prepare('SELECT paths_json FROM task_paths WHERE task_id = ?'),
      setPaths: db.prepare('INSERT INTO task_paths (task_id, paths_json) VALUES (?, ?) ON CONFLICT(task_id) DO UPDATE SET paths_json = excluded.paths_json'),
      dropPaths: db.prepare('DELETE FROM task_paths WHERE task_id = ?'),
      markPaths: db.prepare('UPDATE tasks SET has_paths = ? WHERE id = ? AND has_paths <> ?'),
      // Every claim reads both (the file lease): through tasks_with_paths, which holds only tasks that have paths, so
      // a queue whose tasks have none costs two empty index seeks, not a walk of every ready task (migration 12).
      readyPaths: db.prepare(`SELECT p.task_id, p.paths_json FROM tasks t ${byPaths} JOIN task_paths p ON p.task_id = t.id
        WHERE t.has_paths = 1 AND t.status = 'ready'`),
      runningPaths: db.prepare(`SELECT p.task_id, p.paths_json FROM tasks t ${byPaths} JOIN task_paths p ON p.task_id = t.id
        WHERE t.has_paths = 1 AND t.status = 'running'`),
    };
  }

  get(taskId: number): TaskBranch | undefined {
    const r = this.s.get.get(taskId) as Row | undefined;
    return r ? toBranch(r) : undefined;
  }

  /** Writes the whole record (insert or replace). */
  put(b: TaskBranch): void {
    this.s.upsert.run({
      task_id: b.task_id, repo: b.repo, branch: b.branch, base: b.base, state: b.state, worktree: b.worktree,
      files_json: JSON.stringify(b.files), conflict_json: b.conflict.length ? JSON.stringify(b.conflict) : null,
      merged_commit: b.merged_commit, updated_at: b.updated_at,
    });
  }

  /** Branches in one state (never `merged`: that set only grows), oldest task first. */
  inState(state: Exclude<BranchState, 'merged'>): TaskBranch[] {
    return (this.s.inState.all(state) as Row[]).map(toBranch);
  }

  /** Every tracked branch, merged ones included. */
  all(): TaskBranch[] {
    return (this.s.all.all() as Row[]).map(toBranch);
  }

  /** The path globs task `taskId` leases while it runs ([] when none). */
  paths(taskId: number): string[] {
    const r = this.s.getPaths.get(taskId) as Row | undefined;
    return r ? json(r.paths_json) : [];
  }

  /** Sets the path globs task `taskId` leases while it runs (none: drops them), and its has_paths mark. */
  setPaths(taskId: number, paths: string[]): void {
    if (paths.length) this.s.setPaths.run(taskId, JSON.stringify(paths));
    else this.s.dropPaths.run(taskId);
    const has = paths.length ? 1 : 0;
    this.s.markPaths.run(has, taskId, has);
  }

  /** The path globs of every ready task that has some. */
  readyPaths(): Array<{ task_id: number; paths: string[] }> {
    return (this.s.readyPaths.all() as Row[]).map((r) => ({ task_id: r.task_id as number, paths: json(r.paths_json) }));
  }

  /** The path globs of every running task that has some. */
  runningPaths(): Array<{ task_id: number; paths: string[] }> {
    return (this.s.runningPaths.all() as Row[]).map((r) => ({ task_id: r.task_id as number, paths: json(r.paths_json) }));
  }
}
