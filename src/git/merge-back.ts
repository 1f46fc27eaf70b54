// Putting a task branch back onto its base: rebase + fast-forward, or a merge commit; a conflict names its files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planMerge, type MergeStrategy } from '../core/worktree.js';
import { changedFiles, conflictedFiles, dirtyFiles, git, gitRun, isAncestor, resolveRef } from './git.js';
import { removeCleanWorktree, worktreeOf } from './worktrees.js';

/**
 * How a merge back ended: merged (the base's new tip), or a conflict (files named, branch and base untouched). A
 * conflict with `checkout` is no conflict between the branches: git would not overwrite what is uncommitted (or ignored)
 * in that checkout, the person's checkout of the base or the task's worktree.
 */
export type MergeOutcome =
  | { status: 'merged'; commit: string; step: string }
  | { status: 'conflict'; files: string[]; detail: string; checkout?: string };

/** What to merge, where. `scratch` is a folder for temporary worktrees (removed again). */
export interface MergeRequest {
  repo: string;
  branch: string;
  base: string;
  strategy: MergeStrategy;
  scratch: string;
  /** Names the temporary worktrees. */
  taskId: number;
  message: string;
}

/**
 * A conflict outcome. git's `hint:` lines go: they say how to continue or abort a rebase or merge that steward has
 * already aborted, next to the question that says how to resolve it (core/worktree.ts conflictQuestion).
 */
const conflict = (files: string[], detail: string, checkout?: string): MergeOutcome => ({
  status: 'conflict',
  files,
  detail: detail.split('\n').filter((line) => !/^hint:/.test(line)).join('\n').trim().slice(0, 2000),
  ...(checkout ? { checkout } : {}),
});

/** A checkout of `ref` to work in: the worktree that has it, or a temporary one (removed by `done`). */
function checkoutOf(r: MergeRequest, ref: string, detach: boolean): { path: string; done: () => void } {
  const holder = detach ? undefined : worktreeOf(r.repo, ref);
  if (holder) return { path: holder.path, done: () => {} };
  const path = join(r.scratch, `merge-${r.taskId}-${process.pid}-${Date.now()}`);
  // A worktree whose folder is gone (an agent deleted its own) still has the branch checked out for git until pruned.
  gitRun(r.repo, ['worktree', 'prune']);
  git(r.repo, ['worktree', 'add', ...(detach ? ['--detach'] : []), path, ref]);
  return { path, done: () => void removeCleanWorktree(r.repo, path) };
}

/**
 * Moves the base to `target` (which must contain it): `merge --ff-only` in the checkout that has the base (git refuses
 * rather than overwrite a person's uncommitted change there, and `--no-overwrite-ignore` makes it refuse to overwrite
 * an ignored file of theirs — a `.env` the branch starts tracking), or a compare-and-swap `update-ref` when none has it.
 */
function fastForward(r: MergeRequest, target: string): MergeOutcome {
  const old = resolveRef(r.repo, `refs/heads/${r.base}`)!;
  const holder = worktreeOf(r.repo, r.base);
  const res = holder ? gitRun(holder.path, ['merge', '--ff-only', '--no-overwrite-ignore', '--quiet', target]) : gitRun(r.repo, ['update-ref', `refs/heads/${r.base}`, target, old]);
  if (res.code === 0) return { status: 'merged', commit: target, step: 'fast-forward' };
  const touched = new Set(changedFiles(r.repo, old, target));
  const blocking = holder ? dirtyFiles(holder.path).filter((f) => touched.has(f)) : [];
  const where = holder ? ` in ${holder.path}` : '';
  return conflict(blocking, `could not fast-forward ${r.base}${where}: ${res.stderr || res.stdout}`, holder?.path);
}

/** Rebases the branch onto the base in its checkout; on a conflict the rebase is aborted (the branch is as it was). */
function rebase(r: MergeRequest): MergeOutcome | string {
  const co = checkoutOf(r, r.branch, false);
  try {
    const dirty = dirtyFiles(co.path);
    if (dirty.length) return conflict(dirty, `the worktree ${co.path} of ${r.branch} has uncommitted changes; commit or discard them`, co.path);
    const res = gitRun(co.path, ['rebase', '--quiet', r.base]);
    if (res.code !== 0) {
      const files = conflictedFiles(co.path);
      gitRun(co.path, ['rebase', '--abort']);
      return conflict(files, res.stderr || res.stdout);
    }
    return git(co.path, ['rev-parse', 'HEAD']);
  } finally {
    co.done();
  }
}

/** A merge commit of the branch on top of the base, made in a temporary detached worktree; aborted on a conflict. */
function mergeCommit(r: MergeRequest): MergeOutcome | string {
  const co = checkoutOf(r, r.base, true);
  try {
    const res = gitRun(co.path, ['merge', '--no-ff', '--quiet', '-m', r.message, r.branch]);
    if (res.code !== 0) {
      const files = conflictedFiles(co.path);
      gitRun(co.path, ['merge', '--abort']);
      return conflict(files, res.stderr || res.stdout);
    }
    return git(co.path, ['rev-parse', 'HEAD']);
  } finally {
    co.done();
  }
}

/** Merges `branch` back onto `base`; retried when the base moved meanwhile. Never forces anything. */
export function mergeBranch(r: MergeRequest): MergeOutcome {
  if (!resolveRef(r.repo, `refs/heads/${r.branch}`)) return conflict([], `branch ${r.branch} does not exist in ${r.repo}`);
  for (let attempt = 0; ; attempt++) {
    const step = planMerge({
      strategy: r.strategy,
      branchInBase: isAncestor(r.repo, r.branch, r.base),
      baseInBranch: isAncestor(r.repo, r.base, r.branch),
    });
    if (step === 'nothing') return { status: 'merged', commit: resolveRef(r.repo, `refs/heads/${r.base}`)!, step };
    const target = step === 'fast-forward' ? resolveRef(r.repo, `refs/heads/${r.branch}`)! : step === 'rebase' ? rebase(r) : mergeCommit(r);
    if (typeof target !== 'string') return target;
    const moved = fastForward(r, target);
    if (moved.status === 'merged') return { ...moved, step };
    // The base moved between our read and the fast-forward (another merge): plan again, a few times.
    if (attempt >= 2 || isAncestor(r.repo, `refs/heads/${r.base}`, target)) return moved;
  }
}

/** Removes the task's worktree after its merge when it is clean; a dirty one is kept. */
export function pruneAfterMerge(repo: string, worktree: string | null): boolean {
  if (!worktree || !existsSync(worktree)) return true;
  return removeCleanWorktree(repo, worktree).removed;
}
