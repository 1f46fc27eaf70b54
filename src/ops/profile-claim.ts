// A claim for one configured agent profile within the workspace's limits: the WIP caps (wip.global, the profile's
// maxConcurrent and wip.perAgent, wip.perProject, the account's maxConcurrent) and the scope budgets. Dispatch and the
// remote worker API both claim through it; the counts are read inside the claim's transaction, so two claimers (two
// processes, a remote worker and the tick) cannot together overshoot a cap.
import { profileOf } from '../config/agent-profile.js';
import { accountName } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import { StewardError } from '../core/errors.js';
import type { OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { BudgetGate } from './budgets.js';
import { claimInTx, type RefusedTask, type WorkerInfo } from './runs.js';

/** The limit that kept a profile from claiming. */
export type ClaimHold = 'wip.global' | 'wip.perAgent' | 'account' | 'budget';

export type ProfileClaimResult =
  | { task: Task; run: Run; refused?: RefusedTask[] }
  | { task: null; paused_until?: number; held?: { cap: ClaimHold; reason: string }; refused?: RefusedTask[] };

export interface ProfileClaimOptions {
  /** The lease of the run; default the profile's leaseSeconds. */
  leaseSeconds?: number;
  /**
   * The scope budgets as one dispatch pass sees them (charged with each claim's estimate, so several claims of a pass
   * cannot together overshoot; read again in the claim's transaction when another claimer started a run since);
   * default: this period's spend, read in the claim's transaction.
   */
  gate?: BudgetGate | null;
  /** Why this claimer cannot run a task (it stays ready for another); see ClaimLimits.refuse. */
  refuse?: (task: Task) => string | undefined;
}

/** Claims the best ready task profile `name` may run now, or says which limit holds it back. */
export function claimForProfile(store: Store, config: Config, name: string, ctx: OpContext, worker: WorkerInfo, o: ProfileClaimOptions = {}): ProfileClaimResult {
  const profile = profileOf(config, name);
  if (!profile) throw new StewardError('NOT_FOUND', `no agent profile "${name}" in the config`, { agent: name });
  return store.tx(() => {
    let global = 0;
    let mine = 0;
    let account = 0;
    const perProject = new Map<string, number>();
    const acct = accountName(config, name);
    for (const { agent, project, n } of store.runs.runningCounts()) {
      global += n;
      if (agent === name) mine += n;
      if (accountName(config, agent) === acct) account += n;
      perProject.set(project, (perProject.get(project) ?? 0) + n);
    }
    if (global >= config.wip.global) return { task: null, held: { cap: 'wip.global', reason: `wip.global: ${global} of ${config.wip.global} runs at once are running` } };
    const perAgent = config.wip.perAgent[name];
    const cap = Math.min(profile.maxConcurrent, perAgent ?? Infinity);
    if (mine >= cap) {
      const which = perAgent !== undefined && perAgent <= profile.maxConcurrent ? `wip.perAgent.${name}` : `agents.${name}.maxConcurrent`;
      return { task: null, held: { cap: 'wip.perAgent', reason: `${which}: ${mine} of ${cap} runs of ${name} are running` } };
    }
    const accountMax = config.accounts[acct]?.maxConcurrent;
    if (accountMax !== undefined && account >= accountMax) {
      return { task: null, held: { cap: 'account', reason: `accounts.${acct}.maxConcurrent: ${account} of ${accountMax} runs of the account are running` } };
    }
    const full = Object.entries(config.wip.perProject).filter(([p, max]) => (perProject.get(p) ?? 0) >= max).map(([p]) => p);
    // A pass's gate reads the spend again here, in the transaction, when another claimer started a run since.
    o.gate?.reread();
    const gate = o.gate !== undefined ? o.gate : BudgetGate.open(store, config, ctx.now);
    const allowance = gate?.allow(name, profile.types);
    if (allowance?.blocked) return { task: null, held: { cap: 'budget', reason: `budget: ${allowance.blocked}` } };
    // A profile paused by a rate limit hands its tasks to its fallbacks (that take their type) instead of them waiting.
    const fallbackFor = store.agents.paused(ctx.now).filter((p) => config.agents[p.name]?.fallback.includes(name)).map((p) => p.name);
    const claimed = claimInTx(
      store,
      { agent: name, types: allowance?.types ?? profile.types, capabilities: profile.capabilities, lease_seconds: o.leaseSeconds ?? profile.leaseSeconds },
      ctx,
      worker,
      {
        excludeProjects: [...full, ...(allowance?.excludeProjects ?? [])],
        ...(fallbackFor.length ? { fallbackFor } : {}),
        ...(allowance?.skipTasks.length ? { skipTasks: allowance.skipTasks } : {}),
        ...(o.refuse ? { refuse: o.refuse } : {}),
      },
    );
    if (claimed.task) gate?.charge(name, claimed.task.project, claimed.task.type, claimed.run.id);
    return claimed;
  });
}
