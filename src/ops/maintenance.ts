// The two tick steps that need no files: reap lost runs, promote and block by dependencies.
import { handOffExpiredReason, handOffNotStarted } from '../core/handoff.js';
import type { OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { applyFailure } from './runs.js';
import { transition } from './transition.js';

export interface ReapResult {
  lost: Array<{ run_id: number; task_id: number; to: Task['status']; reason: string; run: Run }>;
  /** Hand-offs (dispatch: openclaw) whose lease ended before any babysitter took them: back to ready, no strike. */
  unstarted: Array<{ run_id: number; task_id: number; to: Task['status']; reason: string }>;
}

/**
 * A hand-off nobody started (no process was ever recorded on it, so its coding CLI never ran): the run ends
 * `superseded` and the task goes back to ready at once with no strike (event `handoff_expired`). False when a
 * babysitter took the run meanwhile (then it is reaped as lost, as any run whose lease ended).
 */
function returnUnstarted(store: Store, run: Run, ctx: OpContext): { task: Task; reason: string } | false | undefined {
  const reason = handOffExpiredReason(run);
  const patch = { status: 'finished' as const, outcome: 'superseded' as const, failure_kind: null, finished_at: ctx.now, error: reason };
  if (store.runs.updateIfNoProcess(run.id, patch) !== 1) return false;
  const task = store.tasks.get(run.task_id);
  if (!task || task.status !== 'running' || task.current_run_id !== run.id) return undefined;
  const next = transition(store, task, 'retry', 'ready', { current_run_id: null, run_after: ctx.now }, ctx, {
    kind: 'handoff_expired', run_id: run.id, reason, data: { attempts: task.attempts, hand_off_lease_seconds: Math.round(run.lease_ms / 1000) },
  });
  return { task: next, reason };
}

/**
 * Marks runs lost whose lease expired (or that `isDead` says have no live process); strikes their tasks. A hand-off
 * whose lease expired before any babysitter took it is not lost but returned (returnUnstarted): nothing ran.
 */
export function reapRuns(store: Store, ctx: OpContext, isDead: (run: Run) => boolean = () => false): ReapResult {
  return store.tx(() => {
    const lost: ReapResult['lost'] = [];
    const unstarted: ReapResult['unstarted'] = [];
    for (const run of store.runs.running()) {
      const expired = run.lease_expires_at <= ctx.now;
      if (!expired && !isDead(run)) continue;
      if (expired && handOffNotStarted(run)) {
        const back = returnUnstarted(store, run, ctx);
        if (back) unstarted.push({ run_id: run.id, task_id: run.task_id, to: back.task.status, reason: back.reason });
        if (back !== false) continue;
      }
      const reason = expired ? 'lease expired without a heartbeat' : 'worker process is gone';
      store.runs.update(run.id, { status: 'finished', outcome: 'lost', failure_kind: 'lost', finished_at: ctx.now, error: reason }, true);
      const task = store.tasks.get(run.task_id);
      if (!task || task.status !== 'running' || task.current_run_id !== run.id) continue;
      const next = applyFailure(store, task, run, 'lost', `run ${run.id} lost: ${reason}`, ctx);
      lost.push({ run_id: run.id, task_id: task.id, to: next.status, reason, run });
    }
    return { lost, unstarted };
  });
}

export interface PromoteResult {
  promoted: number[];
  blocked: number[];
  unblocked: number[];
}

/** pending → ready when dependencies are done; → blocked when one failed or was cancelled; unblock when it came back. */
export function promoteTasks(store: Store, ctx: OpContext): PromoteResult {
  return store.tx(() => {
    const result: PromoteResult = { promoted: [], blocked: [], unblocked: [] };
    for (const task of store.tasks.unblockable()) {
      transition(store, task, 'unblock', 'pending', { blocked_kind: null, error: null }, ctx, {
        kind: 'unblocked',
        reason: 'the dependency that blocked it is back in the queue',
      });
      result.unblocked.push(task.id);
    }
    for (const { id, dep, dep_status } of store.tasks.withDeadDeps()) {
      const task = store.tasks.get(id)!;
      const reason = `dependency #${dep} ${dep_status}`;
      transition(store, task, 'block', 'blocked', { blocked_kind: 'dependency', error: reason, question: null }, ctx, {
        kind: 'blocked',
        reason,
        data: { dependency: dep },
      });
      result.blocked.push(id);
    }
    for (const task of store.tasks.promotable(ctx.now)) {
      transition(store, task, 'promote', 'ready', {}, ctx, { kind: 'promoted' });
      result.promoted.push(task.id);
    }
    return result;
  });
}
