// A person's (or the triage agent's) verbs on a task: cancel, requeue, approve, changes, answer, done, edit.
import { StewardError } from '../core/errors.js';
import {
  answerInput,
  changesInput,
  editInput,
  parseInput,
  reasonInput,
} from '../core/schemas.js';
import type { OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { awaitsMerge, queueMergeInTx } from './branches.js';
import { spawnFollowUps } from './create-task.js';
import { editTaskBudget } from './task-budget.js';
import { logEvent, requireTask, settle, transition } from './transition.js';

/** A run that was live when its task was moved on: the caller may kill its process group. */
export interface StoppedRun {
  id: number;
  host: string | null;
  pid: number | null;
  pgid: number | null;
}

/** Finishes the task's live run (if any) with `outcome`, so its worker gets LEASE_LOST. */
function stopCurrentRun(store: Store, task: Task, outcome: Run['outcome'], ctx: OpContext): StoppedRun | null {
  if (task.current_run_id === null) return null;
  const run = store.runs.get(task.current_run_id);
  if (!run || run.status !== 'running') return null;
  store.runs.update(run.id, { status: 'finished', outcome, finished_at: ctx.now }, true);
  return { id: run.id, host: run.host, pid: run.pid, pgid: run.pgid };
}

/** Cancels any non-terminal task; a running one's run is finished as cancelled (its worker must kill the child). */
export function cancelTask(store: Store, input: unknown, ctx: OpContext): { task: Task; stopped: StoppedRun | null } {
  const q = parseInput(reasonInput, input, 'cancel');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    const stopped = task.status === 'running' ? stopCurrentRun(store, task, 'cancelled', ctx) : null;
    const next = transition(store, task, 'cancel', 'cancelled', { current_run_id: null, finished_at: ctx.now }, ctx, {
      kind: 'cancelled',
      reason: q.reason ?? null,
      run_id: stopped?.id ?? null,
    });
    return { task: next, stopped };
  });
}

/** Puts a failed or cancelled task back in the queue with its strikes reset. */
export function requeueTask(store: Store, input: unknown, ctx: OpContext): { task: Task } {
  const q = parseInput(reasonInput, input, 'requeue');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    const patch = { attempts: 0, run_after: 0, finished_at: null, error: task.error };
    const next = transition(store, task, 'requeue', 'pending', patch, ctx, { kind: 'requeued', reason: q.reason ?? null });
    store.archive.unarchive(task.id); // live again: back on the board and in `list`
    return { task: settle(store, next, ctx) };
  });
}

/**
 * Approves a task in review: done, follow-ups spawn. A task whose changes are on a branch not yet merged stays in
 * review with its merge queued (`merge: 'queued'`); the merge step makes it done, or blocked on a conflict.
 */
export function approveTask(store: Store, input: unknown, ctx: OpContext): { task: Task; spawned: Task[]; merge?: 'queued' } {
  const q = parseInput(reasonInput, input, 'approve');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    if (task.status === 'review' && awaitsMerge(store, task.id)) {
      queueMergeInTx(store, task.id, ctx);
      logEvent(store, ctx, 'merge_queued', { task_id: task.id }, q.reason ?? null);
      return { task, spawned: [], merge: 'queued' as const };
    }
    const next = transition(store, task, 'approve', 'done', { finished_at: ctx.now }, ctx, {
      kind: 'approved',
      reason: q.reason ?? null,
    });
    return { task: next, spawned: spawnFollowUps(store, next, ctx) };
  });
}

/** Sends a task in review back for another attempt, with the reviewer's feedback kept for it. */
export function requestChanges(store: Store, input: unknown, ctx: OpContext): { task: Task } {
  const q = parseInput(changesInput, input, 'changes');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    const branch = store.branches.get(task.id);
    if (branch?.state === 'queued') store.branches.put({ ...branch, state: 'open', updated_at: ctx.now });
    const next = transition(store, task, 'changes', 'ready', { feedback: q.feedback, run_after: 0 }, ctx, {
      kind: 'changes_requested',
      reason: q.feedback,
    });
    return { task: next };
  });
}

