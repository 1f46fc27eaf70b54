// The merge step: approved task branches go back onto their base; done on success, blocked (files named) on a conflict.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toStewardError } from '../core/errors.js';
import type { OpContext } from '../core/types.js';
import type { Config } from '../config/schema.js';
import { blockMerge, finishMerge, queuedMerges } from '../ops/branches.js';
import { logEvent } from '../ops/transition.js';
import type { Store } from '../store/open-store.js';
import type { TaskBranch } from '../store/branch-repo.js';
import type { LockRecord } from '../tick/tick-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { mergeBranch, pruneAfterMerge } from './merge-back.js';
import { withMergeLock } from './merge-lock.js';
import { worktreesDir } from './run-workdir.js';
import { ensureWorktreesDir } from './worktrees.js';

/** What the merge step needs. */
export interface MergeDeps {
  store: Store;
  config: Config;
  workspace: Workspace;
  ctx: () => OpContext;
}

/** One task's merge as the step saw it. */
export interface MergeReport {
  id: number;
  status: 'merged' | 'conflict';
  commit?: string;
  files?: string[];
  pushed?: { exit_code: number | null; output: string };
}

const projectOf = (config: Config, name: string) => (Object.hasOwn(config.projects, name) ? config.projects[name] : undefined);

/** Runs the project's `push` argv (placeholders filled, no shell) in the repository after a merge. */
function push(argv: string[], b: TaskBranch): MergeReport['pushed'] {
  const fill = (w: string) => w.replaceAll('{branch}', b.branch).replaceAll('{base}', b.base).replaceAll('{task_id}', String(b.task_id));
  const [file, ...args] = argv.map(fill);
  // stdout and stderr share one file, so the output reads interleaved as on a terminal.
  const dir = mkdtempSync(join(tmpdir(), 'steward-push-'));
  try {
    const out = join(dir, 'output');
    const fd = openSync(out, 'w');
    let r;
    try {
      r = spawnSync(file!, args, { cwd: b.repo, stdio: ['ignore', fd, fd], timeout: 300_000, windowsHide: true });
    } finally {
      closeSync(fd);
    }
    const failed = r.error ? `${file}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}\n` : r.status === null ? `${file}: killed by ${r.signal}\n` : '';
    return { exit_code: r.status, output: (readFileSync(out, 'utf8') + failed).slice(-2000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Merges one queued task's branch and moves the task on (done, or blocked on a conflict). */
export function mergeTask(deps: MergeDeps, branch: TaskBranch, title: string, project: string): MergeReport {
  const { store } = deps;
  const settings = projectOf(deps.config, project);
  let out;
  try {
    const scratch = worktreesDir(deps.workspace);
    ensureWorktreesDir(scratch);
    out = mergeBranch({
      repo: branch.repo, branch: branch.branch, base: branch.base, strategy: settings?.merge ?? 'rebase', scratch,
      taskId: branch.task_id, message: `steward: merge task #${branch.task_id}: ${title}\n\nSteward-Task: ${branch.task_id}\n`,
    });
  } catch (err) {
    out = { status: 'conflict' as const, files: [], detail: `the merge failed: ${toStewardError(err).message}` };
  }
  if (out.status === 'conflict') {
    blockMerge(store, { id: branch.task_id, files: out.files, detail: out.detail, ...(out.checkout ? { checkout: out.checkout } : {}) }, deps.ctx());
    return { id: branch.task_id, status: 'conflict', files: out.files };
  }
  const pruned = pruneAfterMerge(branch.repo, branch.worktree);
  finishMerge(store, { id: branch.task_id, commit: out.commit, pruned }, deps.ctx());
  const report: MergeReport = { id: branch.task_id, status: 'merged', commit: out.commit };
  if (settings?.push) {
    report.pushed = push(settings.push, branch);
    store.tx(() => logEvent(store, deps.ctx(), 'pushed', { task_id: branch.task_id }, null, report.pushed));
  }
  return report;
}

/** How mergeQueued waits for another process's merges (src/git/merge-lock.ts). */
export interface MergeWait {
  /** How long to wait for the merge lock (default 0: the tick's step does not wait; its next tick tries again). */
  waitMs?: number;
  /** Told who holds the lock when the wait for it begins. */
  onWait?: (holder: LockRecord) => void;
  /** Told who still held the lock when nothing was merged for it. */
  onBusy?: (holder: LockRecord) => void;
}

/**
 * Merges every queued branch whose task is in review (approved, or done without review), one process at a time per
 * host (the merge lock); one failure never stops the rest.
 */
export function mergeQueued(deps: MergeDeps, only?: number, wait: MergeWait = {}): MergeReport[] {
  const queued = () => queuedMerges(deps.store).filter(({ task }) => only === undefined || task.id === only);
  // Nothing to merge (most ticks): no lock taken, no write. Under the lock the queue is read again.
  if (queued().length === 0) return [];
  const held = withMergeLock(deps.store, () => deps.ctx().now, { waitMs: wait.waitMs ?? 0, ...(wait.onWait ? { onWait: wait.onWait } : {}) }, () => {
    const reports: MergeReport[] = [];
    for (const { branch, task } of queued()) {
      try {
        reports.push(mergeTask(deps, branch, task.title, task.project));
      } catch (err) {
        reports.push({ id: task.id, status: 'conflict', files: [`(error: ${toStewardError(err).message})`] });
      }
    }
    return reports;
  });
  if (held.ran) return held.value;
  wait.onBusy?.(held.holder);
  return [];
}
