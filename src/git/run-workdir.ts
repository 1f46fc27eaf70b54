// Where one run works: the project's workdir, or (isolation: worktree) its own git worktree on the task's branch.
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { StewardError } from '../core/errors.js';
import type { OpContext, Run, Task } from '../core/types.js';
import { BRANCH_PREFIX, branchName, isolationOf, runCommitMessage, worktreeName } from '../core/worktree.js';
import { resolveWorkdir } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import { openBranch, recordRunChanges } from '../ops/branches.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { branchesLike, branchFiles, changedFiles, commitsAhead, currentBranch, dirtyFiles, git, gitRun, isAncestor, repoRoot, resolveRef } from './git.js';
import { repoRootOf } from './repo-root-cache.js';
import { addWorktree, commitAll, ensureWorktreesDir, isUnder, removeCleanWorktree, worktreeOf } from './worktrees.js';

/** The run's working directory and, when isolated, its git worktree. */
export interface RunWorkdir {
  /** Where the CLI and the verify commands run. */
  workdir: string;
  isolated: boolean;
  repo?: string;
  branch?: string;
  base?: string;
  worktree?: string;
  /** The branch's head when the run started: what the run changed is `startHead..HEAD`. */
  startHead?: string;
  /** The worktree's own git folder (`.git/worktrees/<name>`): at the end, git must still find it there. */
  gitDir?: string;
  /** Commits of earlier attempts on the branch (`<hash> <subject>`), for the prompt. */
  earlier: string[];
  /** Uncommitted work an interrupted earlier run left, committed before this run started. */
  preserved?: { commit: string; files: string[] };
}

/** The folder every run worktree of this workspace lives in. */
export function worktreesDir(workspace: Pick<Workspace, 'stewardDir'>): string {
  return join(workspace.stewardDir, 'worktrees');
}

/** The base branch of a project's task branches: configured, else the branch checked out in the repository. */
export function baseBranchOf(config: Config, project: string, repo: string): string {
  const configured = Object.hasOwn(config.projects, project) ? config.projects[project]!.baseBranch : undefined;
  const base = configured ?? currentBranch(repo);
  if (!base) {
    throw new StewardError('VALIDATION', `the repository ${repo} has a detached HEAD: set projects.${project}.baseBranch in .steward/config.yaml`, { project });
  }
  if (!resolveRef(repo, `refs/heads/${base}`)) {
    // A repository just made with `git init` has no commit: its checked-out branch does not exist yet.
    const fix = resolveRef(repo, 'HEAD')
      ? `create it or set projects.${project}.baseBranch in .steward/config.yaml`
      : 'the repository has no commit yet: commit once (git commit --allow-empty -m "first commit")';
    throw new StewardError('VALIDATION', `base branch "${base}" of project "${project}" does not exist in ${repo}: ${fix}, then requeue the task`, { project, base });
  }
  return base;
}

/**
 * Why a task's runs would work in a git worktree of the server's repository (the project says `isolation: worktree`,
 * or a `code` task of a project whose workdir is in a git repository), or undefined when they run in a plain folder.
 * `repoOf` finds a folder's repository (default: `git rev-parse`).
 */
export function worktreeReason(config: Config, root: string, task: Pick<Task, 'project' | 'type'>, repoOf: (dir: string) => string | null = repoRoot): string | undefined {
  const setting = Object.hasOwn(config.projects, task.project) ? config.projects[task.project]!.isolation : undefined;
  if (setting === 'worktree') return `project "${task.project}" says isolation: worktree`;
  if (setting === 'none') return undefined;
  let dir: string;
  try {
    dir = resolveWorkdir(config, root, task.project);
  } catch {
    return undefined;
  }
  const repo = repoOf(dir);
  return repo && isolationOf(setting, true, task.type) === 'worktree' ? `a ${task.type} task of project "${task.project}", whose workdir ${dir} is in the git repository ${repo}` : undefined;
}

