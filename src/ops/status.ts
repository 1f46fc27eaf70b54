// What a person needs on one screen: what runs now, what is paused, what waits for them, what retries next.
import type { Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { WaitingTask } from '../store/report-repo.js';
import { listTasks } from './queries.js';

/** One live run with its task. */
export interface RunningNow {
  run_id: number;
  task_id: number;
  title: string;
  agent: string;
  started_at: number;
  elapsed_ms: number;
  lease_expires_at: number;
  log_path: string | null;
}

/** The queue part of `steward status` (the CLI adds `up` and each run's last output line). */
export interface QueueStatus {
  running: RunningNow[];
  paused: Array<{ name: string; paused_until: number; reason: string | null }>;
  review: Task[];
  questions: Task[];
  failed: Task[];
  retries: WaitingTask[];
}

/** Collects the status at `now`; each list is capped at `limit` rows. */
export function collectStatus(store: Store, now: number, limit = 20): QueueStatus {
  const page = (status: string) => listTasks(store, { status, limit }).tasks;
  return store.read(() => {
    const runs = store.runs.running().slice(0, limit);
    const tasks = new Map(store.tasks.many(runs.map((r) => r.task_id)).map((t) => [t.id, t]));
    return {
      running: runs.map((r) => ({
        run_id: r.id,
        task_id: r.task_id,
        title: tasks.get(r.task_id)?.title ?? '',
        agent: r.agent,
        started_at: r.started_at,
        elapsed_ms: Math.max(0, now - r.started_at),
        lease_expires_at: r.lease_expires_at,
        log_path: r.log_path,
      })),
      paused: store.agents.paused(now),
      review: page('review'),
      questions: page('blocked'),
      failed: page('failed'),
      retries: store.reports.waiting(now, limit),
    };
  });
}
