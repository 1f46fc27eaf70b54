// Outcome classification shared by every adapter: questions, rate limits, auth, kills.
import type { FailureKind } from '../policy.js';
import type { Metrics, RunOutput, Verdict } from './types.js';
import { clipHead, clipTail } from './parse-util.js';

/** What an adapter read from a CLI's output, before the shared rules decide the verdict. */
export interface Reading extends Metrics {
  /** The CLI itself reported success (its own success rule, REFERENCE §3). */
  ok: boolean;
  /** The agent's final text; scanned for a NEEDS_INPUT line. '' when there is none. */
  text: string;
  /** What to report as the summary when it is not `text` itself (e.g. a stdout tail). */
  summary?: string;
  /** Why the CLI failed, in its words (used when !ok). */
  error?: string;
  /** More text to scan for rate-limit and auth words (error fields, not the agent's prose). */
  evidence?: string;
  /** A kind the adapter already knows from a structured signal (e.g. an exit code). */
  kind?: FailureKind;
}

const QUESTION_LINE = /^[ \t>*_`#-]*NEEDS_INPUT[*_`]*[ \t]*:[*_`]*[ \t]*(\S.*?)[ \t]*$/m;
const AUTH_PATTERNS = [
  /\b401\b/,
  /unauthori[sz]ed/i,
  /authenticat/i,
  /\bAuthError\b|ProviderAuthError/,
  /(?:invalid|incorrect|bad|missing)[ _-]?(?:x-)?api[ _-]?key/i,
  /api[ _-]?key (?:is )?(?:not valid|invalid|incorrect|missing)/i,
];
const RATE_PATTERNS = [
  /\b429\b/,
  /\b529\b/,
  /rate[ _-]?limit/i,
  /too many requests/i,
  /quota/i,
  /overloaded/i,
  /RESOURCE_EXHAUSTED/,
  /throttl/i,
];
const RETRY_AFTER =
  /(?:retry[-_ ]?after|retry[-_ ]?delay|retry in|try again in)["'\s:=]*((?:\d+(?:\.\d+)?\s*(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)?(?![a-z])\s*)+)/i;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)?(?![a-z])/gi;

/** The question of the first `NEEDS_INPUT: question` line in `text`, if any. */
export function findQuestion(text: string): string | undefined {
  const match = QUESTION_LINE.exec(text);
  return match ? match[1] : undefined;
}

/** True when the text reads like an authentication failure (401, bad API key). */
export function looksLikeAuthFailure(text: string): boolean {
  return AUTH_PATTERNS.some((re) => re.test(text));
}

/** True when the text reads like a rate limit or exhausted quota (429, 529, "overloaded"). */
export function looksLikeRateLimit(text: string): boolean {
  return RATE_PATTERNS.some((re) => re.test(text));
}

/** Seconds to wait, from "retry after 30s", "retry-after: 30", "try again in 2 minutes"; rounded up. */
export function parseRetryAfter(text: string): number | undefined {
  const match = RETRY_AFTER.exec(text);
  if (!match) return undefined;
  let seconds = 0;
  for (const part of match[1].matchAll(DURATION_PART)) {
    const value = Number(part[1]);
    const unit = (part[2] ?? 's').toLowerCase();
    if (unit === 'ms' || unit.startsWith('milli')) seconds += value / 1000;
    else if (unit.startsWith('h')) seconds += value * 3600;
    else if (unit.startsWith('m')) seconds += value * 60;
    else seconds += value;
  }
  return seconds > 0 ? Math.max(1, Math.ceil(seconds)) : undefined;
}

/** Kind of a failure from its text alone: auth → fatal, rate limit → rate_limit, else transient. */
export function classifyFailureText(text: string): FailureKind {
  if (looksLikeAuthFailure(text)) return 'fatal';
  if (looksLikeRateLimit(text)) return 'rate_limit';
  return 'transient';
}

function metricsOf(reading: Reading): Metrics {
  const out: Metrics = {};
  if (reading.cost_usd !== undefined) out.cost_usd = reading.cost_usd;
  if (reading.tokens_in !== undefined) out.tokens_in = reading.tokens_in;
  if (reading.tokens_out !== undefined) out.tokens_out = reading.tokens_out;
  if (reading.session_id !== undefined) out.session_id = reading.session_id;
  return out;
}

/** Applies the shared rules (kill → needs_input → success → auth/rate/transient) to a reading. */
export function finishVerdict(reading: Reading, out: RunOutput): Verdict {
  const metrics = metricsOf(reading);
  const text = reading.text.trim();
  const summary = (reading.summary ?? reading.text).trim();
  if (out.exitCode === null) {
    const error = `killed by signal ${out.signal ?? 'unknown'}`;
    return { ok: false, kind: 'transient', summary: clipHead(summary || error), error, ...metrics };
  }
  const question = findQuestion(text);
  if (question !== undefined) {
    const error = `needs input: ${clipHead(question, 1000)}`;
    return { ok: false, kind: 'needs_input', question, summary: clipHead(summary), error, ...metrics };
  }
  if (reading.ok) return { ok: true, summary: clipHead(summary), ...metrics };
  const detail = clipHead(reading.error?.trim() || `exited with code ${out.exitCode}`, 1000);
  const scan = [reading.error ?? '', reading.evidence ?? '', clipTail(out.stderr, 8000)].join('\n');
  const kind = reading.kind ?? classifyFailureText(scan);
  const verdict: Verdict = { ok: false, kind, summary: clipHead(summary || detail), error: detail, ...metrics };
  if (reading.kind === undefined && kind === 'fatal') verdict.error = `authentication failed: ${detail}`;
  if (kind === 'rate_limit') {
    if (reading.kind === undefined) verdict.error = `rate limited: ${detail}`;
    const wait = parseRetryAfter(scan);
    if (wait !== undefined) verdict.retry_after_seconds = wait;
  }
  return verdict;
}
