// The one way operations change a task's state: table check, compare-and-swap, audit event.
import { StewardError } from '../core/errors.js';
import { assertTransition, type TaskAction, type TaskState } from '../core/states.js';
import type { OpContext, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';

export interface TransitionEvent {
  kind: string;
  reason?: string | null;
  run_id?: number | null;
  data?: unknown;
}

/**
 * Moves `task` to `to` by `action` with `patch`, inside the caller's transaction; returns the new task.
 * `write` is the compare-and-swap: by default the generic update of `patch`; the hot transitions (claim, complete)
 * pass their fixed statement, which must write exactly `patch`, `status`, `updated_at` and the event chain's head.
 * `event` null: no event row (a claim and a completion to done, whose audit record is the run row; docs/DESIGN.md).
 */
export function transition(
  store: Store,
  task: Task,
  action: TaskAction,
  to: TaskState,
  patch: Partial<Task>,
  ctx: OpContext,
  event: TransitionEvent | null,
  write?: (eventId: number | null) => number,
): Task {
  assertTransition(action, task.status, to, task.id);
  // The event goes in first so the task's own update can make it the head of the task's event chain.
  const eventId = event && store.events.append({
    at: ctx.now,
    actor: ctx.actor,
    kind: event.kind,
    task_id: task.id,
    run_id: event.run_id ?? null,
    proposal_id: null,
    from_status: task.status,
    to_status: to,
    reason: event.reason ?? null,
    data: event.data ?? null,
  });
  const changed = write
    ? write(eventId)
    : store.tasks.update(task.id, { ...patch, status: to, updated_at: ctx.now, ...(eventId ? { last_event_id: eventId } : {}) }, task.status);
  if (changed !== 1) {
    throw new StewardError('CONFLICT', `task #${task.id} changed while it was being updated`, { id: task.id });
  }
  return { ...task, ...patch, status: to, updated_at: ctx.now };
}

/** Appends an event that is not a task state change (proposals, late results, edits). */
export function logEvent(
  store: Store,
  ctx: OpContext,
  kind: string,
  refs: { task_id?: number | null; run_id?: number | null; proposal_id?: number | null },
  reason?: string | null,
  data?: unknown,
): void {
  store.events.add({
    at: ctx.now,
    actor: ctx.actor,
    kind,
    task_id: refs.task_id ?? null,
    run_id: refs.run_id ?? null,
    proposal_id: refs.proposal_id ?? null,
    from_status: null,
    to_status: null,
    reason: reason ?? null,
    data: data ?? null,
  });
}

/** Loads a task or throws NOT_FOUND. */
export function requireTask(store: Store, id: number): Task {
  const task = store.tasks.get(id);
  if (!task) throw new StewardError('NOT_FOUND', `no task #${id}`, { id });
  return task;
}

/** Promotes a pending task at once when its dependencies are done and its time has come. */
export function settle(store: Store, task: Task, ctx: OpContext): Task {
  if (task.status !== 'pending' || task.run_after > ctx.now) return task;
  const deps = store.tasks.deps(task.id);
  for (const dep of deps) {
    if (store.tasks.get(dep)?.status !== 'done') return task;
  }
  return transition(store, task, 'promote', 'ready', {}, ctx, { kind: 'promoted' });
}
