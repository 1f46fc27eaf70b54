// Turns what happened to a run's processes into the one complete/fail it reports (pure).
import type { Verdict } from '../core/adapters/index.js';
import { describeOverCap, type OverCap, type Usage } from '../core/budget.js';
import type { RunOutcomeRecord } from '../ops/run-records.js';
import type { ProcessResult } from './supervise.js';
import { describeVerifyFailure, type VerifyReport } from './verify.js';

/** Why the babysitter stopped a run early: the run is no longer ours, we were told to stop, or it reached a run cap. */
export type StopReason = { kind: 'lease_lost'; why: string } | { kind: 'signal'; signal: string } | { kind: 'budget'; over: OverCap };

/**
 * How a run is stopped early: `halt` records the first reason and aborts `signal` (what the CLI's supervisor listens
 * to); an `outer` signal (the babysitter itself told to stop) halts with its reason until `dispose`.
 */
export function stopSwitch(outer?: AbortSignal): { signal: AbortSignal; halt(reason: StopReason): void; reason(): StopReason | undefined; dispose(): void } {
  const stopper = new AbortController();
  let stop: StopReason | undefined;
  const halt = (reason: StopReason) => {
    if (stop) return;
    stop = reason;
    stopper.abort(reason);
  };
  const onOuterStop = () => halt(outer!.reason as StopReason);
  outer?.addEventListener('abort', onOuterStop, { once: true });
  if (outer?.aborted) onOuterStop();
  return { signal: stopper.signal, halt, reason: () => stop, dispose: () => outer?.removeEventListener('abort', onOuterStop) };
}

/** Everything the decision looks at. */
export interface OutcomeFacts {
  process: ProcessResult;
  /** The adapter's reading of the output (also of a partial one, for its metrics). */
  verdict: Verdict;
  verify?: VerifyReport;
  /** The task has verify commands (a success needs them run to the end). */
  verifyNeeded?: boolean;
  stop?: StopReason;
  /** The usage the babysitter read from the stream while the CLI ran (kept where the verdict has no figure). */
  usage?: Usage;
  /** The run's maxMinutes in ms when it, not timeoutSeconds, set the time limit: a timeout is then a budget failure. */
  budgetMinutesMs?: number;
  timeoutMs: number;
  stallMs: number;
  /** The start-up allowance (SuperviseOptions.startMs), when there was one. */
  startMs?: number;
  /** What counted as progress for the stall (see SuperviseOptions.stallOn). */
  stallOn?: 'output' | 'output-or-cpu';
  logPath: string;
}

/** The one complete/fail a run reports (see decideOutcome for when there is none). */
export type OutcomeDecision = Omit<RunOutcomeRecord, 'run_id'>;

