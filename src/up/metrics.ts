// /metrics in the Prometheus text format: tasks by state, runs by outcome, claim wait, tick duration, cost.
import { TASK_STATES } from '../core/states.js';
import type { Store } from '../store/open-store.js';
import type { BudgetView } from '../ops/budget-report.js';

/** Tick durations and counts the `up` loop observed (kept in memory). */
export interface LoopStats {
  ticks: number;
  tickSecondsSum: number;
  lastTickSeconds: number;
  skippedBusy: number;
  /** Wake-ups: pings on the wake socket and this process's own writes outside a tick (src/workspace/wake-socket.ts). */
  wakeups?: number;
  /** On Postgres: NOTIFYs of other connections' commits received on the queue's channel (src/up/pg-wake.ts). */
  notifications?: number;
  /** On Postgres: LISTEN is in place on the queue's channel (false while its connection is being made again). */
  readonly listening?: boolean;
  /** Dispatch steps run alone on a wake-up, ahead of the full tick (src/up/up.ts), and the runs they started. */
  fastDispatches?: number;
  fastStarted?: number;
  /** Changes to TASKS.md or the inbox seen by the file watchers (each asks for a tick after the debounce). */
  fileChanges?: number;
  /** Remote workers' claims waiting for work now (the worker API's long poll, src/remote/claim-wait.ts). */
  readonly claimsWaiting?: number;
  /** Those waits ended so far, by why: changed (the queue moved), due (a task came due or the agent's pause ended: time alone), deadline, gone (the client left), closing. */
  readonly claimWaitsEnded?: Readonly<Record<string, number>>;
  /** What started the latest tick: the start, the heartbeat, a wake-up, a change to a watched file or the poll. */
  lastCause?: 'start' | 'heartbeat' | 'wake' | 'change';
}

