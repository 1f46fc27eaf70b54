// Worktrees of a repository: list, add, commit what is in one, remove only when clean.
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dirtyFiles, git, gitLines, gitRun, resolveRef } from './git.js';

/** One entry of `git worktree list`. */
export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Short branch name, or null when detached. */
  branch: string | null;
  prunable: boolean;
}

/** Every worktree of the repository at `repo` (the main checkout first). */
export function listWorktrees(repo: string): WorktreeEntry[] {
  const out: WorktreeEntry[] = [];
  let cur: WorktreeEntry | undefined;
  for (const line of git(repo, ['worktree', 'list', '--porcelain']).split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: null, branch: null, prunable: false };
      out.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (cur && line.startsWith('prunable')) cur.prunable = true;
  }
  return out;
}

/** The worktree that has `branch` checked out, if any. */
export function worktreeOf(repo: string, branch: string): WorktreeEntry | undefined {
  return listWorktrees(repo).find((w) => w.branch === branch && !w.prunable);
}

/** Makes sure the worktrees folder exists and is ignored by an enclosing repository (`*` in its own .gitignore). */
export function ensureWorktreesDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# steward: one git worktree per run (docs/WORKTREES.md)\n*\n');
}

/**
 * Whether a worktree path git listed is in the folder `dir`. git lists the real path (symbolic links resolved) while
 * steward names the folder through the workspace's path, which may go through a link (`/tmp` on macOS): both count.
 */
export function isUnder(path: string, dir: string): boolean {
  if (path.startsWith(`${dir}/`)) return true;
  try {
    return path.startsWith(`${realpathSync(dir)}/`);
  } catch {
    return false;
  }
}

/** Adds a worktree at `path` on `branch`, creating the branch from `base` when it does not exist yet. */
export function addWorktree(repo: string, path: string, branch: string, base: string): void {
  gitRun(repo, ['worktree', 'prune']);
  if (resolveRef(repo, `refs/heads/${branch}`)) git(repo, ['worktree', 'add', path, branch]);
  else git(repo, ['worktree', 'add', '-b', branch, path, base]);
}

/** Commits everything in the worktree (untracked files too, ignored ones not); returns the new commit or null when clean. */
export function commitAll(dir: string, message: string): string | null {
  if (dirtyFiles(dir).length === 0) return null;
  git(dir, ['add', '--all']);
  if (gitRun(dir, ['diff', '--cached', '--quiet']).code === 0) return null;
  git(dir, ['commit', '--quiet', '--no-verify', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Removes a worktree only when it holds no uncommitted change (git refuses a dirty one without --force; we never force). */
export function removeCleanWorktree(repo: string, path: string): { removed: boolean; dirty: string[] } {
  if (!existsSync(path)) {
    gitRun(repo, ['worktree', 'prune']);
    return { removed: true, dirty: [] };
  }
  const dirty = dirtyFiles(path);
  if (dirty.length) return { removed: false, dirty };
  const r = gitRun(repo, ['worktree', 'remove', path]);
  return { removed: r.code === 0, dirty: [] };
}

/** Local branches whose tip is reachable from `base` (merged into it). */
export function mergedBranches(repo: string, base: string, prefix: string): string[] {
  return gitLines(repo, ['for-each-ref', '--format=%(refname:short)', '--merged', base, `refs/heads/${prefix}*`]);
}
