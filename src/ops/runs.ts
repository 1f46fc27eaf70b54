// The worker's verbs: claim, heartbeat, complete, fail — each writes only through its run id.
import { StewardError } from '../core/errors.js';
import { leaseJudgedAt, runLiveness } from '../core/lease.js';
import { decideFailure, type FailureKind } from '../core/policy.js';
import { parseResetAt } from '../core/adapters/signals.js';
import { nodeCrypto } from '../core/adapters/lazy-builtins.js';
import { leasedOut } from '../core/worktree.js';
import { assertTransition } from '../core/states.js';
import { parseClaimInput, parseCompleteInput, parseFailInput, parseHeartbeatInput } from '../core/fast-input.js';
import type { ClaimInput, CompleteArgs } from '../core/schemas.js';
import type { CompletedRun, CompletedTask, OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { NewRun, RunFinish, RunWithTask } from '../store/run-repo.js';
import { queueMergeInTx } from './branches.js';
import { spawnFollowUps } from './create-task.js';
import { logEvent, transition } from './transition.js';

export const DEFAULT_LEASE_SECONDS = 300;

/** Where the claiming worker runs (recorded on the run). */
export interface WorkerInfo {
  host?: string;
  pid?: number;
  pgid?: number;
  /** Process identity for pid-reuse checks (see runner/process-group.ts). */
  proc_start?: string;
}

/** Scheduling limits the dispatcher adds to a claim. */
export interface ClaimLimits {
  /** Skip tasks of these projects (they are at their WIP cap or their budget). */
  excludeProjects?: string[];
  /** Also take tasks assigned to these profiles (paused ones this profile is a fallback of). */
  fallbackFor?: string[];
  /** Skip these ready tasks (they do not fit a budget). */
  skipTasks?: number[];
  /**
   * Why this claimer cannot run a task (undefined: it can). A refused task is passed over (it stays ready for
   * another claimer) and named in the result's `refused`; at most MAX_REFUSED are passed over in one claim.
   */
  refuse?: (task: Task) => string | undefined;
}

/** A ready task a claimer passed over, and why. */
export interface RefusedTask {
  task_id: number;
  project: string;
  reason: string;
}

/** How many ready tasks one claim may pass over through `refuse` before it gives up. */
export const MAX_REFUSED = 50;

export type ClaimResult =
  | { task: Task; run: Run; refused?: RefusedTask[] }
  | { task: null; paused_until?: number; refused?: RefusedTask[] };

/** Takes the best ready task an agent may run and opens a run (its id is the fencing token). */
export function claimTask(
  store: Store,
  input: unknown,
  ctx: OpContext,
  worker: WorkerInfo = {},
  limits: ClaimLimits = {},
): ClaimResult {
  const q = parseClaimInput(input);
  // The common claim is one statement. Postgres: its transaction's only statement, sent with BEGIN, the lock and the
  // COMMIT (one round trip); narrow: the queue's lock shared (docs/SCALING.md), and no NOTIFY — a claim makes no work
  // anyone waits for (Store.unannounced). SQLite: one autocommitted statement. When it takes nothing (nothing
  // claimable, the agent paused, a file lease to work out) it wrote nothing, and the long way decides in a transaction
  // of its own, under the exclusive lock.
  if ((store.tasks.claimsInOne || store.tasks.claimsAlone) && isPlainClaim(q, limits)) {
    const leaseMs = (q.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    const fast = store.tasks.claimsInOne
      ? store.unannounced(() => store.txNarrow(() => claimInOne(store, q.agent, leaseMs, ctx, worker, true)))
      : store.autocommit(() => claimAlone(store, q.agent, leaseMs, ctx, worker));
    if (fast) return fast;
    return store.tx(() => claimLong(store, q, leaseMs, ctx, worker, limits));
  }
  return store.tx(() => claimInTx(store, q, ctx, worker, limits));
}

/** No types, capabilities or limits: the claim the one-statement claims (claimAlone on SQLite, claimOpen on Postgres) make. */
function isPlainClaim(q: ClaimInput, limits: ClaimLimits): boolean {
  return !q.types?.length && !q.capabilities?.length && !limits.excludeProjects?.length && !limits.skipTasks?.length &&
    !limits.fallbackFor?.length && !limits.refuse;
}

/** The body of claim, for callers already inside a transaction (complete with `next`, batches). */
export function claimInTx(store: Store, q: ClaimInput, ctx: OpContext, worker: WorkerInfo, limits: ClaimLimits = {}): ClaimResult {
  const leaseMs = (q.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  // The common claim (no types, capabilities or limits) is one statement that reads the task, the agent's pause and
  // whether file leases exist, and opens the run; a paused agent, a running task holding paths or an empty queue goes
  // the long way below (same decisions).
  if (isPlainClaim(q, limits)) {
    // Postgres: one round trip instead of three. SQLite: one statement of the caller's transaction (as claimTask's).
    const fast = store.tasks.claimsInOne ? claimInOne(store, q.agent, leaseMs, ctx, worker, false) : claimAlone(store, q.agent, leaseMs, ctx, worker);
    if (fast) return fast;
  }
  return claimLong(store, q, leaseMs, ctx, worker, limits);
}

/** The claim with every check on its own (types, capabilities, limits, file leases, refusals). */
function claimLong(store: Store, q: ClaimInput, leaseMs: number, ctx: OpContext, worker: WorkerInfo, limits: ClaimLimits): ClaimResult {
  // A narrow claim ends before this: claimed in the one statement, paused, or nothing to claim. The long way (file
  // leases to work out, a task with paths, limits) is decided under the queue's exclusive lock.
  store.needsQueueLock();
  const pausedUntil = store.agents.pausedUntil(q.agent);
  if (pausedUntil > ctx.now) return { task: null, paused_until: pausedUntil };
  // File leases: a ready task whose `paths` overlap a running task's waits (without paths: one empty index seek).
  const running = store.branches.runningPaths();
  const leased = running.length ? leasedOut(store.branches.readyPaths(), running) : undefined;
  const skipTasks = limits.skipTasks?.length ? [...(leased ?? []), ...limits.skipTasks] : leased;
  const find = (skip: number[] | undefined) => store.tasks.findClaimable({
    agent: q.agent,
    types: q.types?.length ? q.types : null,
    capabilities: q.capabilities ?? [],
    now: ctx.now,
    excludeProjects: limits.excludeProjects,
    skipTasks: skip,
    alsoAgents: limits.fallbackFor,
  });
  let task = find(skipTasks);
  let refused: RefusedTask[] | undefined;
  if (limits.refuse) {
    const skip = [...(skipTasks ?? [])];
    for (let why = task && limits.refuse(task); task && why; why = task && limits.refuse(task)) {
      (refused ??= []).push({ task_id: task.id, project: task.project, reason: why });
      skip.push(task.id);
      task = refused.length < MAX_REFUSED ? find(skip) : undefined;
    }
  }
  if (!task) return refused ? { task: null, refused } : { task: null };
  const out = openRun(store, task, leaseMs, ctx, worker, q.agent);
  return refused ? { ...out, refused } : out;
}

/**
 * The fast claim on Postgres (TaskRepo.claimOpen): the claimed task and its run, the agent's pause, an empty queue —
 * or undefined when a running task holds paths (a file lease: the long way decides). `last`: the claim is the
 * transaction's last statement (committed with it).
 */
function claimInOne(store: Store, agent: string, leaseMs: number, ctx: OpContext, worker: WorkerInfo, last: boolean): ClaimResult | undefined {
  const opened = openedRun(0, agent, leaseMs, ctx, worker);
  // A narrow claim (the queue's lock shared) opens no run on a task with paths: two of them could take overlapping ones.
  const first = store.tasks.claimOpen(agent, ctx.now, opened, !store.narrow, last);
  if (first.pausedUntil > ctx.now) return { task: null, paused_until: first.pausedUntil };
  if (first.leases) return undefined;
  if (first.task === null) return { task: null };
  // A task with paths in a narrow claim: the long way decides, under the queue's exclusive lock.
  if (first.runId === null) return undefined;
  const { task, runId } = first;
  // transition()'s checks for the claim's fixed statement: ready → running, exactly one task changed.
  assertTransition('claim', task.status, 'running', task.id);
  if (first.changed !== 1) throw new StewardError('CONFLICT', `task #${task.id} changed while it was being updated`, { id: task.id });
  opened.task_id = task.id;
  return { task: { ...task, current_run_id: runId, status: 'running', updated_at: ctx.now }, run: runningRun(runId, opened) };
}

/**
 * The common claim on SQLite (TaskRepo.claimAlone): the first claimable task with its run opened, in one statement; or
 * undefined when it wrote nothing (nothing claimable, paused, a file lease: the long way decides).
 */
function claimAlone(store: Store, agent: string, leaseMs: number, ctx: OpContext, worker: WorkerInfo): ClaimResult | undefined {
  const opened = openedRun(0, agent, leaseMs, ctx, worker);
  const got = store.tasks.claimAlone(agent, ctx.now, opened);
  if (!got) return undefined;
  opened.task_id = got.task.id;
  return { task: got.task, run: runningRun(got.runId, opened) };
}

/** The run a claim opens (task_id filled in by the caller when not known yet). */
function openedRun(taskId: number, agent: string, leaseMs: number, ctx: OpContext, worker: WorkerInfo): Required<NewRun> {
  return {
    task_id: taskId,
    agent,
    lease_ms: leaseMs,
    lease_expires_at: ctx.now + leaseMs,
    heartbeat_at: ctx.now,
    started_at: ctx.now,
    host: worker.host ?? null,
    pid: worker.pid ?? null,
    pgid: worker.pgid ?? null,
    proc_start: worker.proc_start ?? null,
    claimed_by: ctx.actor,
  };
}

/** The claim's two writes: opens the run of `task` (its id is the fencing token) and marks the task running. */
function openRun(store: Store, task: Task, leaseMs: number, ctx: OpContext, worker: WorkerInfo, agent: string): { task: Task; run: Run } {
  const opened = openedRun(task.id, agent, leaseMs, ctx, worker);
  const runId = store.runs.insert(opened);
  // No event row: the run is the claim's audit record (who, when, for which agent; see docs/DESIGN.md, "Audit").
  // SQLite: the insert marked the task running (trigger runs_claim, migration 15); checked, not written again.
  const claimed = transition(store, task, 'claim', 'running', { current_run_id: runId }, ctx, null, () =>
    store.runs.insertClaims ? (store.tasks.currentRun(task.id, 'running') === runId ? 1 : 0) : store.tasks.markRunning(task.id, runId, ctx.now));
  return { task: claimed, run: runningRun(runId, opened) };
}

/**
 * The Run a claim just opened, every field written out: on Node 20 a spread followed by new keys
 * (`{ ...opened, id, status, … }`) cost about 60 µs per claim here, more than the claim's SQL (docs/BENCHMARKS.md).
 */
function runningRun(id: number, o: Required<NewRun>): Run {
  return {
    id,
    task_id: o.task_id,
    agent: o.agent,
    status: 'running',
    outcome: null,
    failure_kind: null,
    lease_ms: o.lease_ms,
    lease_expires_at: o.lease_expires_at,
    heartbeat_at: o.heartbeat_at,
    started_at: o.started_at,
    finished_at: null,
    host: o.host,
    pid: o.pid,
    pgid: o.pgid,
    exit_code: null,
    error: null,
    summary: null,
    evidence: null,
    artifacts: null,
    late: null,
    cost_usd: null,
    tokens_in: null,
    tokens_out: null,
    turns: null,
    session_id: null,
    log_path: null,
    proc_start: o.proc_start,
    claimed_by: o.claimed_by,
  };
}

/** Loads a run and its task, or throws NOT_FOUND. */
function loadRun(store: Store, runId: number): { run: Run; task: Task | undefined } {
  const found = store.runs.withTask(runId);
  if (!found) throw notFound(runId);
  return found;
}

const notFound = (runId: number) => new StewardError('NOT_FOUND', `no run ${runId}`, { run_id: runId });

/** `kept`: a result came with the call and was kept on the run (complete, fail); a heartbeat carries none. */
function leaseLost(run: Run, why: string, kept = true): StewardError {
  const after = kept ? 'its result was kept on the run' : 'stop working on it: the lease cannot be extended';
  return new StewardError('LEASE_LOST', `run ${run.id} (task #${run.task_id}) is no longer live (${why}); ${after}`, {
    run_id: run.id,
    task_id: run.task_id,
    reason: why,
  });
}

/** Extends the lease of a live run; LEASE_LOST when it expired, was superseded or finished (e.g. cancelled). */
export function heartbeatRun(store: Store, input: unknown, ctx: OpContext): { run: Run; task: Task } {
  const q = parseHeartbeatInput(input);
  // Narrow on Postgres: it writes its own run row only, under that run's lock (docs/SCALING.md). It makes no work
  // anyone waits for: no NOTIFY (Store.unannounced).
  return store.unannounced(() => store.txNarrow(() => {
    const { run, task } = loadRun(store, q.run_id);
    const live = runLiveness(run, task, ctx.now);
    if (live !== 'live') throw leaseLost(run, live, false);
    const expires = ctx.now + (q.lease_seconds ? q.lease_seconds * 1000 : run.lease_ms);
    store.runs.extend(run.id, ctx.now, expires);
    return { run: { ...run, heartbeat_at: ctx.now, lease_expires_at: expires }, task: task! };
  }, q.run_id));
}

/**
 * Records a result that arrived after its run stopped being live: kept on the run and in the log.
 * The same payload sent again (a worker retrying a LEASE_LOST complete) is stored once: its hash
 * matches the one the run already keeps, and nothing is written.
 */
function keepLateResult(store: Store, run: Run, why: string, payload: Record<string, unknown>, ctx: OpContext): void {
  const hash = nodeCrypto().createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32);
  const kept = run.late as { hash?: unknown } | null;
  if (kept && kept.hash === hash) return;
  const late = { ...payload, at: ctx.now, reason: why, hash };
  store.runs.update(run.id, { late });
  logEvent(store, ctx, 'late_result', { task_id: run.task_id, run_id: run.id }, why, late);
}

/** A verb's outcome on one run: its value, NOT_FOUND, or LEASE_LOST after the payload was kept as a late result. */
export type LiveOutcome<T> = { ok: true; value: T } | { ok: false; error: StewardError };

/**
 * Inside the caller's transaction: runs `apply` on what `load` read if the run is live; otherwise keeps the payload
 * (made only then) as a late result. Every write of a worker's verb goes through here: the run id is its fencing token.
 */
function ifLive<T, F extends RunWithTask>(
  store: Store,
  runId: number,
  payload: () => Record<string, unknown>,
  ctx: OpContext,
  load: (runId: number) => F | undefined,
  apply: (run: Run, task: Task, found: F) => T,
): LiveOutcome<T> {
  const found = load(runId);
  if (!found) return { ok: false, error: notFound(runId) };
  const { run, task } = found;
  const live = runLiveness(run, task, leaseJudgedAt(run, ctx.now, ctx.decidedAt));
  if (live === 'live') return { ok: true, value: apply(run, task!, found) };
  // A late result writes an event: under the queue's exclusive lock (event ids in commit order).
  store.needsQueueLock();
  keepLateResult(store, run, live, payload(), ctx);
  return { ok: false, error: leaseLost(run, live) };
}

/** The value of a committed outcome, or its error thrown (after the commit, so a late result stays kept). */
function valueOf<T>(outcome: LiveOutcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** What a complete or fail writes on its run (absent fields stored as null). */
function runFinish(
  outcome: 'completed' | 'failed',
  q: { summary?: string; error?: string; kind?: FailureKind; artifacts?: unknown; evidence?: unknown; cost_usd?: number;
    tokens_in?: number; tokens_out?: number; turns?: number; session_id?: string; exit_code?: number },
  now: number,
  by: string,
): RunFinish {
  return {
    finished_by: by,
    outcome,
    failure_kind: q.kind ?? null,
    finished_at: now,
    summary: q.summary ?? null,
    error: q.error ?? null,
    artifacts: q.artifacts ?? null,
    evidence: q.evidence ?? null,
    cost_usd: q.cost_usd ?? null,
    tokens_in: q.tokens_in ?? null,
    tokens_out: q.tokens_out ?? null,
    turns: q.turns ?? null,
    session_id: q.session_id ?? null,
    exit_code: q.exit_code ?? null,
  };
}

/** Options of completeRun: `next` claims the worker's next task in the same transaction (BullMQ's fetch-next). */
export interface CompleteOptions {
  next?: unknown;
  worker?: WorkerInfo;
}

/**
 * What a completion answers: where its task went and the run as finished (not the whole task and run: `show` reads
 * those; returning them cost ~7 % of a claim+complete cycle), and the follow-ups it spawned.
 */
export interface Completed {
  task: CompletedTask;
  run: CompletedRun;
  spawned: Task[];
}

/** A task as a completion answers it. */
function completedTask(t: CompletedTask): CompletedTask {
  return { id: t.id, title: t.title, status: t.status, priority: t.priority, attempts: t.attempts };
}

/** Finishes a live run with success: the task goes to review (if it wants one) or done, follow-ups spawn. */
export function completeRun(
  store: Store,
  input: unknown,
  ctx: OpContext,
  options: CompleteOptions = {},
): Completed & { next?: ClaimResult } {
  const q = parseCompleteInput(input);
  const next = options.next === undefined ? undefined : parseClaimInput(options.next);
  // Postgres: the common completion (a live run, its task to done with nothing else to do) is one statement sent with
  // BEGIN, the locks and the COMMIT: one round trip. Anything else wrote nothing there and takes the long way.
  if (next === undefined && store.runs.completesInOne) {
    const finished = runFinish('completed', q, ctx.now, ctx.actor);
    const fast = store.txNarrow(() => store.runs.completeOpen(q.run_id, finished, ctx.now, ctx.decidedAt), q.run_id);
    if (fast) return { task: fast.task, run: fast.run, spawned: [] };
  }
  // Postgres, fetch-next with a plain claim: the same one-statement completion (BEGIN and the locks ride with it), then
  // the one-statement claim sent with the NOTIFY and the COMMIT — two round trips for the cycle instead of four.
  if (next !== undefined && store.runs.completesInOne && store.tasks.claimsInOne && isPlainClaim(next, {})) {
    const fast = completeThenClaim(store, q, next, ctx, options.worker ?? {});
    if (fast) return fast;
  }
  // SQLite: the same common completion as one autocommitted statement; anything else wrote nothing and goes the long way.
  if (next === undefined && store.runs.completesAlone) {
    const finished = runFinish('completed', q, ctx.now, ctx.actor);
    const fast = store.autocommit(() => store.runs.completeAlone(q.run_id, finished, ctx.now, ctx.decidedAt));
    if (fast) return { task: fast.task, run: fast.run, spawned: [] };
  }
  // Narrow on Postgres: a completion to done with nothing to spawn holds the queue's lock shared and its run's lock.
  return valueOf(store.txNarrow(() => {
    // Without `next` the completion is the whole transaction: its last write may carry the COMMIT (Postgres).
    const done = completeInTx(store, q, ctx, next === undefined);
    if (!done.ok || !next) return done;
    const { task, run, spawned } = done.value;
    return { ok: true as const, value: { task, run, spawned, next: claimInTx(store, next, ctx, options.worker ?? {}) } };
  }, q.run_id));
}

/**
 * Fetch-next on Postgres in two round trips: the common completion (RunRepo.completeOpen, not the last statement), then
 * the plain claim in one statement committed with the transaction (claimInOne). Undefined when the completion is not
 * the common case: it wrote nothing and the caller takes the long way. When the claim needs the long way (a file lease,
 * a task with paths under the narrow lock) the completion is already committed with the claim's statement, which wrote
 * nothing: the claim runs again as claimTask does, in a transaction of its own.
 */
function completeThenClaim(store: Store, q: CompleteArgs, next: ClaimInput, ctx: OpContext, worker: WorkerInfo): (Completed & { next: ClaimResult }) | undefined {
  const finished = runFinish('completed', q, ctx.now, ctx.actor);
  const leaseMs = (next.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  const fast = store.txNarrow(() => {
    const done = store.runs.completeOpen(q.run_id, finished, ctx.now, ctx.decidedAt, false);
    if (!done) return undefined;
    return { done, claimed: claimInOne(store, next.agent, leaseMs, ctx, worker, true) };
  }, q.run_id);
  if (!fast) return undefined;
  const claimed = fast.claimed ?? claimTask(store, next, ctx, worker);
  return { task: fast.done.task, run: fast.done.run, spawned: [], next: claimed };
}

/**
 * The body of complete inside the caller's transaction; a run that is no longer live keeps the result as late.
 * `whole`: nothing runs in the transaction after it, so on Postgres the task's update, when nothing follows it (no
 * dependents to settle, no follow-ups to spawn), is sent with the COMMIT — guarded: unless it changes the task the
 * server rolls everything back (TaskRepo.markCompleted).
 */
export function completeInTx(store: Store, q: CompleteArgs, ctx: OpContext, whole = false): LiveOutcome<Completed> {
  const load = (id: number) => store.runs.forCompletion(id);
  return ifLive(store, q.run_id, () => ({ verb: 'complete', ...q }), ctx, load, (run, task, facts) => {
    // What only the exclusive lock makes exact: review and merge holds write events, dependents are settled by reading
    // their other dependencies, follow-ups are keyed (read, then insert), a flagged profile is cleared.
    if (task.review || facts.hasDependents || facts.agentFlagged || (facts.branchState !== null && facts.branchState !== 'merged') || task.then.length > 0) store.needsQueueLock();
    const finished = runFinish('completed', q, ctx.now, ctx.actor);
    store.runs.finish(run.id, finished);
    if (facts.agentFlagged) store.agents.clearConfigError(run.agent);
    // Changes on a branch not merged yet: the task waits in review for the merge step (never done before it).
    const hold = !task.review && facts.branchState !== null && facts.branchState !== 'merged';
    if (hold) queueMergeInTx(store, task.id, ctx);
    const to = task.review || hold ? 'review' : 'done';
    const finishedAt = to === 'done' ? ctx.now : null;
    const last = whole && (to === 'review' || (!facts.hasDependents && task.then.length === 0));
    const done = transition(
      store,
      task,
      'complete',
      to,
      { result: q.summary, error: null, current_run_id: null, finished_at: finishedAt },
      ctx,
      // To done: the run row is the completion's audit record. To review: an event too (the digest reads it).
      to === 'review' ? { kind: 'completed', run_id: run.id } : null,
      (eventId) => store.tasks.markCompleted(task.id, to, q.summary, finishedAt, eventId, ctx.now, last),
    );
    const spawned = to === 'done' ? spawnFollowUps(store, done, ctx, facts.hasDependents) : [];
    return {
      task: completedTask(done),
      run: { id: run.id, task_id: run.task_id, outcome: 'completed' as const, finished_at: finished.finished_at!, finish_after_event: facts.lastEventId },
      spawned,
    };
  });
}

/** Finishes a live run with a failure; the retry policy decides retry, blocked or failed. */
export function failRun(store: Store, input: unknown, ctx: OpContext): { task: Task; run: Run } {
  const q = parseFailInput(input);
  return valueOf(store.tx(() => ifLive(store, q.run_id, () => ({ verb: 'fail', ...q }), ctx, (id) => store.runs.withTask(id), (run, task) => {
    const finished = runFinish('failed', q, ctx.now, ctx.actor);
    store.runs.finish(run.id, finished);
    // The babysitter marks a CLI that refused to start (evidence.cause "config"): the profile is flagged.
    const config = q.kind === 'fatal' && typeof q.evidence === 'object' && q.evidence !== null && (q.evidence as { cause?: unknown }).cause === 'config';
    if (config) store.agents.flagConfigError(run.agent, q.error.slice(0, 2000), ctx.now);
    else store.agents.clearConfigError(run.agent);
    const next = applyFailure(store, task, run, q.kind, q.error, ctx, {
      retryAfterSeconds: q.retry_after,
      question: q.question,
    });
    return { task: next, run: { ...run, ...finished, status: 'finished' as const } };
  })));
}

/** Moves a running task on after its run failed with `kind` (shared by fail and reap). */
export function applyFailure(
  store: Store,
  task: Task,
  run: Run,
  kind: Parameters<typeof decideFailure>[0]['kind'],
  error: string,
  ctx: OpContext,
  extra: { retryAfterSeconds?: number; question?: string } = {},
): Task {
  const streak = kind === 'rate_limit' ? store.runs.rateLimitStreak(task.id) : undefined;
  const decision = decideFailure({
    kind,
    strikesBefore: task.attempts,
    maxAttempts: task.max_attempts,
    random: (ctx.random ?? Math.random)(),
    now: ctx.now,
    // The reset time the CLI's own error names ("resets at …") when it gave no relative wait.
    retryAfterSeconds: extra.retryAfterSeconds ?? (kind === 'rate_limit' ? parseResetAt(error, ctx.now) : undefined),
    rateLimitsInARow: streak,
    backoff: ctx.backoff,
  });
  const attempts = task.attempts + (decision.strike ? 1 : 0);
  const base = { attempts, error: error, current_run_id: null };
  const refs = { run_id: run.id, reason: error, data: { kind, attempts } };
  if (decision.to === 'blocked') {
    const patch = { ...base, question: extra.question ?? error, blocked_kind: 'question' as const, answer: null };
    return transition(store, task, 'block', 'blocked', patch, ctx, { ...refs, kind: 'blocked' });
  }
  if (decision.to === 'failed') {
    return transition(store, task, 'dead', 'failed', { ...base, finished_at: ctx.now }, ctx, { ...refs, kind: 'dead' });
  }
  // A rate limit pauses the whole account (every profile drawing on the same quota); with fallback profiles the
  // task is ready at once, for one of them to take.
  const account = kind === 'rate_limit' ? ctx.backoff?.accounts?.[run.agent] : undefined;
  if (decision.pauseAgentUntil) {
    const shared = account && account.profiles.length > 1;
    const reason = shared ? `account ${account.account} (rate limit of ${run.agent}): ${error}` : error;
    for (const name of shared ? account.profiles : [run.agent]) store.agents.pause(name, decision.pauseAgentUntil, reason.slice(0, 500));
  }
  const delayMs = account?.fallback.length ? 0 : decision.delayMs;
  return transition(store, task, 'retry', 'ready', { ...base, run_after: ctx.now + delayMs }, ctx, {
    ...refs,
    kind: 'retry_scheduled',
    data: { kind, attempts, run_after: ctx.now + delayMs, ...(streak !== undefined ? { rate_limits_in_a_row: streak } : {}), ...(account?.fallback.length ? { fallback: account.fallback } : {}) },
  });
}
