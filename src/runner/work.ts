// `steward work`: babysit a dispatched run, or claim tasks for an agent profile and babysit each.
import { hostname } from 'node:os';
import { StewardError } from '../core/errors.js';
import { runLiveness } from '../core/lease.js';
import { profileOf } from '../config/agent-profile.js';
import { backoffPolicyOf } from '../config/config-policy.js';
import { claimRunProcess } from '../ops/run-records.js';
import { claimTask, heartbeatRun } from '../ops/runs.js';
import { babysitRun, leaseSecondsOf, selfRecord, withoutWakeUp, type BabysitDeps, type BabysitResult } from './babysit.js';
import { procIdentity } from './process-group.js';
import type { StopReason } from './outcome.js';
import type { WorkWaiter } from './work-wait.js';

/**
 * Babysits run `runId`, which must be live (claimed and not finished; LEASE_LOST otherwise) and have no other
 * process recorded on it (CONFLICT otherwise).
 */
export async function workRun(deps: BabysitDeps, runId: number): Promise<BabysitResult> {
  const { store } = deps;
  const now = deps.now ?? (() => store.now());
  const { run, task } = store.read(() => {
    const r = store.runs.get(runId);
    return { run: r, task: r ? store.tasks.get(r.task_id) : undefined };
  });
  if (!run) throw new StewardError('NOT_FOUND', `no run ${runId}`, { run_id: runId });
  const live = runLiveness(run, task, now());
  if (live !== 'live') {
    throw new StewardError('LEASE_LOST', `run ${runId} is no longer live (${live}): nothing to babysit`, { run_id: runId, reason: live });
  }
  // At most one babysitter per run: a second `work --run N --here` (a retried exec's) leaves the run to the first.
  // One transaction for all the start writes (this process on the run, its group and log, the profile's lease), and no
  // wake-up ping for it: it changes nothing the tick decides on, and `up` ticking now would only compete with the CLI's
  // start for the CPU and the write lock (issue 18).
  const self = selfRecord(deps.workspace, run);
  let started = false;
  const claim = withoutWakeUp(store, () =>
    store.tx(() => {
      const c = claimRunProcess(store, runId, self);
      if (c.status !== 'claimed') return c;
      try {
        heartbeatRun(store, { run_id: runId, lease_seconds: leaseSecondsOf(deps, run) }, { now: now(), actor: deps.actor ?? `worker:${run.agent}` });
        started = true;
      } catch {
        // Not live any more at this very moment (or the lease could not be written): babysitRun writes its start again
        // itself, and says why the usual way.
      }
      return c;
    }),
  );
  if (claim.status === 'not_live') throw new StewardError('LEASE_LOST', `run ${runId} is no longer live (finished): nothing to babysit`, { run_id: runId, reason: 'finished' });
  if (claim.status === 'taken') {
    throw new StewardError('CONFLICT', `run ${runId} already has its babysitter (pid ${claim.pid} on ${claim.host ?? '?'}); a run is babysat at most once (steward work --run ${runId} waits on it)`, {
      run_id: runId, pid: claim.pid, host: claim.host,
    });
  }
  return babysitRun(deps, run, task!, started ? { recorded: self } : {});
}

/** Why an agent's work loop ended; `stopped`: a stop signal while it waited for work (--wait), nothing in hand. */
export type WorkStop = 'empty' | 'paused' | 'once' | 'signal' | 'deferred' | 'stopped';

/** The runs an agent's loop babysat and why it stopped. */
export interface WorkAgentResult {
  results: BabysitResult[];
  stopped: WorkStop;
  paused_until?: number;
}

/**
 * Claims the next task agent profile `agent` may run (its types and capabilities) and babysits it;
 * repeats until nothing is claimable, unless `once`. With `waiter` (--wait) nothing claimable is no end: it waits
 * (work-wait.ts) and claims again; a paused profile waits for its pause to end. A stop signal or an outcome left in
 * the outbox (database unavailable) ends the loop.
 */
export async function workAgent(deps: BabysitDeps, agent: string, opts: { once?: boolean; waiter?: WorkWaiter } = {}): Promise<WorkAgentResult> {
  const profile = profileOf(deps.config, agent);
  if (!profile) {
    const known = Object.keys(deps.config.agents);
    throw new StewardError('NOT_FOUND', `no agent profile "${agent}" (configured: ${known.length ? known.join(', ') : 'none'})`, { agent });
  }
  const now = deps.now ?? (() => deps.store.now());
  const results: BabysitResult[] = [];
  const { waiter } = opts;
  let idle = false;
  for (;;) {
    if (deps.signal?.aborted) return { results, stopped: idle ? 'stopped' : 'signal' };
    const ctx = { now: now(), actor: deps.actor ?? `worker:${agent}`, backoff: backoffPolicyOf(deps.config) };
    const input = { agent, types: profile.types, capabilities: profile.capabilities, lease_seconds: profile.leaseSeconds };
    const worker = { host: hostname(), pid: process.pid, proc_start: procIdentity(process.pid) ?? undefined };
    waiter?.mark();
    const claimed = claimTask(deps.store, input, ctx, worker);
    if (!claimed.task) {
      if (!waiter) return claimed.paused_until ? { results, stopped: 'paused', paused_until: claimed.paused_until } : { results, stopped: 'empty' };
      if (!idle) {
        const why = claimed.paused_until ? `agent ${agent} is paused until ${new Date(claimed.paused_until).toISOString()}` : `nothing to claim for agent ${agent}`;
        deps.log?.(`steward work: ${why}; waiting for work (${waiter.how})`);
      }
      idle = true;
      if (!(await waiter.wait(deps.signal, claimed.paused_until))) return { results, stopped: 'stopped' };
      continue;
    }
    idle = false;
    const result = await babysitRun(deps, claimed.run, claimed.task);
    results.push(result);
    if (result.status === 'interrupted' || (deps.signal?.reason as StopReason | undefined)?.kind === 'signal') {
      return { results, stopped: 'signal' };
    }
    if (result.status === 'deferred') return { results, stopped: 'deferred' };
    if (opts.once) return { results, stopped: 'once' };
  }
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Runs `fn` with SIGTERM, SIGINT and SIGHUP turned into an abort (reason `{kind: 'signal'}`), so the
 * babysitter kills its CLI's group and records the run as `lost` instead of dying with it.
 */
export async function withStopSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => controller.abort({ kind: 'signal', signal } satisfies StopReason);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await fn(controller.signal);
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