/** Nothing to report: the run stopped being ours and we stopped its CLI before it finished. */
export interface NoOutcome {
  verb: 'none';
  /** Why the run is no longer live (cancelled, expired, …). */
  why: string;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
/** Characters of the CLI's stderr every recorded error carries (its tail). */
export const STDERR_TAIL_CHARS = 2000;

/** The last STDERR_TAIL_CHARS of stderr, trimmed; '' when there is none. */
export function stderrTail(stderr: string): string {
  const t = stderr.trim();
  return t.length <= STDERR_TAIL_CHARS ? t : `…${t.slice(t.length - STDERR_TAIL_CHARS + 1)}`;
}

/** The error with the stderr tail appended, unless the error already quotes it. */
function withStderr(error: string, stderr: string): string {
  const tail = stderrTail(stderr);
  if (!tail) return error;
  const lastLine = tail.split('\n').pop()!.trim();
  if (lastLine && error.includes(lastLine)) return error;
  return `${error}\n--- stderr (tail) ---\n${tail}`;
}
/** The `steward edit` flag of a run cap. */
const flagOf = (cap: OverCap['cap']) => ({ maxCostUsd: 'max-cost-usd', maxTokens: 'max-tokens', maxTurns: 'max-turns', maxMinutes: 'max-minutes' })[cap];
const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;
/** The stall limit that applied: the start-up allowance when the CLI had printed nothing yet (see supervise.ts). */
const stallLimit = (facts: OutcomeFacts) =>
  facts.process.firstOutputMs === undefined ? Math.max(facts.stallMs, facts.startMs ?? 0) : facts.stallMs;

function metrics(v: Verdict, usage: Usage = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The stream's running figures, where the final reading has none (a CLI stopped before its result).
  if (typeof usage.cost_usd === 'number' && usage.cost_usd >= 0) out.cost_usd = usage.cost_usd;
  for (const k of ['tokens_in', 'tokens_out', 'turns'] as const) if (Number.isInteger(usage[k]) && usage[k]! >= 0) out[k] = usage[k];
  if (typeof v.cost_usd === 'number' && v.cost_usd >= 0) out.cost_usd = v.cost_usd;
  if (Number.isInteger(v.tokens_in) && v.tokens_in! >= 0) out.tokens_in = v.tokens_in;
  if (Number.isInteger(v.tokens_out) && v.tokens_out! >= 0) out.tokens_out = v.tokens_out;
  if (Number.isInteger(v.turns) && v.turns! >= 0) out.turns = v.turns;
  if (v.session_id) out.session_id = clip(v.session_id, 200);
  return out;
}

function fail(kind: string, error: string, facts: OutcomeFacts, extra: Record<string, unknown> = {}): OutcomeDecision {
  const p = facts.process;
  const evidence: Record<string, unknown> = { ended: p.ended, exit_code: p.exitCode, duration_ms: p.durationMs, log: facts.logPath };
  if (p.signal) evidence.signal = p.signal;
  if (facts.verdict.summary) evidence.summary = clip(facts.verdict.summary, 4000);
  if (facts.verdict.cause) evidence.cause = facts.verdict.cause;
  const tail = stderrTail(p.stderr);
  if (tail) evidence.stderr_tail = tail;
  if (facts.verify) Object.assign(evidence, { verify: facts.verify.results, verify_skipped: facts.verify.skipped });
  const text = withStderr(error.trim() || kind, p.stderr);
  const input: Record<string, unknown> = { error: clip(text, 100_000), kind, evidence, ...metrics(facts.verdict, facts.usage), ...extra };
  if (p.exitCode !== null) input.exit_code = p.exitCode;
  return { verb: 'fail', input };
}

/**
 * Decides the outcome of a run: stop reasons first, then timeout/stall, the adapter's verdict, then verify.
 * When the run stopped being ours (cancelled, reaped) a CLI that had already exited still reports what it did — the
 * store keeps it on the run as a late result and leaves the task alone, so a result is never dropped. A CLI we stopped
 * for that reason produced none: `none`, with the reason, and nothing to write.
 */
export function decideOutcome(facts: OutcomeFacts): OutcomeDecision | NoOutcome {
  const { process: p, verdict: v, stop } = facts;
  if (stop?.kind === 'lease_lost' && p.ended !== 'exit') return { verb: 'none', why: stop.why };
  // Our own stop signal stopped the CLI (or the verify a success needed): lost. One that came after the CLI exited on
  // its own stopped nothing, and the CLI's result stands.
  const unverified = v.ok && facts.verifyNeeded === true && (!facts.verify || facts.verify.aborted);
  if (stop?.kind === 'signal' && (p.ended !== 'exit' || unverified)) {
    return fail('lost', `the babysitter was stopped by ${stop.signal} and killed its CLI's process group`, facts);
  }
  if (stop?.kind === 'budget') {
    const question = `${describeOverCap(stop.over)}; the run was stopped. Raise the cap (steward edit ID --${flagOf(stop.over.cap)} N, or the profile's ${stop.over.cap}) or narrow the task, then answer it to run again.`;
    return fail('budget', `${describeOverCap(stop.over)}; the process group was killed`, facts, { question });
  }
  if (p.ended === 'timeout' && facts.budgetMinutesMs !== undefined) {
    const over: OverCap = { cap: 'maxMinutes', value: p.durationMs / 60_000, limit: facts.budgetMinutesMs / 60_000 };
    const question = `${describeOverCap(over)}; the run was stopped. Raise the cap (steward edit ID --max-minutes N, or the profile's maxMinutes) or narrow the task, then answer it to run again.`;
    return fail('budget', `${describeOverCap(over)}; the process group was killed`, facts, { question });
  }
  if (p.ended === 'spawn_error') return fail('fatal', `could not start the agent's CLI: ${p.error ?? 'unknown error'}`, facts);
  if ((p.ended === 'timeout' || p.ended === 'stalled') && v.retrying) {
    const r = v.retrying;
    const what = p.ended === 'timeout' ? `timed out after ${secs(facts.timeoutMs)}` : `stalled for ${secs(stallLimit(facts))}`;
    if (r.kind === 'rate_limit') {
      // The CLI's own retry lines show it was still retrying a rate limit: a pause, not a strike.
      const error = `rate limited: ${what} while the CLI retried HTTP ${r.status ?? 429} (${r.attempts} retries; last: ${r.line}); the process group was killed`;
      return fail('rate_limit', error, facts, r.retry_after_seconds !== undefined ? { retry_after: r.retry_after_seconds } : {});
    }
    if (r.kind === 'transient') {
      // Still retrying a server error: the failure is that error (a strike, like the timeout), not an unexplained hang.
      const status = r.status !== undefined ? `HTTP ${r.status}` : 'a failed model call';
      return fail('transient', `${what} while the CLI retried ${status} (${r.attempts} retries; last: ${r.line}); the process group was killed`, facts);
    }
  }
  if (p.ended === 'timeout') return fail('timeout', `timed out after ${secs(facts.timeoutMs)}; the process group was killed`, facts);
  if (p.ended === 'stalled') {
    const what = facts.stallOn === 'output' ? 'no output' : 'no output and no CPU use';
    if (p.firstOutputMs === undefined) {
      const allowance = facts.startMs !== undefined && facts.startMs > facts.stallMs ? ' (its start-up allowance, startSeconds)' : '';
      return fail('stalled', `stalled: ${what} for ${secs(stallLimit(facts))} since it started${allowance}; the process group was killed`, facts);
    }
    return fail('stalled', `stalled: ${what} for ${secs(facts.stallMs)}; the process group was killed`, facts);
  }
  if (!v.ok) {
    const extra: Record<string, unknown> = {};
    if (v.kind === 'rate_limit' && v.retry_after_seconds !== undefined) extra.retry_after = Math.min(v.retry_after_seconds, 7 * 24 * 3600);
    if (v.kind === 'needs_input' && v.question) extra.question = clip(v.question, 20_000);
    return fail(v.kind ?? 'transient', v.error ?? v.summary ?? `exited with code ${p.exitCode}`, facts, extra);
  }
  if (facts.verify && !facts.verify.ok) return fail('transient', describeVerifyFailure(facts.verify), facts);
  const evidence: Record<string, unknown> = { exit_code: p.exitCode, duration_ms: p.durationMs, log: facts.logPath };
  if (facts.verify) evidence.verify = facts.verify.results;
  const input: Record<string, unknown> = { summary: clip(v.summary, 100_000), evidence, ...metrics(v, facts.usage) };
  if (p.exitCode !== null) input.exit_code = p.exitCode;
  return { verb: 'complete', input };
}
