// Coding tasks in git worktrees (docs/WORKTREES.md): what the babysitter, the tick and the CLI call.
import { toStewardError } from '../core/errors.js';
import type { OpContext, Run, Task } from '../core/types.js';
import { closeRunWorkdir, type RunWorkdir } from './run-workdir.js';
import { mergeQueued, type MergeDeps } from './merge-task.js';
import type { LockRecord } from '../tick/tick-lock.js';

export { openRunWorkdir, closeRunWorkdir, worktreesDir, baseBranchOf, worktreeReason, type RunWorkdir } from './run-workdir.js';
export { mergeQueued, mergeTask, type MergeDeps, type MergeReport } from './merge-task.js';
export { mergeBranch, type MergeOutcome } from './merge-back.js';

type Decision = { verb: string; input?: Record<string, unknown>; why?: string };

/** Bytes of file names the evidence names at most: a path may be 4 KiB, and the evidence must stay under its limit. */
const EVIDENCE_FILES_BYTES = 64 * 1024;

/** The changed files the outcome's evidence names: the first 200, as many as fit in EVIDENCE_FILES_BYTES. */
function evidenceFiles(files: string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const file of files.slice(0, 200)) {
    bytes += Buffer.byteLength(JSON.stringify(file)) + 1;
    if (bytes > EVIDENCE_FILES_BYTES) break;
    out.push(file);
  }
  return out;
}

/**
 * The babysitter's end-of-run hook: commits what the run left in its worktree (never lost, whatever the outcome) and
 * adds `git: {branch, commit, files}` to the outcome's evidence. A git failure is logged, never fatal to the run; it
 * turns a completion into `needs_input` (the task blocks): its work is not on the branch, merging it would merge nothing.
 */
export function endRunWorkdir(
  o: { store: MergeDeps['store']; task: Task; run: Run; ctx: () => OpContext },
  wd: RunWorkdir,
  decision: Decision,
  log: (line: string) => void,
): void {
  if (!wd.isolated) return;
  const input = decision.input ?? {};
  const outcome = decision.verb === 'complete' ? 'completed' : decision.verb === 'fail' ? `failed: ${String(input.kind)}` : `stopped: ${decision.why ?? 'no longer live'}`;
  const summary = typeof input.summary === 'string' ? input.summary : typeof input.error === 'string' ? input.error : undefined;
  try {
    const closed = closeRunWorkdir(o, wd, { outcome, summary });
    if (!closed) return;
    log(`git: ${closed.commit ? `committed ${closed.commit.slice(0, 12)}` : 'nothing to commit'} on ${wd.branch}; the run changed ${closed.files.length} file(s)`);
    if (decision.input) {
      const evidence = (typeof input.evidence === 'object' && input.evidence) || {};
      input.evidence = { ...evidence, git: { branch: wd.branch, base: wd.base, commit: closed.commit, files: evidenceFiles(closed.files) } };
    }
  } catch (err) {
    const why = `could not commit the run's changes in ${wd.worktree} (${toStewardError(err).message}); the worktree is kept as it is`;
    log(`git: ${why}`);
    // Its work is not on the branch: a completion would merge nothing and call the task done. A person decides instead.
    if (decision.verb === 'complete') {
      const { summary: _summary, artifacts: _artifacts, ...report } = input;
      decision.verb = 'fail';
      decision.input = { ...report, kind: 'needs_input', error: `the run completed but steward ${why}`, question: `The run completed but steward ${why}. Put its work on the branch, then answer this task.` };
    }
  }
}

/** How long a babysitter waits for another process's merges before it leaves its task's merge to the next tick. */
export const MERGE_AFTER_RUN_WAIT_MS = 120_000;

/** After a completion that waits for its merge (done without review): merge now; returns the task's new status. */
export function mergeAfterRun(deps: MergeDeps, taskId: number, log: (line: string) => void, waitMs = MERGE_AFTER_RUN_WAIT_MS): string | undefined {
  try {
    const onWait = (holder: LockRecord) => log(`git: waiting for another process's merge (${holder.owner}) before this task's`);
    const onBusy = (holder: LockRecord) => log(`git: another process (${holder.owner}) is still merging; the next tick merges this task`);
    const [report] = mergeQueued(deps, taskId, { waitMs, onWait, onBusy });
    if (!report) return undefined;
    log(report.status === 'merged' ? `git: merged at ${report.commit?.slice(0, 12)}` : `git: merge conflict in ${(report.files ?? []).join(', ') || '(no file named)'}`);
    return deps.store.read(() => deps.store.tasks.get(taskId)?.status);
  } catch (err) {
    log(`git: the merge failed (${toStewardError(err).message}); the next tick tries again`);
    return undefined;
  }
}
export { taskDiff, type TaskDiff, type DiffFile } from './diff.js';
