// One task in full for the web board: its dependencies, dependents and follow-ups, every run, the event timeline.
import { idInput, parseInput } from '../core/schemas.js';
import { mergeTimeline, type TimelineEntry } from '../core/timeline.js';
import type { Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { requireTask } from './transition.js';

/** A linked task, as the detail page shows it. */
export interface TaskLink {
  id: number;
  title: string;
  status: Task['status'];
}

export interface TaskDetail {
  task: Task;
  dependencies: TaskLink[];
  dependents: TaskLink[];
  followUps: TaskLink[];
  parent: TaskLink | null;
  runs: Run[];
  /** The timeline: events merged with the claims and completions the runs record. */
  events: TimelineEntry[];
}

const link = (t: Task): TaskLink => ({ id: t.id, title: t.title, status: t.status });

/** Reads task `id` with up to `limits` runs and timeline entries (newest first). */
export function readTaskDetail(store: Store, input: unknown, limits = { runs: 50, events: 200 }): TaskDetail {
  const { id } = parseInput(idInput, input, 'task');
  return store.read(() => {
    const task = requireTask(store, id);
    const parent = task.parent_id === null ? undefined : store.tasks.get(task.parent_id);
    const runs = store.runs.forTask(id, Math.max(limits.runs, limits.events));
    return {
      task,
      dependencies: store.tasks.many(store.tasks.deps(id)).map(link),
      dependents: store.tasks.many(store.tasks.dependents(id).slice(0, 100)).map(link),
      followUps: store.web.children(id).map(link),
      parent: parent ? link(parent) : null,
      runs: runs.slice(0, limits.runs),
      events: mergeTimeline(store.events.forTask(id, limits.events), runs, limits.events),
    };
  });
}

/** A run (for its log), or undefined. */
export function readRun(store: Store, runId: number): Run | undefined {
  return store.read(() => store.runs.get(runId));
}
