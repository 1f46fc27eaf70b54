// Leftover worktrees and task branches: listed by `steward doctor`, removed by `steward gc` only when clean and merged.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BRANCH_PREFIX } from '../core/worktree.js';
import { resolveWorkdir } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { branchesLike, dirtyFiles, gitRun, isAncestor, repoRoot, resolveRef } from './git.js';
import { baseBranchOf, worktreesDir } from './run-workdir.js';
import { isUnder, listWorktrees, removeCleanWorktree } from './worktrees.js';

/** A steward worktree or task branch that is not in use by a running run. */
export interface Leftover {
  kind: 'worktree' | 'branch';
  repo: string;
  branch: string | null;
  path?: string;
  task_id: number | null;
  task_status: string | null;
  /** Uncommitted files (worktrees only). */
  dirty: string[];
  /** The branch's commits are all on its base. */
  merged: boolean;
  /** Clean, merged and not in use: `steward gc` removes it. */
  removable: boolean;
}

const taskIdOf = (name: string): number | null => {
  const m = /^(\d+)-/.exec(name);
  return m ? Number(m[1]) : null;
};

/** Repositories steward has task branches in, plus every configured project workdir that is in one. */
function knownRepos(store: Store, workspace: Workspace, config: Config): string[] {
  const repos = new Set(store.read(() => store.branches.all()).map((b) => b.repo));
  for (const name of Object.keys(config.projects)) {
    try {
      const root = repoRoot(resolveWorkdir(config, workspace.root, name));
      if (root) repos.add(root);
    } catch {
      // a project whose workdir is missing: doctor's other checks say so
    }
  }
  // Still repositories: one whose .git was removed (or moved) has no worktrees or branches to list, and git would fail.
  return [...repos].filter((r) => existsSync(r) && repoRoot(r) === r);
}

/** Every steward worktree and `steward/*` branch of the known repositories that no running run uses. */
export function findLeftovers(store: Store, workspace: Workspace, config: Config): Leftover[] {
  const out: Leftover[] = [];
  const dir = worktreesDir(workspace);
  for (const repo of knownRepos(store, workspace, config)) {
    const baseOf = (taskId: number | null, project?: string): string | null => {
      const known = taskId === null ? undefined : store.read(() => store.branches.get(taskId));
      if (known) return known.base;
      try {
        return baseBranchOf(config, project ?? 'default', repo);
      } catch {
        return null;
      }
    };
    const merged = (branch: string | null, base: string | null) => !!branch && !!base && !!resolveRef(repo, `refs/heads/${branch}`) && isAncestor(repo, `refs/heads/${branch}`, `refs/heads/${base}`);
    const trees = listWorktrees(repo).filter((w) => isUnder(w.path, dir));
    for (const w of trees) {
      const name = basename(w.path);
      const taskId = taskIdOf(name);
      const task = taskId === null ? undefined : store.read(() => store.tasks.get(taskId));
      const inUse = !!task && task.status === 'running' && name === `${task.id}-${task.current_run_id}`;
      if (inUse) continue;
      const dirty = existsSync(w.path) ? dirtyFiles(w.path) : [];
      const m = merged(w.branch, baseOf(taskId, task?.project));
      out.push({ kind: 'worktree', repo, branch: w.branch, path: w.path, task_id: taskId, task_status: task?.status ?? null, dirty, merged: m, removable: m && dirty.length === 0 });
    }
    const checkedOut = new Set(listWorktrees(repo).map((w) => w.branch));
    for (const branch of branchesLike(repo, BRANCH_PREFIX)) {
      if (checkedOut.has(branch)) continue;
      const taskId = taskIdOf(branch.slice(BRANCH_PREFIX.length));
      const task = taskId === null ? undefined : store.read(() => store.tasks.get(taskId));
      const m = merged(branch, baseOf(taskId, task?.project));
      const open = !!task && !['done', 'failed', 'cancelled'].includes(task.status);
      out.push({ kind: 'branch', repo, branch, task_id: taskId, task_status: task?.status ?? null, dirty: [], merged: m, removable: m && !open });
    }
  }
  return out;
}

/** Removes the removable leftovers (worktrees first, with `git worktree remove` — never forced; then their branches). */
export function collectGarbage(store: Store, workspace: Workspace, config: Config, opts: { dryRun?: boolean } = {}): { removed: Leftover[]; kept: Leftover[] } {
  const removed: Leftover[] = [];
  let kept: Leftover[] = [];
  const pass = (list: Leftover[]) => { for (const l of list) take(l); };
  const take = (l: Leftover) => {
    if (!l.removable) return void kept.push(l);
    if (opts.dryRun) return void removed.push(l);
    if (l.kind === 'worktree') {
      if (removeCleanWorktree(l.repo, l.path!).removed) removed.push(l);
      else kept.push({ ...l, removable: false });
    } else {
      const tip = resolveRef(l.repo, `refs/heads/${l.branch}`);
      const ok = tip !== null && gitRun(l.repo, ['update-ref', '-d', `refs/heads/${l.branch}`, tip]).code === 0;
      (ok ? removed : kept).push(l);
    }
  };
  pass(findLeftovers(store, workspace, config));
  // The branches of worktrees removed just now are free only now: a second look at them.
  if (!opts.dryRun && removed.some((l) => l.kind === 'worktree')) {
    const freed = new Set(removed.filter((l) => l.kind === 'worktree').map((l) => `${l.repo}\0${l.branch}`));
    kept = kept.filter((l) => l.kind !== 'branch');
    pass(findLeftovers(store, workspace, config).filter((l) => l.kind === 'branch' && (freed.has(`${l.repo}\0${l.branch}`) || !l.removable)));
  }
  return { removed, kept };
}
