// Figures for the web board: each agent profile's load and spend today, and the queue over the last days.
import type { Store } from '../store/open-store.js';
import { collectStats, type Stats } from './stats.js';

const DAY = 86_400_000;

/** One agent profile as the agents view shows it. */
export interface AgentFigures {
  name: string;
  running: number;
  /** maxConcurrent of the profile; null for an agent only tasks name. */
  max: number | null;
  paused_until: number | null;
  paused_reason: string | null;
  /** Why its CLI refuses to start (until a run of it gets past start-up), or null. */
  config_error: string | null;
  /** Runs of the last 24 hours by outcome. */
  outcomes: Record<string, number>;
  cost_today: number;
}

/** Every configured profile, plus any agent that ran or was paused without one. */
export function readAgentFigures(store: Store, now: number, profiles: Record<string, { maxConcurrent: number }>): AgentFigures[] {
  return store.read(() => {
    const byName = new Map<string, AgentFigures>();
    const get = (name: string) => {
      let a = byName.get(name);
      if (!a) {
        a = { name, running: 0, max: profiles[name]?.maxConcurrent ?? null, paused_until: null, paused_reason: null, config_error: null, outcomes: {}, cost_today: 0 };
        byName.set(name, a);
      }
      return a;
    };
    for (const name of Object.keys(profiles)) get(name);
    for (const r of store.runs.runningCounts()) get(r.agent).running += r.n;
    for (const p of store.agents.paused(now)) Object.assign(get(p.name), { paused_until: p.paused_until, paused_reason: p.reason });
    for (const m of store.agents.misconfigured()) get(m.name).config_error = m.error;
    for (const r of store.web.agentOutcomes(now - DAY)) {
      const a = get(r.agent);
      if (r.outcome !== 'running') a.outcomes[r.outcome] = (a.outcomes[r.outcome] ?? 0) + r.n;
    }
    const midnight = Math.floor(now / DAY) * DAY;
    for (const r of store.web.agentOutcomes(midnight)) get(r.agent).cost_today += r.cost;
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  });
}

/** One UTC day of the metrics view. */
export interface DayFigures {
  day: string;
  done: number;
  runs: number;
  failed: number;
  cost: number;
}

export interface QueueFigures {
  stats: Stats;
  days: DayFigures[];
  failureKinds: Array<{ kind: string; n: number }>;
  costByProjectType: Array<{ project: string; type: string; cost: number; tokens: number; runs: number }>;
  /** Spend per project and UTC day (YYYY-MM-DD), newest day first. */
  spendByProjectDay: Array<{ project: string; day: string; runs: number; cost: number; tokens: number }>;
}

/** Throughput, failures and cost over the last `days` UTC days (today last). */
export function readQueueFigures(store: Store, now: number, days = 14): QueueFigures {
  const stats = collectStats(store, now);
  return store.read(() => {
    const today = Math.floor(now / DAY);
    const since = (today - days + 1) * DAY;
    const done = store.web.doneByDay(since);
    const runs = store.web.runsByDay(since);
    const out: DayFigures[] = [];
    for (let d = today - days + 1; d <= today; d++) {
      const r = runs.get(d);
      out.push({ day: new Date(d * DAY).toISOString().slice(0, 10), done: done.get(d) ?? 0, runs: r?.runs ?? 0, failed: r?.failed ?? 0, cost: r?.cost ?? 0 });
    }
    const spendByProjectDay = store.web.spendByProjectDay(since).map((r) => ({ ...r, day: new Date(r.day * DAY).toISOString().slice(0, 10) }));
    return { stats, days: out, failureKinds: store.web.failureKinds(since), costByProjectType: store.web.costByProjectType(since), spendByProjectDay };
  });
}
