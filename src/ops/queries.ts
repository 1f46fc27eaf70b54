// Reading the queue: list (pages with a cursor), show, and the working context a worker gets.
import { StewardError } from '../core/errors.js';
import { parseIdInput, parseListQuery } from '../core/fast-input.js';
import { mergeTimeline, type TimelineEntry } from '../core/timeline.js';
import type { Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { requireTask } from './transition.js';

export const DEFAULT_PAGE = 20;

function encodeCursor(t: Task): string {
  return Buffer.from(`${t.priority}:${t.id}`).toString('base64url');
}
function decodeCursor(cursor: string): { priority: number; id: number } {
  const m = /^(\d{1,3}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new StewardError('VALIDATION', 'invalid cursor: pass the next_cursor of the previous page', { cursor });
  return { priority: Number(m[1]), id: Number(m[2]) };
}

/** A page of tasks ordered by priority then id; `next_cursor` is null on the last page. */
export function listTasks(store: Store, input: unknown): { tasks: Task[]; next_cursor: string | null } {
  const q = parseListQuery(input ?? {});
  const limit = q.limit ?? DEFAULT_PAGE;
  const from = q.cursor ? decodeCursor(q.cursor) : { priority: -1, id: 0 };
  const rows = store.read(() =>
    store.tasks.page({
      statuses: q.status,
      project: q.project,
      type: q.type,
      agent: q.agent,
      afterPriority: from.priority,
      afterId: from.id,
      limit: limit + 1,
      archived: q.archived,
    }),
  );
  const tasks = rows.slice(0, limit);
  return { tasks, next_cursor: rows.length > limit ? encodeCursor(tasks[tasks.length - 1]!) : null };
}

/**
 * One task with its latest runs and its timeline (bounded): the events merged with the claims and completions its
 * run rows record (docs/DESIGN.md, "Audit").
 */
export function showTask(
  store: Store,
  input: unknown,
  limits = { runs: 5, events: 20 },
): { task: Task; runs: Run[]; events: TimelineEntry[] } {
  const q = parseIdInput(input, 'show');
  return store.read(() => {
    const task = requireTask(store, q.id);
    const runs = store.runs.forTask(q.id, Math.max(limits.runs, limits.events));
    return { task, runs: runs.slice(0, limits.runs), events: mergeTimeline(store.events.forTask(q.id, limits.events), runs, limits.events) };
  });
}

/** What a worker needs to do a task: dependency results, earlier errors, feedback, the question and answer. */
export interface TaskContext {
  dependencies: Array<{ id: number; title: string; result: string | null }>;
  earlier_attempts: Array<{ run_id: number; outcome: string | null; kind: string | null; error: string | null }>;
  feedback: string | null;
  question: string | null;
  answer: string | null;
}

export function taskContext(store: Store, task: Task): TaskContext {
  return store.read(() => ({
    dependencies: store.tasks.deps(task.id).map((id) => {
      const dep = store.tasks.get(id)!;
      return { id, title: dep.title, result: dep.result };
    }),
    earlier_attempts: store.runs
      .forTask(task.id, 6)
      .filter((r) => r.status === 'finished' && r.outcome !== 'completed')
      .slice(0, 5)
      .map((r) => ({ run_id: r.id, outcome: r.outcome, kind: r.failure_kind, error: r.error })),
    feedback: task.feedback,
    question: task.question,
    answer: task.answer,
  }));
}

/** The live run of a task, for `complete --task ID`: INVALID_TRANSITION when the task is not running. */
export function liveRunOfTask(store: Store, input: unknown): { task_id: number; run_id: number } {
  const q = parseIdInput(input, 'task');
  const task = store.read(() => requireTask(store, q.id));
  if (task.status !== 'running' || task.current_run_id === null) {
    throw new StewardError('INVALID_TRANSITION', `task #${task.id} has no live run: it is ${task.status}`, { id: task.id, from: task.status });
  }
  return { task_id: task.id, run_id: task.current_run_id };
}