/**
 * A `steward/<task>-…` branch the store has no record of: one left by a crash between `git worktree add -b` and the
 * record (no commits of its own: taken over), or another or an earlier workspace's task of the same number (commits
 * of its own: never taken over, its work would be merged as this task's).
 */
function unrecordedBranch(repo: string, task: Task, base: string): string | undefined {
  const found = branchesLike(repo, `${BRANCH_PREFIX}${task.id}-`);
  const foreign = found.find((b) => !isAncestor(repo, `refs/heads/${b}`, `refs/heads/${base}`));
  if (foreign) {
    throw new StewardError('CONFLICT', `branch ${foreign} in ${repo} has commits task #${task.id} has no record of (another or an earlier steward workspace's task #${task.id}?); steward never takes over such a branch: rename or delete it, then retry the task`, { branch: foreign });
  }
  return found[0];
}

/**
 * Opens the run's workdir. Isolated: the task's branch (created from the base at its first run, kept across runs)
 * checked out in `.steward/worktrees/<task>-<run>` with `git worktree add`. A worktree an earlier run of the task
 * left is never reused or removed blindly: its uncommitted changes are committed on the branch first.
 */
export function openRunWorkdir(o: { store: Store; config: Config; workspace: Workspace; task: Task; run: Run; ctx: () => OpContext }): RunWorkdir {
  const { config, task, run } = o;
  const projectDir = resolveWorkdir(config, o.workspace.root, task.project);
  if (!existsSync(projectDir)) throw new StewardError('NOT_FOUND', `the workdir of project "${task.project}" does not exist: ${projectDir}`);
  const setting = Object.hasOwn(config.projects, task.project) ? config.projects[task.project]!.isolation : undefined;
  const repo = repoRootOf(projectDir); // a spare babysitter asked git while it waited
  if (setting === 'worktree' && !repo) {
    throw new StewardError('VALIDATION', `project "${task.project}" asks for isolation: worktree but ${projectDir} is not in a git repository`);
  }
  if (!repo || isolationOf(setting, true, task.type) === 'none') return { workdir: projectDir, isolated: false, earlier: [] };

  const known = o.store.read(() => o.store.branches.get(task.id));
  const base = known?.base ?? baseBranchOf(config, task.project, repo);
  const branch = known?.branch ?? unrecordedBranch(repo, task, base) ?? branchName(task.id, task.title);
  const dir = worktreesDir(o.workspace);
  ensureWorktreesDir(dir);
  const path = join(dir, worktreeName(task.id, run.id));
  if (existsSync(path)) throw new StewardError('CONFLICT', `${path} exists already; steward never reuses a worktree blindly`);

  let preserved: RunWorkdir['preserved'];
  const holder = worktreeOf(repo, branch);
  if (holder) {
    if (!isUnder(holder.path, dir)) {
      throw new StewardError('CONFLICT', `branch ${branch} is checked out in ${holder.path}; check out another branch there so steward can run task #${task.id}`);
    }
    const dirty = dirtyFiles(holder.path);
    const commit = dirty.length
      ? commitAll(holder.path, runCommitMessage({
          taskId: task.id, runId: Number(basename(holder.path).split('-')[1]) || 0, title: task.title, outcome: 'interrupted',
          note: `Uncommitted work an earlier run left in ${holder.path}, committed by run ${run.id} before it started.`,
        }))
      : null;
    if (commit) preserved = { commit, files: dirty };
    const gone = removeCleanWorktree(repo, holder.path);
    if (!gone.removed) throw new StewardError('CONFLICT', `the worktree ${holder.path} still holds changes (${gone.dirty.slice(0, 5).join(', ')}); it is kept`);
  }
  addWorktree(repo, path, branch, base);
  const startHead = git(path, ['rev-parse', 'HEAD']);
  const gitDir = git(path, ['rev-parse', '--absolute-git-dir']);
  const earlier = commitsAhead(path, base, 'HEAD');
  openBranch(o.store, { task_id: task.id, run_id: run.id, repo, branch, base, worktree: path }, o.ctx());
  if (preserved) {
    recordRunChanges(o.store, { task_id: task.id, run_id: run.id, commit: preserved.commit, files: preserved.files, branch_files: branchFiles(path, base, 'HEAD'), preserved: true }, o.ctx());
  }
  const rel = relative(repo, projectDir);
  return { workdir: rel ? join(path, rel) : path, isolated: true, repo, branch, base, worktree: path, startHead, gitDir, earlier, ...(preserved ? { preserved } : {}) };
}

