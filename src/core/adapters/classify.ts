// Outcome classification shared by every adapter, from structured signals only (never the agent's prose).
import type { FailureKind } from '../policy.js';
import type { Metrics, RunOutput, Verdict } from './types.js';
import { clipHead, tailLines } from './parse-util.js';
import { kindOfErrorType, kindOfStatus, parseRetryAfter, trimBlanksEnd, type RetrySignal } from './signals.js';

/** What an adapter read from a CLI's output, before the shared rules decide the verdict. */
export interface Reading extends Metrics {
  /** The CLI itself reported success (its own success rule, REFERENCE §3). */
  ok: boolean;
  /** The agent's final text; scanned for a NEEDS_INPUT line (the prompt's protocol). '' when there is none. */
  text: string;
  /** What to report as the summary when it is not `text` itself (e.g. a stdout tail). */
  summary?: string;
  /** Why the CLI failed, in its words (used when !ok). */
  error?: string;
  /** A kind the adapter already knows from a structured signal (an exit code, a protocol line). */
  kind?: FailureKind;
  /** The HTTP status the CLI reported in a structured field or its own error envelope. */
  status?: number;
  /** The error type / class name the CLI reported in a structured field. */
  errorType?: string;
  /** Seconds to wait, when the CLI said so in a structured way. */
  retryAfterSeconds?: number;
  /** The CLI's own retry lines on stderr (Gemini CLI, Qwen Code). */
  retry?: RetrySignal;
  /** The CLI printed none of its structured output: with a non-zero exit and words on stderr, it refused to start. */
  silent?: boolean;
}

// `(\S.*)` and a trim in code, not a lazy `(\S.*?)[ \t]*$`: that is quadratic on a long run of blanks before a word.
const QUESTION_LINE = /^[ \t>*_`#-]*NEEDS_INPUT[*_`]*[ \t]*:[*_`]*[ \t]*(\S.*)$/m;
/** Longest stderr tail a configuration failure quotes. */
const CONFIG_TAIL = 1000;

/** The question of the first `NEEDS_INPUT: question` line in `text` (the protocol the prompt asks for), if any. */
export function findQuestion(text: string): string | undefined {
  const match = QUESTION_LINE.exec(text);
  return match ? trimBlanksEnd(match[1]!) : undefined;
}

function metricsOf(reading: Reading): Metrics {
  const out: Metrics = {};
  if (reading.cost_usd !== undefined) out.cost_usd = reading.cost_usd;
  if (reading.tokens_in !== undefined) out.tokens_in = reading.tokens_in;
  if (reading.tokens_out !== undefined) out.tokens_out = reading.tokens_out;
  if (reading.turns !== undefined) out.turns = reading.turns;
  if (reading.session_id !== undefined) out.session_id = reading.session_id;
  return out;
}

/** A CLI that exited non-zero before printing any of its structured output, with a reason on stderr: it refused to start. */
export function isConfigFailure(reading: Reading, out: RunOutput): boolean {
  return reading.silent === true && out.exitCode !== null && out.exitCode !== 0 && out.stderr.trim() !== '';
}

type Classified = { kind: FailureKind; how: 'adapter' | 'api' | 'retry' | 'config' | 'none' };

function classify(reading: Reading, out: RunOutput): Classified {
  if (reading.kind) return { kind: reading.kind, how: 'adapter' };
  const api = kindOfStatus(reading.status) ?? kindOfErrorType(reading.errorType);
  if (api) return { kind: api, how: 'api' };
  if (reading.retry && reading.retry.kind !== 'transient') return { kind: reading.retry.kind, how: 'retry' };
  if (isConfigFailure(reading, out)) return { kind: 'fatal', how: 'config' };
  return { kind: 'transient', how: 'none' };
}

/**
 * Applies the shared rules to a reading: killed → needs_input → success → the failure's kind, from (in order)
 * the adapter's structured kind, the reported HTTP status or error type, the CLI's retry lines, the
 * refused-to-start rule; otherwise transient. The agent's text is never searched for error words.
 */
export function finishVerdict(reading: Reading, out: RunOutput): Verdict {
  const metrics = metricsOf(reading);
  const text = reading.text.trim();
  const summary = (reading.summary ?? reading.text).trim();
  // Kept on every verdict: when steward kills the CLI mid-retry (timeout, stall) its retry lines still say why.
  const retrying = reading.retry ? { retrying: reading.retry } : {};
  if (out.exitCode === null) {
    const error = `killed by signal ${out.signal ?? 'unknown'}`;
    return { ok: false, kind: 'transient', summary: clipHead(summary || error), error, ...metrics, ...retrying };
  }
  const question = findQuestion(text);
  if (question !== undefined) {
    const error = `needs input: ${clipHead(question, 1000)}`;
    return { ok: false, kind: 'needs_input', question, summary: clipHead(summary), error, ...metrics };
  }
  if (reading.ok) return { ok: true, summary: clipHead(summary), ...metrics };
  const { kind, how } = classify(reading, out);
  let detail = clipHead(reading.error?.trim() || `exited with code ${out.exitCode}`, 1000);
  if (how === 'config') detail = `the CLI refused to start (exit ${out.exitCode}, no output): ${tailLines(out.stderr, CONFIG_TAIL)}`;
  if (how === 'retry') detail = `${detail} (its last retry: ${reading.retry!.line})`;
  const verdict: Verdict = { ok: false, kind, summary: clipHead(summary || detail), error: detail, ...metrics, ...retrying };
  if (how === 'config') verdict.cause = 'config';
  if (how === 'api' && kind === 'fatal') verdict.error = `authentication failed: ${detail}`;
  if (kind === 'rate_limit') {
    if (how !== 'adapter') verdict.error = `rate limited: ${detail}`;
    const wait = reading.retryAfterSeconds ?? reading.retry?.retry_after_seconds ?? parseRetryAfter(reading.error ?? '');
    if (wait !== undefined) verdict.retry_after_seconds = wait;
  }
  return verdict;
}
