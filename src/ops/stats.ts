// `steward stats`: counts by state, throughput, failures by kind, cost and tokens, proposals by status.
import { TASK_STATES, type ProposalState, type TaskState } from '../core/states.js';
import type { Store } from '../store/open-store.js';
import type { RunTotals } from '../store/report-repo.js';

/** The numbers `steward stats` prints. */
export interface Stats {
  tasks: Record<TaskState, number>;
  throughput: {
    /** Tasks done in the last 24 hours. */
    done_24h: number;
    /** done_24h / 24. */
    per_hour: number;
    /** Tasks done in each of the last 24 hours, the most recent hour first. */
    hourly: number[];
  };
  failures: Record<string, number>;
  runs: RunTotals;
  proposals: Partial<Record<ProposalState, number>>;
  /** Agent profiles paused by a rate limit now: when they resume (ISO) and why. */
  paused: PausedAgent[];
}

/** An agent profile paused by a rate limit: no task of it starts before `until`. */
export interface PausedAgent {
  agent: string;
  until: string;
  reason: string;
}

/** The agent profiles paused at `now` (read inside the caller's transaction). */
export function pausedAgents(store: Store, now: number): PausedAgent[] {
  return store.agents.paused(now).map((p) => ({ agent: p.name, until: new Date(p.paused_until).toISOString(), reason: (p.reason ?? '').slice(0, 300) }));
}

/** Reads the queue's statistics at `now`. */
export function collectStats(store: Store, now: number): Stats {
  return store.read(() => {
    const counts = store.tasks.counts();
    const tasks = Object.fromEntries(TASK_STATES.map((s) => [s, counts[s] ?? 0])) as Record<TaskState, number>;
    const hourly = store.reports.doneByHour(now, 24);
    const done = hourly.reduce((a, b) => a + b, 0);
    const totals = store.reports.runTotals();
    return {
      tasks,
      throughput: { done_24h: done, per_hour: Math.round((done / 24) * 100) / 100, hourly },
      failures: store.reports.failureKinds(),
      runs: { ...totals, cost_usd: Math.round(totals.cost_usd * 1e6) / 1e6 },
      proposals: store.proposals.counts(),
      paused: pausedAgents(store, now),
    };
  });
}