/**
 * The run left its worktree off its branch (`git checkout --detach`, `git checkout -b other`) and its commits there
 * would be lost to the task (the merge sees nothing new; a clean detached worktree is removed after it). When they
 * continue the branch, the branch is moved onto them (compare-and-swap) and checked out again (so is the branch when
 * the run only went back to an older commit of it and left nothing); otherwise nothing moves and a CONFLICT error says
 * where the work is.
 */
function reattach(wd: RunWorkdir, on: string | null, head: string): string {
  const wt = wd.worktree!;
  const branch = wd.branch!;
  const tip = resolveRef(wt, `refs/heads/${branch}`);
  // Only looked back at an older commit and left nothing there: back onto the branch, nothing to move.
  if (tip && isAncestor(wt, head, tip)) {
    git(wt, ['checkout', '--quiet', branch]);
    return tip;
  }
  if (!tip || !isAncestor(wt, tip, head)) {
    throw new StewardError('CONFLICT', `the run left its worktree ${wt} on ${on ? `branch ${on}` : 'a detached HEAD'} at ${head.slice(0, 12)}, which does not continue the task's branch ${branch}; nothing was moved: put the work on ${branch}, then answer the task`, { worktree: wt, head });
  }
  git(wt, ['update-ref', `refs/heads/${branch}`, head, tip]);
  git(wt, ['checkout', '--quiet', branch]);
  return head;
}

/**
 * The run's folder is still its git worktree. An agent that deleted or rewrote its `.git` file leaves a folder where
 * git finds another repository — the person's checkout that encloses the workspace, or one the file points at — and
 * `git add --all` + commit there would commit the person's uncommitted work on their branch.
 */
function assertOwnWorktree(wd: RunWorkdir): void {
  const r = gitRun(wd.worktree!, ['rev-parse', '--absolute-git-dir']);
  const found = r.code === 0 ? r.stdout.trim() : null;
  if (wd.gitDir && found === wd.gitDir) return;
  throw new StewardError('CONFLICT', `${wd.worktree} is no longer the run's git worktree (git finds ${found ?? 'no repository'} there, not ${wd.gitDir}; was its .git file removed or changed?); nothing was committed`, { worktree: wd.worktree });
}

/**
 * Closes an isolated run's workdir whatever its outcome: commits everything the run left (message: task id, run id,
 * outcome, summary) on the branch and records the files it changed. The worktree stays (review, the next attempt).
 */
export function closeRunWorkdir(
  o: { store: Store; task: Task; run: Run; ctx: () => OpContext },
  wd: RunWorkdir,
  end: { outcome: string; summary?: string },
): { commit: string | null; files: string[] } | null {
  if (!wd.isolated || !wd.worktree || !wd.base || !existsSync(wd.worktree)) return null;
  assertOwnWorktree(wd);
  const commit = commitAll(wd.worktree, runCommitMessage({ taskId: o.task.id, runId: o.run.id, title: o.task.title, outcome: end.outcome, summary: end.summary }));
  let head = git(wd.worktree, ['rev-parse', 'HEAD']);
  const on = currentBranch(wd.worktree);
  if (on !== wd.branch) head = reattach(wd, on, head);
  const files = wd.startHead && wd.startHead !== head ? changedFiles(wd.worktree, wd.startHead, head) : [];
  recordRunChanges(o.store, { task_id: o.task.id, run_id: o.run.id, commit, files, branch_files: branchFiles(wd.worktree, wd.base, head) }, o.ctx());
  return { commit, files };
}
