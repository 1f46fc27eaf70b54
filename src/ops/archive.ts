// Archive and delete: a person's clean-up of finished tasks (done, failed, cancelled), each an audited event.
import { StewardError } from '../core/errors.js';
import { schemas } from '../core/input-schemas.js';
import { isTerminal } from '../core/states.js';
import type { OpContext, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { logEvent, requireTask } from './transition.js';

function requireFinished(task: Task, verb: string): void {
  if (!isTerminal(task.status)) {
    throw new StewardError('INVALID_TRANSITION', `cannot ${verb} task #${task.id}: it is ${task.status} (only a done, failed or cancelled task can be)`, {
      id: task.id,
      action: verb,
      from: task.status,
    });
  }
}

/** Archives a finished task: it keeps its runs and events but leaves TASKS.md and `list` (see `list --archived`). */
export function archiveTask(store: Store, input: unknown, ctx: OpContext): { task: Task; archived: boolean } {
  const q = schemas().parseInput(schemas().reasonInput, input, 'archive');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    requireFinished(task, 'archive');
    const archived = store.archive.archive(task.id, ctx.now, ctx.actor);
    if (archived) logEvent(store, ctx, 'archived', { task_id: task.id }, q.reason ?? null, { status: task.status });
    return { task, archived };
  });
}

/** Whether a task is archived (when and by whom), for `show`. */
export function archivedInfo(store: Store, id: number): { at: number; by: string } | undefined {
  return store.read(() => store.archive.get(id));
}

/**
 * Deletes a finished task and its runs for good; an event keeps who did it and what it was. Refused while another
 * task depends on it (its history would point at nothing): archive it instead.
 */
export function deleteTask(store: Store, input: unknown, ctx: OpContext): { task: Task; runs_deleted: number } {
  const q = schemas().parseInput(schemas().reasonInput, input, 'delete');
  return store.tx(() => {
    const task = requireTask(store, q.id);
    requireFinished(task, 'delete');
    const dependents = store.tasks.dependents(task.id);
    if (dependents.length) {
      const list = dependents.map((d) => `#${d}`).join(', ');
      throw new StewardError('CONFLICT', `cannot delete task #${task.id}: ${list} depend${dependents.length === 1 ? 's' : ''} on it (archive it instead)`, {
        id: task.id,
        dependents,
      });
    }
    // SQLite reuses the largest id of a table: deleting the newest task or run would give its id to the next one, and
    // a worker still holding the old run id (a remote worker's outbox, a babysitter not yet told) would heartbeat and
    // complete the new run; `after: [id]` of a schedule or a proposal would name the new task. Postgres never reuses.
    const frees = store.dialect === 'sqlite' ? store.archive.freesNewestId(task.id) : { task: false, run: null };
    if (frees.task || frees.run !== null) {
      const what = frees.task ? `#${task.id} is the newest task` : `its run ${frees.run} is the newest run`;
      throw new StewardError('CONFLICT', `cannot delete task #${task.id} yet: ${what}, and its id would go to the next one (a stale worker or reference would reach it); archive it, or delete it once a newer ${frees.task ? 'task' : 'run'} exists`, {
        id: task.id,
        newest: frees.task ? 'task' : 'run',
      });
    }
    const runsDeleted = store.archive.deleteTask(task.id);
    logEvent(store, ctx, 'deleted', { task_id: task.id }, q.reason ?? null, {
      title: task.title,
      project: task.project,
      status: task.status,
      runs: runsDeleted,
    });
    return { task, runs_deleted: runsDeleted };
  });
}
