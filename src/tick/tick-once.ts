// One triage pass: ingest, reconcile, decide, promote, (Postgres: statistics,) dispatch, render, digest (DESIGN §5).
import { backoffPolicyOf, defaultConfig, type Config } from '../config/schema.js';
import type { OpContext, Run } from '../core/types.js';
import { promoteTasks, reapRuns, type ReapResult } from '../ops/index.js';
import { nextSlot } from '../core/schedule.js';
import { allSchedules, runSchedules, type SchedulePass } from '../ops/schedules.js';
import type { Store } from '../store/open-store.js';
import { isStoreFailure } from '../store/sqlite-errors.js';
import { analyzeSetupSignal, analyzeStep, type Analyzed } from './analyze-step.js';
import { decideProposals, type DecideResult } from './decide-proposals.js';
import type { BoardLine, Digest, StepError } from './digest.js';
import { takeDigest } from './digest-store.js';
import { SCHEDULE_HORIZON_KEY, scheduleSignature, type ScheduleHorizon } from './schedule-horizon.js';

/**
 * The tick's I/O, passed in (STYLE: loops receive their I/O). Each hook is optional so the core
 * steps run without files or processes; `buildTickHooks` (hooks.ts) wires the real ones.
 * A hook's result may carry the fields of HookReport; the digest reads them.
 */
export interface TickHooks {
  /** Step 1: read inbox files (and TASKS.md edits) into the queue. */
  ingest?: (store: Store, ctx: OpContext) => Record<string, unknown>;
  /** Step 2, first: apply the run outcomes waiting in the outbox (before the reap, so a decided run is never lost). */
  outbox?: (store: Store, ctx: OpContext) => Record<string, unknown>;
  /** Step 2: true when a run's worker process is known to be gone (checked on this host). */
  isDead?: (run: Run) => boolean;
  /** Step 2: after runs were marked lost, e.g. kill their orphaned process groups. */
  onLost?: (lost: ReapResult['lost']) => void;
  /** Step 5: claim ready work within the WIP caps and start (or list) workers for it. */
  dispatch?: (store: Store, ctx: OpContext) => Record<string, unknown>;
  /** Step 6: render TASKS.md. */
  render?: (store: Store, ctx: OpContext) => Record<string, unknown>;
}

/** Fields any hook result may carry for the digest. */
export interface HookReport {
  /** Counts of what the hook did, e.g. {ingested: 2} or {started: 3}; shown under the digest's `acted`. */
  acted?: Record<string, number>;
  /** TASKS.md lines that could not be read; each reaches one digest. */
  unreadable_lines?: BoardLine[];
  /** Tasks the hook created (TASKS.md lines): a bulk fill makes the tick analyze a Postgres queue (analyze-step.ts). */
  tasks_added?: number;
}

/** What one tick runs on: the store, the time and actor, the hooks, the config. */
export interface TickInput {
  store: Store;
  ctx: OpContext;
  hooks?: TickHooks;
  /** The workspace config (accept policy, agent profiles); defaults when absent. */
  config?: Config;
  /** Whose digest this tick reports: each reader has its own cursor (default the heartbeat, see digest-store.ts). */
  reader?: string;
}

/** What one tick did, step by step, and its digest. */
export interface TickResult {
  reaped: Array<{ run_id: number; task_id: number; to: string }>;
  /** dispatch: openclaw — hand-offs whose lease ended before any babysitter took them: back to ready, no strike. */
  handoffs_expired?: Array<{ run_id: number; task_id: number; to: string }>;
  accepted: DecideResult['accepted'];
  refused: DecideResult['refused'];
  promoted: number[];
  blocked: number[];
  /** Recurring tasks: the tasks this tick created for due slots, slots skipped (overlap) or missed. */
  scheduled?: SchedulePass;
  unblocked: number[];
  ingest?: Record<string, unknown>;
  /** Outcomes taken from the outbox (applied, duplicate, late, rejected, waiting run ids); absent when there were none. */
  outbox?: Record<string, unknown>;
  dispatch?: Record<string, unknown>;
  render?: Record<string, unknown>;
  /** Postgres: the tables this tick ANALYZEd before dispatch, and why (analyze-step.ts); absent when none. */
  analyzed?: Analyzed[];
  /**
   * Postgres: tables that needed an ANALYZE which the queue's role may not run (not their owner); absent when none.
   * The digest's `setup` list says so once.
   */
  analyze_skipped?: Analyzed[];
  /** Steps that failed on something other than the database; the tick went on without them. */
  errors?: StepError[];
  /** Step 7: what needs a judgement since the last digest. */
  digest: Digest;
}