function line(name: string, value: number, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

/** The metrics text for this workspace at `now`. */
export function renderMetrics(store: Store, loop: LoopStats, now: number, budgets: BudgetView[] = []): string {
  const out: string[] = [];
  const counts = store.read(() => store.tasks.counts());
  out.push('# HELP steward_tasks Tasks by state.', '# TYPE steward_tasks gauge');
  for (const s of TASK_STATES) out.push(line('steward_tasks', counts[s] ?? 0, { state: s }));
  const runs = store.read(() => store.runs.outcomeStats(now - 3_600_000));
  out.push('# HELP steward_runs_finished_last_hour Runs that finished in the last hour, by outcome.', '# TYPE steward_runs_finished_last_hour gauge');
  for (const r of runs.byOutcome) out.push(line('steward_runs_finished_last_hour', r.n, { outcome: r.outcome ?? 'unknown', kind: r.kind ?? '' }));
  out.push('# HELP steward_runs_running Runs in progress.', '# TYPE steward_runs_running gauge', line('steward_runs_running', runs.running));
  out.push('# HELP steward_claim_wait_seconds Time from a task being ready to being claimed, runs started in the last hour.', '# TYPE steward_claim_wait_seconds summary');
  out.push(line('steward_claim_wait_seconds_sum', runs.claimWaitMsSum / 1000), line('steward_claim_wait_seconds_count', runs.claimWaitCount));
  out.push('# HELP steward_cost_usd_total Cost reported by runs.', '# TYPE steward_cost_usd_total counter', line('steward_cost_usd_total', runs.costTotal));
  out.push('# HELP steward_tokens_total Tokens reported by runs.', '# TYPE steward_tokens_total counter');
  out.push(line('steward_tokens_total', runs.tokensIn, { direction: 'in' }), line('steward_tokens_total', runs.tokensOut, { direction: 'out' }));
  const paused = store.read(() => store.agents.paused(now));
  out.push('# HELP steward_agent_paused_until_seconds Agent profiles paused by a rate limit: when they resume (Unix seconds).', '# TYPE steward_agent_paused_until_seconds gauge');
  for (const p of paused) out.push(line('steward_agent_paused_until_seconds', Math.round(p.paused_until / 1000), { agent: p.name }));
  out.push('# HELP steward_agents_paused Agent profiles paused by a rate limit now.', '# TYPE steward_agents_paused gauge', line('steward_agents_paused', paused.length));
  if (budgets.length) {
    out.push('# HELP steward_budget_used Spend of a scope budget this period (cost_usd, tokens, runs).', '# TYPE steward_budget_used gauge');
    for (const b of budgets) {
      for (const [what, v] of Object.entries(b.used)) out.push(line('steward_budget_used', v, { scope: b.scope, period: b.period, what }));
    }
    out.push('# HELP steward_budget_limit The cap of a scope budget (cost_usd, tokens, runs).', '# TYPE steward_budget_limit gauge');
    const names = { maxCostUsd: 'cost_usd', maxTokens: 'tokens', maxRuns: 'runs' } as const;
    for (const b of budgets) {
      for (const [cap, v] of Object.entries(b.limit)) out.push(line('steward_budget_limit', v, { scope: b.scope, period: b.period, what: names[cap as keyof typeof names] }));
    }
    out.push('# HELP steward_budget_reached 1 while a scope budget is at its cap (no run starts in it until the period ends).', '# TYPE steward_budget_reached gauge');
    for (const b of budgets) out.push(line('steward_budget_reached', b.reached ? 1 : 0, { scope: b.scope, period: b.period }));
  }
  out.push('# HELP steward_tick_seconds Duration of the ticks this process ran.', '# TYPE steward_tick_seconds summary');
  out.push(line('steward_tick_seconds_sum', loop.tickSecondsSum), line('steward_tick_seconds_count', loop.ticks));
  out.push('# HELP steward_tick_last_seconds Duration of the last tick.', '# TYPE steward_tick_last_seconds gauge', line('steward_tick_last_seconds', loop.lastTickSeconds));
  out.push('# HELP steward_ticks_skipped_busy Ticks skipped because another tick held the lock.', '# TYPE steward_ticks_skipped_busy counter', line('steward_ticks_skipped_busy', loop.skippedBusy));
  out.push('# HELP steward_wakeups_total Wake-ups of the up loop by a committed write (wake socket pings, its own writes).', '# TYPE steward_wakeups_total counter', line('steward_wakeups_total', loop.wakeups ?? 0));
  if (loop.notifications !== undefined) {
    out.push('# HELP steward_notifications_total Postgres NOTIFYs of other processes\' commits received (each may wake the up loop).', '# TYPE steward_notifications_total counter', line('steward_notifications_total', loop.notifications));
  }
  if (loop.listening !== undefined) {
    out.push('# HELP steward_listening 1 while LISTEN is in place on the Postgres queue\'s channel (0: reconnecting; the change poll still runs).', '# TYPE steward_listening gauge', line('steward_listening', loop.listening ? 1 : 0));
  }
  if (loop.claimsWaiting !== undefined) {
    out.push('# HELP steward_remote_claims_waiting Remote workers\' claims held open waiting for work (the claim\'s long poll).', '# TYPE steward_remote_claims_waiting gauge', line('steward_remote_claims_waiting', loop.claimsWaiting));
  }
  if (loop.claimWaitsEnded !== undefined) {
    out.push('# HELP steward_remote_claim_waits_total Waits of remote claims that ended, by why: changed (the queue moved), due (a task came due or the agent\'s pause ended: time alone), deadline, gone (the client left), closing.', '# TYPE steward_remote_claim_waits_total counter');
    for (const [end, n] of Object.entries(loop.claimWaitsEnded)) out.push(line('steward_remote_claim_waits_total', n, { end }));
  }
  out.push('# HELP steward_fast_dispatch_started_total Runs started by the dispatch step a wake-up runs ahead of the full tick.', '# TYPE steward_fast_dispatch_started_total counter', line('steward_fast_dispatch_started_total', loop.fastStarted ?? 0));
  return `${out.join('\n')}\n`;
}
