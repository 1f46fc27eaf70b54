// `steward stats --cost`: spend, tokens, runs, success rate and median duration, grouped by project, type, agent or day.
import { periodBounds, periodLabel } from '../core/budget-period.js';
import { median } from '../core/budget-scope.js';
import type { Store } from '../store/open-store.js';
import type { CostRun } from '../store/budget-repo.js';

/** How `stats --cost` groups runs. */
export const COST_GROUPS = ['project', 'type', 'agent', 'day'] as const;
export type CostGroup = (typeof COST_GROUPS)[number];

/** One group's figures. */
export interface CostRow {
  key: string;
  runs: number;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
  /** Completed runs / finished runs (null while none finished). */
  success_rate: number | null;
  /** Median wall time of the finished runs, ms (null while none finished). */
  median_duration_ms: number | null;
}

/** The report: rows by descending cost (days: newest first), and the totals. */
export interface CostReport {
  by: CostGroup;
  since: string | null;
  rows: CostRow[];
  total: CostRow;
}

function summarize(key: string, runs: CostRun[]): CostRow {
  const finished = runs.filter((r) => r.finished_at !== null && r.outcome !== null);
  const completed = finished.filter((r) => r.outcome === 'completed').length;
  const sum = (f: (r: CostRun) => number | null) => runs.reduce((a, r) => a + (f(r) ?? 0), 0);
  return {
    key,
    runs: runs.length,
    cost_usd: Math.round(sum((r) => r.cost_usd) * 1e6) / 1e6,
    tokens_in: sum((r) => r.tokens_in),
    tokens_out: sum((r) => r.tokens_out),
    success_rate: finished.length ? Math.round((completed / finished.length) * 1000) / 1000 : null,
    median_duration_ms: median(finished.map((r) => r.finished_at! - r.started_at)) ?? null,
  };
}

/** Groups every run started since `since` (ms; 0 = all) by `by`; days are counted in `tz`. */
export function costReport(store: Store, by: CostGroup, options: { since?: number; tz?: string } = {}): CostReport {
  const since = options.since ?? 0;
  const tz = options.tz ?? 'UTC';
  const runs = store.read(() => store.budgets.costRuns(since));
  const groups = new Map<string, CostRun[]>();
  for (const r of runs) {
    const key = by === 'day' ? periodLabel(periodBounds(r.started_at, 'day', tz).start, 'day', tz) : r[by];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const rows = [...groups.entries()].map(([key, g]) => summarize(key, g));
  rows.sort(by === 'day' ? (a, b) => (a.key < b.key ? 1 : -1) : (a, b) => b.cost_usd - a.cost_usd || b.runs - a.runs || (a.key < b.key ? -1 : 1));
  return { by, since: since ? new Date(since).toISOString() : null, rows, total: summarize('total', runs) };
}