/** The text of a thrown value, for a report. */
export function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(err);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/** Reads the HookReport fields of a hook result, ignoring anything malformed. */
export function readHookReport(result: Record<string, unknown> | undefined): Required<HookReport> {
  const acted: Record<string, number> = {};
  const raw = result?.acted;
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && Number.isFinite(v)) acted[k] = v;
  }
  const lines = Array.isArray(result?.unreadable_lines) ? (result.unreadable_lines as unknown[]) : [];
  const unreadable_lines = lines.filter(
    (l): l is BoardLine => !!l && typeof (l as BoardLine).line === 'number' && typeof (l as BoardLine).text === 'string',
  );
  const added = result?.tasks_added;
  return { acted, unreadable_lines, tasks_added: typeof added === 'number' && Number.isFinite(added) ? added : 0 };
}

/** A hook's result as the tick reports it: its counts are in the digest's `acted`. */
function withoutActed(result: Record<string, unknown>): Record<string, unknown> {
  const { acted: _acted, ...rest } = result;
  return rest;
}

function sumCounts(parts: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of parts) for (const [k, v] of Object.entries(part)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The context every step of a tick runs with: whatever it fails retries on the workspace's `retry` policy. */
function stepContext(input: TickInput, config: Config): OpContext {
  return { ...input.ctx, backoff: input.ctx.backoff ?? backoffPolicyOf(config), agents: input.ctx.agents ?? config.agents };
}

/** What the dispatch step alone did (`dispatchStepOnce`). */
export interface DispatchStepResult {
  dispatch?: Record<string, unknown>;
  errors?: StepError[];
}

/**
 * Step 5 alone — the tick's own dispatch hook, nothing else — for `steward up`'s wake-up (issue 18): a committed write
 * gets its agent started before the rest of the tick (ingest, reap, promote, render, digest), which follows it. Run
 * ahead of the reap and the outbox, dispatch counts a run whose babysitter died (or whose outcome waits in the outbox)
 * as still running: it can only start less than the full tick would, never more. runDispatchStep adds the tick lock.
 */
export function dispatchStepOnce(input: TickInput): DispatchStepResult {
  const config = input.config ?? defaultConfig();
  try {
    const dispatch = input.hooks?.dispatch?.(input.store, stepContext(input, config));
    return dispatch ? { dispatch } : {};
  } catch (err) {
    if (isStoreFailure(err)) throw err;
    return { errors: [{ step: 'dispatch', error: errorText(err) }] };
  }
}

/**
 * After the schedules step: records the schedules' horizon (schedule-horizon.ts) for the quiet tick — written only when
 * the schedules or their next slot changed; removed when a schedule could not be read (the quiet tick then never
 * skips the step).
 */
function recordScheduleHorizon(store: Store, config: Config, now: number, pass: SchedulePass): void {
  const stored = store.read(() => store.meta.get(SCHEDULE_HORIZON_KEY));
  let next: string | undefined;
  if (pass.errors.length === 0) {
    try {
      const sig = store.read(() => scheduleSignature(config, store.schedules.all()));
      let first: number | null = null;
      for (const s of store.read(() => allSchedules(store, config))) {
        const at = nextSlot(s.spec.cron, s.spec.tz, now);
        if (at !== null && (first === null || at < first)) first = at;
      }
      const old = stored === undefined ? undefined : (JSON.parse(stored) as Partial<ScheduleHorizon>);
      // An unchanged horizon keeps its first time: no slot lay between then and now either.
      next = old?.sig === sig && old.next === first ? stored : JSON.stringify({ sig, at: now, next: first } satisfies ScheduleHorizon);
    } catch (err) {
      if (isStoreFailure(err)) throw err;
      next = undefined;
    }
  }
  if (next !== stored) store.tx(() => store.meta.compareAndSet(SCHEDULE_HORIZON_KEY, stored, next));
}

/** Runs one tick; each step is idempotent and safe to run from two processes (runTick adds the lock). */
export function tickOnce(input: TickInput): TickResult {
  const { store, hooks = {} } = input;
  const config = input.config ?? defaultConfig();
  const ctx = stepContext(input, config);
  // One failing step (a file, a process check, TASKS.md) never stops the tick; only the database's own failure does.
  const errors: StepError[] = [];
  const guard = <T>(step: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (isStoreFailure(err)) throw err;
      errors.push({ step, error: errorText(err) });
      return undefined;
    }
  };
  const isDead = hooks.isDead && ((run: Run) => guard(`is_dead run ${run.id}`, () => hooks.isDead!(run)) ?? false);
  const ingest = guard('ingest', () => hooks.ingest?.(store, ctx));
  // The outbox before the reap: an outcome decided while the lease held is applied, not reaped as lost.
  const outbox = guard('outbox', () => hooks.outbox?.(store, ctx));
  const reap = reapRuns(store, ctx, isDead);
  if (reap.lost.length) guard('on_lost', () => hooks.onLost?.(reap.lost));
  const decided = decideProposals(store, ctx, config);
  const scheduled = runSchedules(store, ctx, config);
  for (const e of scheduled.errors) errors.push({ step: `schedule ${e.schedule}`, error: e.error });
  recordScheduleHorizon(store, config, ctx.now, scheduled);
  const promote = promoteTasks(store, ctx);
  // Postgres: statistics for the claims dispatch is about to make, after every step that adds tasks (ingest, decide,
  // schedules). Recorded like any step's error when it fails; the tick goes on.
  const ingested = readHookReport(ingest);
  const added = ingested.tasks_added + decided.accepted.length + scheduled.created.length;
  const { analyzed, skipped, denied } = analyzeStep(store, added, (step, err) => errors.push({ step, error: errorText(err) }));
  const dispatch = guard('dispatch', () => hooks.dispatch?.(store, ctx));
  const render = guard('render', () => hooks.render?.(store, ctx));
  const reports = [ingested, ...[outbox, dispatch, render].map(readHookReport)];
  const acted = sumCounts([
    ...reports.map((r) => r.acted),
    { accepted: decided.accepted.length, scheduled: scheduled.created.length, reaped: reap.lost.length, handoffs_expired: reap.unstarted.length, promoted: promote.promoted.length, unblocked: promote.unblocked.length, analyzed: analyzed.length },
  ]);
  const digest = takeDigest(store, ctx.now, config, {
    reader: input.reader,
    acted,
    board: reports.flatMap((r) => r.unreadable_lines),
    notes: new Map(decided.refused.map((r) => [r.proposal_id, `not accepted automatically: ${r.message}`])),
    errors,
    setup: denied ? [analyzeSetupSignal(denied)] : [],
  });
  // dispatch: openclaw — the runs claimed for the triage agent to hand to sessions_spawn need it now (new hand-offs,
  // and hand-offs offered before that no babysitter took yet: `reoffered: true`).
  const handoff = Array.isArray(dispatch?.handoff) ? (dispatch.handoff as unknown[]) : [];
  if (handoff.length > 0) Object.assign(digest, { quiet: false, dispatch: handoff });
  return {
    reaped: reap.lost.map(({ run_id, task_id, to }) => ({ run_id, task_id, to })),
    ...(reap.unstarted.length ? { handoffs_expired: reap.unstarted.map(({ run_id, task_id, to }) => ({ run_id, task_id, to })) } : {}),
    accepted: decided.accepted,
    refused: decided.refused,
    ...promote,
    ...(scheduled.created.length || scheduled.overlapped.length || Object.keys(scheduled.missed).length ? { scheduled } : {}),
    ...(ingest ? { ingest } : {}),
    ...(outbox && Object.keys(outbox).length ? { outbox: withoutActed(outbox) } : {}),
    ...(dispatch ? { dispatch } : {}),
    ...(render ? { render } : {}),
    ...(analyzed.length ? { analyzed } : {}),
    ...(skipped.length ? { analyze_skipped: skipped } : {}),
    ...(errors.length ? { errors } : {}),
    digest,
  };
}
