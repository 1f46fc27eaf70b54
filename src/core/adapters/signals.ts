// Structured failure signals (pure): HTTP statuses and error types from a CLI's own error channel,
// its retry lines on stderr, and the STEWARD_RESULT protocol line of `cli: command`.
// Never applied to the agent's prose: see docs/DESIGN.md "Failure classification".
import type { FailureKind } from '../policy.js';
import { nextClockTime } from '../clock-time.js';

/** The kind an HTTP status reported by the CLI means: 401/403 fatal, 429/529 rate_limit, 5xx/408 transient. */
export function kindOfStatus(status: number | undefined): FailureKind | undefined {
  if (status === undefined) return undefined;
  if (status === 401 || status === 403) return 'fatal';
  if (status === 429 || status === 529) return 'rate_limit';
  if (status === 408 || (status >= 500 && status <= 599)) return 'transient';
  return undefined;
}

// Error type / class names the CLIs (and the APIs behind them) put in structured error fields.
const TYPE_KINDS: Readonly<Record<string, FailureKind>> = {
  authentication_error: 'fatal', // Anthropic
  permission_error: 'fatal',
  FatalAuthenticationError: 'fatal', // Gemini CLI
  ProviderAuthError: 'fatal', // opencode
  AuthenticationError: 'fatal', // litellm (aider)
  PermissionDeniedError: 'fatal',
  UnauthorizedError: 'fatal', // Gemini CLI's 401 / 403 classes
  ForbiddenError: 'fatal',
  UNAUTHENTICATED: 'fatal', // Google API status
  PERMISSION_DENIED: 'fatal',
  rate_limit_error: 'rate_limit',
  overloaded_error: 'rate_limit',
  RateLimitError: 'rate_limit',
  RESOURCE_EXHAUSTED: 'rate_limit',
  usage_limit_reached: 'rate_limit', // Codex
};

/** The kind an error type or class name from a structured field means, if it is one steward knows. */
export function kindOfErrorType(type: string | undefined): FailureKind | undefined {
  return type !== undefined && Object.hasOwn(TYPE_KINDS, type) ? TYPE_KINDS[type] : undefined;
}

