// What needs a person now: reviews, questions, failures and dead letters, paused agents, inbox proposals.
import type { Proposal, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';

/** A task with the run that matters for it (its latest). */
export interface TaskWithRun {
  task: Task;
  run: Run | null;
}

/** Everything the "needs attention" view lists (each list bounded). */
export interface Attention {
  reviews: TaskWithRun[];
  questions: TaskWithRun[];
  dead: TaskWithRun[];
  /** Runs that failed or were lost in the last day (retries included), with their task. */
  failedRuns: Array<{ run: Run; task: Task | null }>;
  paused: Array<{ name: string; paused_until: number; reason: string | null }>;
  /** Profiles whose CLI refuses to start (a configuration problem a person must fix). */
  misconfigured: Array<{ name: string; error: string; at: number }>;
  proposals: Proposal[];
  counts: { reviews: number; questions: number; dead: number; proposals: number };
}

const LIST = 50;

function withLatestRun(store: Store, tasks: Task[]): TaskWithRun[] {
  return tasks.map((task) => ({ task, run: store.runs.forTask(task.id, 1)[0] ?? null }));
}

/** Reads what needs attention at `now`. */
export function readAttention(store: Store, now: number): Attention {
  return store.read(() => {
    const counts = store.tasks.counts();
    const failedRuns = store.web.failedRuns(now - 86_400_000, 20);
    const tasks = new Map(store.tasks.many([...new Set(failedRuns.map((r) => r.task_id))]).map((t) => [t.id, t]));
    return {
      reviews: withLatestRun(store, store.web.inState('review', LIST)),
      questions: withLatestRun(store, store.web.questions(LIST)),
      dead: withLatestRun(store, store.web.inState('failed', 20)),
      failedRuns: failedRuns.map((run) => ({ run, task: tasks.get(run.task_id) ?? null })),
      paused: store.agents.paused(now),
      misconfigured: store.agents.misconfigured(),
      proposals: store.proposals.byStatus('new', LIST),
      counts: {
        reviews: counts.review ?? 0,
        questions: counts.blocked ?? 0,
        dead: counts.failed ?? 0,
        proposals: store.proposals.counts().new ?? 0,
      },
    };
  });
}
