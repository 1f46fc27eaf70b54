// Budgets (pure): per-run caps, the usage they are checked against, and which cap a usage went over.
//
// Glossary
// - run caps: maxCostUsd, maxTokens, maxTurns, maxMinutes of one run (a task's own caps override its profile's).
// - usage: what a run used so far, as the CLI reports it in its stream (cost, tokens in/out, turns).
// - scope budget: caps per project, agent profile or the whole workspace over a day or a week (see budget-period.ts).

/** The caps one run may not pass (all optional: an unset cap is no cap). */
export interface RunCaps {
  maxCostUsd?: number;
  maxTokens?: number;
  maxTurns?: number;
  maxMinutes?: number;
}

/** The run cap names, in the order they are checked. */
export const RUN_CAP_NAMES = ['maxCostUsd', 'maxTokens', 'maxTurns', 'maxMinutes'] as const;
export type RunCapName = (typeof RUN_CAP_NAMES)[number];

/** A task's caps as its fields are spelled (snake_case, like max_attempts). */
export interface TaskBudget {
  max_cost_usd?: number;
  max_tokens?: number;
  max_turns?: number;
  max_minutes?: number;
}

/** Task field ↔ cap name. */
export const TASK_BUDGET_FIELDS: Readonly<Record<keyof TaskBudget, RunCapName>> = {
  max_cost_usd: 'maxCostUsd',
  max_tokens: 'maxTokens',
  max_turns: 'maxTurns',
  max_minutes: 'maxMinutes',
};

/** What a run used (each figure only when the CLI reported it). */
export interface Usage {
  cost_usd?: number;
  tokens_in?: number;
  tokens_out?: number;
  turns?: number;
}

/** A cap a run went over: which, the value it reached and the limit. */
export interface OverCap {
  cap: RunCapName;
  value: number;
  limit: number;
}

/** The caps that apply to a run: the task's where it sets one, else its profile's. */
export function effectiveCaps(profile: RunCaps | undefined, task: TaskBudget | null | undefined): RunCaps {
  const caps: RunCaps = {};
  for (const name of RUN_CAP_NAMES) if (profile?.[name] !== undefined) caps[name] = profile[name];
  for (const [field, name] of Object.entries(TASK_BUDGET_FIELDS) as Array<[keyof TaskBudget, RunCapName]>) {
    if (task?.[field] !== undefined && task[field] !== null) caps[name] = task[field];
  }
  return caps;
}

/** True when no cap is set. */
export function noCaps(caps: RunCaps): boolean {
  return RUN_CAP_NAMES.every((n) => caps[n] === undefined);
}

/** Tokens in plus out; undefined when the CLI reported neither. */
export function totalTokens(u: Usage): number | undefined {
  return u.tokens_in === undefined && u.tokens_out === undefined ? undefined : (u.tokens_in ?? 0) + (u.tokens_out ?? 0);
}

/**
 * Dollars in whole micro-dollars: costs are summed in binary floating point, where $0.70 + $0.10 is 0.7999999999999999
 * (under a $0.80 cap) and $0.10 + $0.20 is 0.30000000000000004 (over a $0.30 one); compared this way they are $0.80
 * and $0.30.
 */
export function microUsd(n: number): number {
  return Math.round(n * 1e6);
}

/**
 * The first cap `usage` (after `elapsedMs`) has reached, or undefined. A cap is reached at the limit, not only past
 * it: a run that used its whole allowance stops before it spends more.
 */
export function overCap(caps: RunCaps, usage: Usage, elapsedMs?: number): OverCap | undefined {
  const values: Record<RunCapName, number | undefined> = {
    maxCostUsd: usage.cost_usd,
    maxTokens: totalTokens(usage),
    maxTurns: usage.turns,
    maxMinutes: elapsedMs === undefined ? undefined : elapsedMs / 60_000,
  };
  for (const cap of RUN_CAP_NAMES) {
    const limit = caps[cap];
    const value = values[cap];
    if (limit === undefined || value === undefined) continue;
    if (cap === 'maxCostUsd' ? microUsd(value) >= microUsd(limit) : value >= limit) return { cap, value, limit };
  }
  return undefined;
}

/** "$0.0123", "12,345", "3.5" — a figure for a person. */
export function formatFigure(cap: RunCapName | 'maxRuns', n: number): string {
  if (cap === 'maxCostUsd') return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
  if (cap === 'maxMinutes') return `${Math.round(n * 10) / 10} min`;
  return Math.round(n).toLocaleString('en-US');
}

/** "over budget: maxTokens 1,500/1,000" — the text a blocked task carries. */
export function describeOverCap(o: OverCap): string {
  return `over budget: ${o.cap} ${formatFigure(o.cap, o.value)}/${formatFigure(o.cap, o.limit)}`;
}

/** The larger figure of two usages, field by field (a running meter never goes back). */
export function maxUsage(a: Usage, b: Usage): Usage {
  const out: Usage = {};
  for (const k of ['cost_usd', 'tokens_in', 'tokens_out', 'turns'] as const) {
    const v = a[k] === undefined ? b[k] : b[k] === undefined ? a[k] : Math.max(a[k], b[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