// How the CLIs write an HTTP status into their own error envelopes (never applied to the agent's text):
// Claude/Qwen/Gemini "API Error: 429 …" / "[API Error: 401 …]", Codex "unexpected status 401 …" and
// "exceeded retry limit, last status: 429 …", Gemini's ApiError "got status: 429 …".
const ENVELOPE_STATUS = /^\[?API Error: (\d{3})\b|\b(?:unexpected status|last status:|got status:) (\d{3})\b/;

/** The HTTP status in a CLI-written error message (one of its known envelopes), if any. */
export function statusInCliError(message: string | undefined): number | undefined {
  const m = message === undefined ? null : ENVELOPE_STATUS.exec(message.trim());
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** True for a message in the CLI's "[API Error: …]" envelope (Qwen Code, Gemini CLI). */
export function isApiErrorEnvelope(text: string): boolean {
  return /^\[API Error: /.test(text.trim());
}

const RETRY_AFTER =
  /(?:retry[-_ ]?after|retry[-_ ]?delay|retry in|try again in)["'\s:=]*((?:\d+(?:\.\d+)?\s*(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)?(?![a-z])\s*)+)/i;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)?(?![a-z])/gi;

/**
 * Seconds to wait, from "retry after 30s", "retry-after: 30", "try again in 2 minutes"; rounded up.
 * Only read from an error the CLI already reported as a rate limit (the wait, never the kind).
 */
export function parseRetryAfter(text: string): number | undefined {
  const match = RETRY_AFTER.exec(text);
  if (!match) return undefined;
  let seconds = 0;
  for (const part of match[1]!.matchAll(DURATION_PART)) {
    const value = Number(part[1]);
    const unit = (part[2] ?? 's').toLowerCase();
    if (unit === 'ms' || unit.startsWith('milli')) seconds += value / 1000;
    else if (unit.startsWith('h')) seconds += value * 3600;
    else if (unit.startsWith('m')) seconds += value * 60;
    else seconds += value;
  }
  return seconds > 0 ? Math.max(1, Math.ceil(seconds)) : undefined;
}

const RESET_ISO = /\bresets?\s+(?:at\s+)?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))/i;
const RESET_EPOCH = /(?:\blimit reached\||\bresets?\s+(?:at\s+)?)(\d{10})(?!\d)/i;
const RESET_CLOCK = /\bresets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(?\s*(UTC|[A-Za-z]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)\s*\)?)?/i;

/**
 * Seconds from `now` until the reset time a rate-limit error names: "resets at 2026-01-05T10:00:00Z", Claude
 * Code's "usage limit reached|1767607200" (Unix seconds), "resets 3pm (Europe/Berlin)" or "resets at 15:30"
 * (the next such time, UTC unless a zone is named). Only read from an error already classified as a rate limit.
 */
export function parseResetAt(text: string, now: number): number | undefined {
  let at: number | undefined;
  const iso = RESET_ISO.exec(text);
  const epoch = iso ? null : RESET_EPOCH.exec(text);
  const clock = iso || epoch ? null : RESET_CLOCK.exec(text);
  if (iso) at = Date.parse(iso[1]!.replace(' ', 'T').replace(/\s*UTC$/i, 'Z'));
  else if (epoch) at = Number(epoch[1]) * 1000;
  else if (clock && (clock[2] !== undefined || clock[3] !== undefined)) {
    let hour = Number(clock[1]);
    const minute = Number(clock[2] ?? 0);
    const half = clock[3]?.toLowerCase();
    if (half === 'pm' && hour < 12) hour += 12;
    if (half === 'am' && hour === 12) hour = 0;
    if (hour > 23 || minute > 59 || (half && Number(clock[1]) > 12)) return undefined;
    at = nextClockTime(hour, minute, clock[4] ?? 'UTC', now);
  }
  if (at === undefined || !Number.isFinite(at) || at <= now) return undefined;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** What the CLI's own retry lines on stderr say about the request it kept retrying. */
export interface RetrySignal {
  kind: FailureKind;
  /** Retry lines seen. */
  attempts: number;
  /** The HTTP status of the last one, when it named one. */
  status?: number;
  /** The delay the last one announced, in seconds. */
  retry_after_seconds?: number;
  /** The last retry line, clipped, for the error message. */
  line: string;
}

// Gemini CLI and Qwen Code (packages/core/src/utils/retry.ts) log each retry on stderr:
//   "Attempt 3 failed with status 429. Retrying with backoff..."
//   "Attempt 2 failed with 429 error (no Retry-After header). Retrying with backoff..."
//   "Attempt 4 failed: <quota error>. Retrying after 12000ms..."   (a RetryableQuotaError: a rate limit)
//   "Attempt 1 failed with 5xx error. Retrying with backoff..."
// A few non-word characters may lead (a bullet, a colour code's tail) but never a line break: the real stderr puts the
// closing `}` of the previous error's dump on the line before (recorded: real/gemini-0.61.0-e429-retrying.stderr).
const RETRY_LINE = /^[^\w\n]{0,8}Attempt (\d+) failed\b(.*)$/gm;

/** Reads the CLI's retry lines on stderr; the last one decides. Undefined when there is none. */
export function cliRetryLines(stderr: string): RetrySignal | undefined {
  let last: RegExpExecArray | undefined;
  let attempts = 0;
  for (const m of stderr.matchAll(RETRY_LINE)) {
    attempts++;
    last = m;
  }
  if (!last) return undefined;
  const rest = last[2]!;
  const line = last[0].trim().slice(0, 300);
  const status = /^ with status (\d{3})\b/.exec(rest)?.[1] ?? /^ with (429) error\b/.exec(rest)?.[1];
  // Qwen Code (and Gemini CLI) with a Retry-After header: "Retrying after explicit delay of 7000ms...".
  const after = /Retrying after (?:explicit delay of )?(\d+)ms/.exec(rest);
  const retry_after_seconds = after ? Math.max(1, Math.ceil(Number(after[1]) / 1000)) : undefined;
  if (status !== undefined) {
    const code = Number(status);
    return { kind: kindOfStatus(code) ?? 'transient', attempts, status: code, line, ...(retry_after_seconds ? { retry_after_seconds } : {}) };
  }
  // The quota branch is the only one that prints "Retrying after Nms" without a status.
  if (after) return { kind: 'rate_limit', attempts, line, retry_after_seconds };
  return { kind: 'transient', attempts, line };
}

// opencode (`--print-logs`, its logfmt log on stderr) logs every failed model call of its session retry loop (5 retries,
// backing off 2 s … 30 s or the Retry-After, no setting) as one ERROR line; the status is not in it, only the AI SDK's
// error class and the API's message (recorded: real/opencode-1.18.33-e429.stderr):
//   timestamp=… level=ERROR run=… message="stream error" providerID=mock modelID=m session.id=ses_… small=false
//     agent=build mode=primary error.error="AI_APICallError: Rate limit reached for requests (mock)"
// `small=true` lines are its session-title call (a side request), not the task's.
const OPENCODE_STREAM_ERROR = /^(?=.*\blevel=ERROR\b)(?=.*\bmessage="stream error")(?!.*\bsmall=true\b).*\berror\.error="(AI_[A-Za-z]+Error)\b.*$/gm;

/**
 * opencode's failed model calls (its "stream error" log lines, above): the task's call failed and opencode was retrying
 * it when they are the last thing it logged. The kind is transient: the line names no status (only when opencode gives
 * up does its `error` event carry the statusCode, which the adapter reads). Undefined when there is none.
 */
export function opencodeStreamErrors(stderr: string): RetrySignal | undefined {
  let last: RegExpExecArray | undefined;
  let attempts = 0;
  for (const m of stderr.matchAll(OPENCODE_STREAM_ERROR)) {
    attempts++;
    last = m;
  }
  if (!last) return undefined;
  const error = /\berror\.error="((?:[^"\\]|\\.)*)"/.exec(last[0])?.[1] ?? last[1]!;
  return { kind: 'transient', attempts, line: `stream error: ${error}`.slice(0, 300) };
}

