// A coding task's branch in the queue: opened by its first run, held for merge on approve, merged or blocked.
import { StewardError } from '../core/errors.js';
import type { OpContext, Task } from '../core/types.js';
import { conflictQuestion, sharedFiles } from '../core/worktree.js';
import type { Store } from '../store/open-store.js';
import type { TaskBranch } from '../store/branch-repo.js';
import { spawnFollowUps } from './create-task.js';
import { logEvent, requireTask, transition } from './transition.js';

/** A run opened (or reopened) its task's branch in a worktree: recorded as `open`, with the event `branch_opened` the first time. */
export function openBranch(
  store: Store,
  b: { task_id: number; run_id: number; repo: string; branch: string; base: string; worktree: string },
  ctx: OpContext,
): TaskBranch {
  return store.tx(() => {
    const old = store.branches.get(b.task_id);
    const next: TaskBranch = {
      task_id: b.task_id, repo: b.repo, branch: b.branch, base: b.base, state: 'open', worktree: b.worktree,
      files: old?.files ?? [], conflict: [], merged_commit: old?.state === 'merged' ? null : (old?.merged_commit ?? null), updated_at: ctx.now,
    };
    store.branches.put(next);
    if (!old) logEvent(store, ctx, 'branch_opened', { task_id: b.task_id, run_id: b.run_id }, null, { branch: b.branch, base: b.base, repo: b.repo });
    return next;
  });
}

/** After a run: the commit its changes were saved in, the files the run changed, and the files the branch changes in all. */
export function recordRunChanges(
  store: Store,
  c: { task_id: number; run_id: number; commit: string | null; files: string[]; branch_files: string[]; preserved?: boolean },
  ctx: OpContext,
): void {
  store.tx(() => {
    const b = store.branches.get(c.task_id);
    if (b) store.branches.put({ ...b, files: c.branch_files, updated_at: ctx.now });
    const kind = c.preserved ? 'work_preserved' : 'run_changes';
    logEvent(store, ctx, kind, { task_id: c.task_id, run_id: c.run_id }, null, { commit: c.commit, files: c.files.slice(0, 200), count: c.files.length });
    // The digest warns when another open branch changes a file this run changed (a merge may conflict).
    if (!b || c.files.length === 0) return;
    const mine = new Set(c.files);
    const others = store.branches.all().filter((o) => o.task_id !== c.task_id && o.state !== 'merged' && o.repo === b.repo);
    const shared = sharedFiles([{ task_id: c.task_id, files: c.files }, ...others.map((o) => ({ task_id: o.task_id, files: o.files.filter((f) => mine.has(f)) }))]);
    if (shared.length === 0) return;
    const tasks = [...new Set(shared.flatMap((s) => s.tasks))].filter((id) => id !== c.task_id).sort((x, y) => x - y);
    logEvent(store, ctx, 'file_overlap', { task_id: c.task_id, run_id: c.run_id }, null, { files: shared.map((s) => s.file), tasks });
  });
}

/** True when the task's changes are on a branch that has not merged back yet (approve and done wait for the merge). */
export function awaitsMerge(store: Store, taskId: number): boolean {
  const b = store.branches.get(taskId);
  return !!b && b.state !== 'merged';
}

/** Inside a transaction: the task's branch is approved and waits for the merge step. */
export function queueMergeInTx(store: Store, taskId: number, ctx: OpContext): void {
  const b = store.branches.get(taskId);
  if (b && b.state !== 'merged') store.branches.put({ ...b, state: 'queued', updated_at: ctx.now });
}

/** Branches approved and waiting to merge, with their tasks (in review). */
export function queuedMerges(store: Store): Array<{ branch: TaskBranch; task: Task }> {
  return store.read(() =>
    store.branches.inState('queued').flatMap((branch) => {
      const task = store.tasks.get(branch.task_id);
      return task && task.status === 'review' ? [{ branch, task }] : [];
    }),
  );
}

/** The merge step put the branch onto its base: the task is done (follow-ups spawn, dependents promote). */
export function finishMerge(store: Store, input: { id: number; commit: string; pruned?: boolean }, ctx: OpContext): { task: Task; spawned: Task[] } {
  return store.tx(() => {
    const task = requireTask(store, input.id);
    const b = store.branches.get(task.id);
    if (!b) throw new StewardError('NOT_FOUND', `task #${task.id} has no branch`, { id: task.id });
    store.branches.put({ ...b, state: 'merged', merged_commit: input.commit, conflict: [], worktree: input.pruned ? null : b.worktree, updated_at: ctx.now });
    const next = transition(store, task, 'approve', 'done', { finished_at: ctx.now, blocked_kind: null }, ctx, {
      kind: 'merged',
      reason: `${b.branch} merged into ${b.base} at ${input.commit.slice(0, 12)}`,
      data: { branch: b.branch, base: b.base, commit: input.commit },
    });
    return { task: next, spawned: spawnFollowUps(store, next, ctx) };
  });
}

/** The merge step could not put the branch onto its base: the task is blocked with the files named, the branch kept. */
export function blockMerge(store: Store, input: { id: number; files: string[]; detail?: string; checkout?: string }, ctx: OpContext): { task: Task } {
  return store.tx(() => {
    const task = requireTask(store, input.id);
    const b = store.branches.get(task.id);
    if (!b) throw new StewardError('NOT_FOUND', `task #${task.id} has no branch`, { id: task.id });
    store.branches.put({ ...b, state: 'conflict', conflict: input.files, updated_at: ctx.now });
    const question = conflictQuestion({ branch: b.branch, base: b.base, files: input.files, worktree: b.worktree ?? undefined, checkout: input.checkout });
    const error = input.detail ? `${question}\n${input.detail.slice(0, 1000)}` : question;
    const next = transition(store, task, 'conflict', 'blocked', { blocked_kind: 'merge', question, error, answer: null }, ctx, {
      kind: 'blocked',
      reason: question,
      data: { kind: 'merge', files: input.files, branch: b.branch, base: b.base },
    });
    return { task: next };
  });
}
