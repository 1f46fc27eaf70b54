// Scope budgets for people: the digest's once-per-period notice, `status` lines, /metrics.
import { formatFigure } from '../core/budget.js';
import { describeUse, parseScope, type ScopeState } from '../core/budget-scope.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/open-store.js';
import { scopeBudgets } from './budgets.js';

/** CLIs that report no cost (docs/BUDGETS.md): a dollar cap on a scope of their runs alone never fills. */
const NO_COST_CLIS: ReadonlySet<string> = new Set(['codex', 'gemini']);

/** One scope budget as `status --json` and the board show it. */
export interface BudgetView {
  scope: string;
  period: string;
  label: string;
  used: { cost_usd: number; tokens: number; runs: number };
  limit: { maxCostUsd?: number; maxTokens?: number; maxRuns?: number };
  /** The cap reached (dispatch in the scope waits), or null. */
  reached: string | null;
  /** When the period ends (ISO): a reached scope resumes then. */
  resumes_at: string;
  /** Set for a `project:NAME` scope that names a project neither the config nor any task has (a typo holds nothing back). */
  note?: string;
}

/** A scope state for people. */
export function budgetView(s: ScopeState): BudgetView {
  return {
    scope: s.scope, period: s.period, label: s.label, reached: s.reached, resumes_at: new Date(s.end).toISOString(),
    used: { cost_usd: Math.round(s.used.cost_usd * 1e6) / 1e6, tokens: s.used.tokens, runs: s.used.runs }, limit: s.limit,
  };
}

/** Every configured scope budget now, for people. */
export function budgetViews(store: Store, config: Config, now: number): BudgetView[] {
  return scopeBudgets(store, config, now).map((s) => {
    const view = budgetView(s);
    const scope = parseScope(s.scope);
    if (scope?.kind === 'project' && scope.name !== 'default' && !Object.hasOwn(config.projects, scope.name) && !store.read(() => store.budgets.hasProject(scope.name))) {
      view.note = `no project "${scope.name}": not in the config's projects and no task is in it, so this budget holds nothing back (a typo?)`;
    }
    const cli = scope?.kind === 'agent' ? config.agents[scope.name]?.cli : undefined;
    if (cli !== undefined && NO_COST_CLIS.has(cli) && s.limit.maxCostUsd !== undefined) {
      view.note = `${cli} reports no cost, so maxCostUsd holds nothing back in this scope (count maxTokens or maxRuns)`;
    }
    return view;
  });
}

/** "global day (2026-12-04): maxCostUsd $12.0000/$10.00 — maxCostUsd reached: no run starts until …" */
export function budgetLine(v: BudgetView): string {
  const fig = (c: 'maxCostUsd' | 'maxTokens' | 'maxRuns') => (c === 'maxCostUsd' ? v.used.cost_usd : c === 'maxTokens' ? v.used.tokens : v.used.runs);
  const caps = (['maxCostUsd', 'maxTokens', 'maxRuns'] as const).filter((c) => v.limit[c] !== undefined)
    .map((c) => `${c} ${formatFigure(c, fig(c))}/${formatFigure(c, v.limit[c]!)}`);
  const state = v.reached ? ` — ${v.reached} reached: no run starts until ${v.resumes_at}` : '';
  return `${v.scope} ${v.period} (${v.label}): ${caps.join(', ')}${state}${v.note ? ` — ${v.note}` : ''}`;
}

/** The digest's signals: each scope budget at its cap, keyed by scope and period start (so once per period). */
export function budgetSignals(store: Store, config: Config, now: number): Array<{ key: string } & Record<string, unknown>> {
  return scopeBudgets(store, config, now)
    .filter((s) => s.reached !== null)
    .map((s) => ({
      key: `budget:${s.scope}:${s.period}:${s.start}`,
      scope: s.scope,
      period: s.period,
      cap: s.reached,
      used: describeUse(s, s.reached!),
      resumes_at: new Date(s.end).toISOString(),
    }));
}