// Qwen Code writes the same retry lines to its debug log (<runtime dir>/debug/<session id>.txt), never to stderr:
//   2026-12-04T13:36:24.880Z [WARN] [RETRY] Attempt 1 failed with status 429. Retrying after explicit delay of 7000ms... {
// (recorded: real/qwen-0.15.10-e429.debug.txt, real/qwen-0.24.4-e500.debug.txt). Only the RETRY logger's own lines count:
// the rest of that file (tool output, error dumps) is not read.
const DEBUG_RETRY_LINE = /^\S+ \[(?:WARN|ERROR)\] \[RETRY\] (Attempt \d+ failed\b[^\n]*)$/gm;

/** The retry lines of a Qwen Code debug log, one a line and unprefixed, ready for cliRetryLines; '' when none. */
export function qwenDebugRetryLines(log: string): string {
  return [...log.matchAll(DEBUG_RETRY_LINE)].map((m) => m[1]!.slice(0, 300)).join('\n');
}

/** A `STEWARD_RESULT:` line a `cli: command` program printed (stdout or stderr; the last one wins). */
export interface ProtocolResult {
  kind: 'rate_limit' | 'fatal' | 'needs_input' | 'transient';
  retry_after_seconds?: number;
  /** The rest of the line: the reason (or the question, for needs_input). */
  message: string;
}

// The rest of the line is taken whole and trimmed in code: a lazy `(.*?)[ \t]*$` is quadratic on a long run of blanks
// followed by a word (a CLI's line of 1 MB would hold the babysitter for hours).
const PROTOCOL_LINE = /^STEWARD_RESULT:[ \t]*(rate_limit|fatal|needs_input|transient)\b[ \t]*(?:retry_after=(\d{1,7})\b[ \t]*)?(.*)$/gm;

/** `text` without the spaces and tabs at its end (a loop, not a regex: linear however long the run). */
export function trimBlanksEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(0, end);
}

/**
 * The documented protocol for `cli: command`: a line `STEWARD_RESULT: <kind> [retry_after=<seconds>] [reason]`
 * at the start of a line of stdout or stderr; kinds rate_limit, fatal, needs_input, transient.
 */
export function readProtocolLine(stdout: string, stderr: string): ProtocolResult | undefined {
  let last: RegExpExecArray | undefined;
  for (const text of [stdout, stderr]) for (const m of text.matchAll(PROTOCOL_LINE)) last = m;
  if (!last) return undefined;
  const out: ProtocolResult = { kind: last[1] as ProtocolResult['kind'], message: trimBlanksEnd(last[3]!).slice(0, 2000) };
  if (last[2] !== undefined && Number(last[2]) > 0) out.retry_after_seconds = Number(last[2]);
  return out;
}
