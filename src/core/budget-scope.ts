// Scope budgets (pure): what a project, an agent profile or the whole workspace spent this day or week, and
// whether another run still fits.
import { periodBounds, periodLabel, type BudgetPeriod } from './budget-period.js';
import { formatFigure, microUsd } from './budget.js';

/** One configured cap: a scope (global, project:NAME, agent:NAME), a period and at least one limit. */
export interface ScopeLimit {
  scope: string;
  period: BudgetPeriod;
  maxCostUsd?: number;
  maxTokens?: number;
  maxRuns?: number;
}

/** Spend of the runs started in a period, per agent profile and project. */
export interface SpendRow {
  agent: string;
  project: string;
  runs: number;
  cost_usd: number;
  tokens: number;
}

/** Cost, tokens and runs (a spend, a limit's remainder, or an estimate). */
export interface Spend {
  cost_usd: number;
  tokens: number;
  runs: number;
}

/** A scope budget now: what it allows, what was used this period, and the cap it reached (if any). */
export interface ScopeState {
  scope: string;
  period: BudgetPeriod;
  /** "2026-12-04" or "week of 2026-11-30" in the budget time zone. */
  label: string;
  start: number;
  /** When the period ends and dispatch in the scope resumes. */
  end: number;
  limit: { maxCostUsd?: number; maxTokens?: number; maxRuns?: number };
  used: Spend;
  /** The first cap reached ("maxCostUsd" …), or null while there is room. */
  reached: 'maxCostUsd' | 'maxTokens' | 'maxRuns' | null;
}

/** An estimate of one run (medians of the profile's past runs of the task type); unknown figures are absent. */
export interface RunEstimate {
  cost_usd?: number;
  tokens?: number;
}

/** `global`, `project:NAME` or `agent:NAME`, parsed. */
export type ParsedScope = { kind: 'global' } | { kind: 'project' | 'agent'; name: string };

/** Parses a scope string; undefined when it is none of the three forms. */
export function parseScope(scope: string): ParsedScope | undefined {
  if (scope === 'global') return { kind: 'global' };
  const m = /^(project|agent):(.+)$/.exec(scope);
  return m ? { kind: m[1] as 'project' | 'agent', name: m[2]! } : undefined;
}

/** True when a run of `agent` in `project` counts against `scope`. */
export function inScope(scope: ParsedScope, agent: string, project: string): boolean {
  return scope.kind === 'global' || (scope.kind === 'agent' ? scope.name === agent : scope.name === project);
}

/** Sums the rows that fall in a scope. */
function spendIn(scope: ParsedScope, rows: readonly SpendRow[]): Spend {
  const out: Spend = { cost_usd: 0, tokens: 0, runs: 0 };
  for (const r of rows) {
    if (!inScope(scope, r.agent, r.project)) continue;
    out.cost_usd += r.cost_usd;
    out.tokens += r.tokens;
    out.runs += r.runs;
  }
  return out;
}

/** The first cap `used` has reached, or null. */
function reachedCap(limit: ScopeState['limit'], used: Spend): ScopeState['reached'] {
  if (limit.maxCostUsd !== undefined && microUsd(used.cost_usd) >= microUsd(limit.maxCostUsd)) return 'maxCostUsd';
  if (limit.maxTokens !== undefined && used.tokens >= limit.maxTokens) return 'maxTokens';
  if (limit.maxRuns !== undefined && used.runs >= limit.maxRuns) return 'maxRuns';
  return null;
}

/**
 * Every configured scope budget at `now`: `spendSince(start)` returns the spend of the runs started since a period
 * start (called once per distinct start). Unparseable scopes are skipped (the config schema refuses them).
 */
export function evaluateBudgets(limits: readonly ScopeLimit[], now: number, tz: string, spendSince: (start: number) => readonly SpendRow[]): ScopeState[] {
  const cache = new Map<number, readonly SpendRow[]>();
  const states: ScopeState[] = [];
  for (const l of limits) {
    const scope = parseScope(l.scope);
    if (!scope) continue;
    const { start, end } = periodBounds(now, l.period, tz);
    if (!cache.has(start)) cache.set(start, spendSince(start));
    const limit: ScopeState['limit'] = {};
    if (l.maxCostUsd !== undefined) limit.maxCostUsd = l.maxCostUsd;
    if (l.maxTokens !== undefined) limit.maxTokens = l.maxTokens;
    if (l.maxRuns !== undefined) limit.maxRuns = l.maxRuns;
    const used = spendIn(scope, cache.get(start)!);
    states.push({ scope: l.scope, period: l.period, label: periodLabel(start, l.period, tz), start, end, limit, used, reached: reachedCap(limit, used) });
  }
  return states;
}

/** Why a run of this estimate does not fit in what is left of `state`; undefined when it fits. */
export function doesNotFit(state: ScopeState, estimate: RunEstimate): string | undefined {
  if (state.reached) return `${state.scope} reached its ${state.period} ${state.reached} (${describeUse(state, state.reached)})`;
  const { limit, used } = state;
  if (limit.maxRuns !== undefined && used.runs + 1 > limit.maxRuns) return `${state.scope}: no run left this ${state.period}`;
  if (limit.maxCostUsd !== undefined && estimate.cost_usd !== undefined && microUsd(used.cost_usd + estimate.cost_usd) > microUsd(limit.maxCostUsd)) {
    return `${state.scope}: an estimated ${formatFigure('maxCostUsd', estimate.cost_usd)} does not fit in the ${formatFigure('maxCostUsd', limit.maxCostUsd - used.cost_usd)} left this ${state.period}`;
  }
  if (limit.maxTokens !== undefined && estimate.tokens !== undefined && used.tokens + estimate.tokens > limit.maxTokens) {
    return `${state.scope}: an estimated ${formatFigure('maxTokens', estimate.tokens)} tokens do not fit in the ${formatFigure('maxTokens', limit.maxTokens - used.tokens)} left this ${state.period}`;
  }
  return undefined;
}

/** "$12.0000/$10.00" — the used and allowed figure of one cap. */
export function describeUse(state: ScopeState, cap: 'maxCostUsd' | 'maxTokens' | 'maxRuns'): string {
  const used = cap === 'maxCostUsd' ? state.used.cost_usd : cap === 'maxTokens' ? state.used.tokens : state.used.runs;
  return `${formatFigure(cap, used)}/${formatFigure(cap, state.limit[cap]!)}`;
}

/**
 * Counts a started run (and its estimate) against every state whose scope it falls in; `countRun: false` adds the
 * estimate only (the spend was read with the run in it).
 */
export function chargeRun(states: ScopeState[], agent: string, project: string, estimate: RunEstimate, countRun = true): void {
  for (const s of states) {
    const scope = parseScope(s.scope);
    if (!scope || !inScope(scope, agent, project)) continue;
    s.used = { cost_usd: s.used.cost_usd + (estimate.cost_usd ?? 0), tokens: s.used.tokens + (estimate.tokens ?? 0), runs: s.used.runs + (countRun ? 1 : 0) };
    s.reached = reachedCap(s.limit, s.used);
  }
}

/** The median of some numbers; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
