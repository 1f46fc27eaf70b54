// Scope budgets over the store: this period's spend per scope, run estimates, and what dispatch may still claim.
import { chargeRun, doesNotFit, evaluateBudgets, median, parseScope, type RunEstimate, type ScopeState } from '../core/budget-scope.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/open-store.js';

/** Every configured scope budget at `now` (empty when none is configured). */
export function scopeBudgets(store: Store, config: Config, now: number): ScopeState[] {
  const limits = config.budgets.limits;
  if (limits.length === 0) return [];
  return store.read(() => evaluateBudgets(limits, now, config.budgets.timezone, (start) => store.budgets.spendSince(start)));
}

/** The estimate of a run of `agent` on a task of `type`: the medians of its newest past runs that reported usage. */
export function estimateRun(store: Store, agent: string, type: string): RunEstimate {
  const past = store.read(() => store.budgets.pastUsage(agent, type));
  const cost = median(past.map((p) => p.cost_usd).filter((v): v is number => v !== null));
  const tokens = median(past.map((p) => p.tokens).filter((v): v is number => v !== null));
  return { ...(cost !== undefined ? { cost_usd: cost } : {}), ...(tokens !== undefined ? { tokens } : {}) };
}

/** What one claim of a profile may take under the scope budgets. */
export interface BudgetAllowance {
  /** Set when the profile may claim nothing now: why. */
  blocked?: string;
  /** The task types still allowed (a subset of the profile's). */
  types: string[];
  /** Projects whose budget is reached. */
  excludeProjects: string[];
  /** Ready tasks of a project whose budget their estimate does not fit. */
  skipTasks: number[];
}

/**
 * The scope budgets as dispatch sees them during one pass: `reread` and ask `allow` in each claim's transaction and
 * `charge` after the claim, so several claims in one pass cannot together overshoot a cap, nor with the claims of
 * another claimer (a remote worker) made between them.
 */
export class BudgetGate {
  private readonly estimates = new Map<string, RunEstimate>();
  /** The runs this gate charged, with their estimates (counted on top of a spend read again: they reported nothing yet). */
  private readonly charged: Array<{ agent: string; project: string; estimate: RunEstimate }> = [];

  /** `seen`: the newest run when the spend was read (or this gate's own newest claim). */
  private constructor(private readonly store: Store, private readonly config: Config, private readonly now: number, private states: ScopeState[], private seen: number) {}

  /** A gate with this period's spend; null when no scope budget is configured. */
  static open(store: Store, config: Config, now: number): BudgetGate | null {
    const seen = store.read(() => store.budgets.newestRun());
    const states = scopeBudgets(store, config, now);
    return states.length ? new BudgetGate(store, config, now, states, seen) : null;
  }

  /**
   * In a claim's transaction: when another claimer (a remote worker) started a run since the spend was read, reads it
   * again, plus the estimates of the runs this gate charged (their runs are in the spend read, their usage not yet).
   */
  reread(): void {
    const newest = this.store.read(() => this.store.budgets.newestRun());
    if (newest === this.seen) return;
    const states = scopeBudgets(this.store, this.config, this.now);
    for (const c of this.charged) chargeRun(states, c.agent, c.project, c.estimate, false);
    this.states = states;
    this.seen = newest;
  }

  private estimate(agent: string, type: string): RunEstimate {
    const key = `${agent}\0${type}`;
    let e = this.estimates.get(key);
    if (!e) this.estimates.set(key, (e = estimateRun(this.store, agent, type)));
    return e;
  }

  /** What `agent` (taking `types`) may claim now. */
  allow(agent: string, types: string[]): BudgetAllowance {
    const wide = this.states.filter((s) => {
      const scope = parseScope(s.scope);
      return scope?.kind === 'global' || (scope?.kind === 'agent' && scope.name === agent);
    });
    let why: string | undefined;
    const allowed = types.filter((type) => {
      const reason = wide.map((s) => doesNotFit(s, this.estimate(agent, type))).find((r) => r !== undefined);
      why ??= reason;
      return reason === undefined;
    });
    if (allowed.length === 0) return { blocked: why ?? 'no task type fits the budgets', types: [], excludeProjects: [], skipTasks: [] };
    const excludeProjects: string[] = [];
    const skipTasks: number[] = [];
    for (const s of this.states) {
      const scope = parseScope(s.scope);
      if (scope?.kind !== 'project') continue;
      if (s.reached) {
        excludeProjects.push(scope.name);
        continue;
      }
      const misfits = allowed.filter((type) => doesNotFit(s, this.estimate(agent, type)) !== undefined);
      if (misfits.length) skipTasks.push(...this.store.read(() => this.store.budgets.readyIn(scope.name, misfits)));
    }
    return { types: allowed, excludeProjects, skipTasks };
  }

  /** Counts a claimed run (with its estimate) against the budgets it falls in. */
  charge(agent: string, project: string, type: string, runId: number): void {
    // Claimed in the transaction reread() ran in: no other run can have started in between.
    if (runId > this.seen) this.seen = runId;
    const estimate = this.estimate(agent, type);
    this.charged.push({ agent, project, estimate });
    chargeRun(this.states, agent, project, estimate);
  }

  /** The scope budgets whose cap is reached now. */
  reached(): ScopeState[] {
    return this.states.filter((s) => s.reached !== null);
  }
}