/** Answers a blocked task's question; it becomes ready (or pending if dependencies are not done); a merge conflict goes back to the merge. */
export function answerTask(store: Store, input: unknown, ctx: OpContext): { task: Task } {
  const q = parseInput(answerInput, input, 'answer');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    if (task.status === 'blocked' && task.blocked_kind === 'dependency') {
      throw new StewardError(
        'INVALID_TRANSITION',
        // The dependency is failed or cancelled (terminal): requeue is all it takes; only this task can still be cancelled.
        `task #${task.id} is blocked by a dependency (${task.error ?? 'failed'}); requeue that dependency, or cancel task #${task.id}`,
        { id: task.id, action: 'answer', from: task.status },
      );
    }
    if (task.status === 'blocked' && task.blocked_kind === 'merge') {
      // The person resolved the conflict on the branch (or wants another try): back to review, merge queued again.
      queueMergeInTx(store, task.id, ctx);
      const held = transition(store, task, 'answer', 'review', { answer: q.text, blocked_kind: null }, ctx, { kind: 'answered', reason: q.text });
      return { task: held };
    }
    const pending = transition(store, task, 'answer', 'pending', { answer: q.text, blocked_kind: null, run_after: 0 }, ctx, {
      kind: 'answered',
      reason: q.text,
    });
    return { task: settle(store, pending, ctx) };
  });
}

/** Marks a task done by hand (a person's override, e.g. TASKS.md `[x]`); a live run is superseded. */
export function markDone(store: Store, input: unknown, ctx: OpContext): { task: Task; stopped: StoppedRun | null; spawned: Task[] } {
  const q = parseInput(reasonInput, input, 'done');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    const stopped = task.status === 'running' ? stopCurrentRun(store, task, 'superseded', ctx) : null;
    const result = task.result ?? `marked done by ${ctx.actor}`;
    const next = transition(store, task, 'force_done', 'done', { current_run_id: null, finished_at: ctx.now, result }, ctx, {
      kind: 'done_by_hand',
      reason: q.reason ?? null,
      run_id: stopped?.id ?? null,
    });
    return { task: next, stopped, spawned: spawnFollowUps(store, next, ctx) };
  });
}

/** Fields a running task's run was started with or finishes by: editing them mid-run needs `force`. */
export const RUN_BOUND_FIELDS = ['goal', 'type', 'project', 'verify', 'review'] as const;

/**
 * Edits a task's fields; `after` may change only while pending and never forms a cycle; a running task keeps
 * what its run depends on unless `force`.
 */
export function editTask(store: Store, input: unknown, ctx: OpContext): { task: Task } {
  const q = parseInput(editInput, input, 'edit');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    const { id, after, force, max_cost_usd, max_tokens, max_turns, max_minutes, ...fields } = q;
    const budgetChanged = editTaskBudget(store, id, { max_cost_usd, max_tokens, max_turns, max_minutes });
    const patch: Partial<Task> = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const bound = RUN_BOUND_FIELDS.filter((f) => f in patch && JSON.stringify(patch[f]) !== JSON.stringify(task[f]));
    if (task.status === 'running' && bound.length && !force) {
      throw new StewardError(
        'INVALID_TRANSITION',
        `cannot edit ${bound.join(', ')} of task #${id} while it runs (run ${task.current_run_id} started without the change); wait, cancel it, or force`,
        { id, action: 'edit', from: task.status, fields: bound },
      );
    }
    if (after !== undefined) {
      if (task.status !== 'pending') {
        throw new StewardError('INVALID_TRANSITION', `cannot change dependencies of task #${id}: it is ${task.status}`, {
          id,
          action: 'edit',
          from: task.status,
        });
      }
      for (const dep of after) {
        if (!store.tasks.get(dep)) throw new StewardError('NOT_FOUND', `dependency #${dep} does not exist`, { id: dep });
        if (store.tasks.reaches([dep], id)) {
          throw new StewardError('CYCLE', `#${id} after #${dep} would form a cycle`, { id, after: dep });
        }
      }
      patch.after = [...new Set(after)];
      store.tasks.setDeps(id, patch.after);
    }
    const changed = [
      ...Object.keys(patch).filter((k) => JSON.stringify(patch[k as keyof Task]) !== JSON.stringify(task[k as keyof Task])),
      ...budgetChanged,
    ];
    if (changed.length === 0) return { task };
    store.tasks.update(id, { ...patch, updated_at: ctx.now });
    logEvent(store, ctx, 'edited', { task_id: id }, null, { fields: changed });
    return { task: settle(store, requireTask(store, id), ctx) };
  });
}
