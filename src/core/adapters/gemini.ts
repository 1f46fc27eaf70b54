// Gemini CLI: `gemini -p PROMPT -o stream-json`, JSONL events ending in `{type:"result", status, stats}`; also reads
// `-o json` (`{session_id, response, stats}`, errors as JSON on stderr) when a profile's args choose it.
import { finishVerdict, type Reading } from './classify.js';
import { clipHead, describeUnreadable, isObject, lastOfType, tailLines, num, parseJsonEvents, parseJsonObject, str, sum, type JsonObject } from './parse-util.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { cliRetryLines, statusInCliError } from './signals.js';
import type { CliAdapter, RunOutput } from './types.js';

/** Gemini CLI exit codes with a fixed meaning (its FatalError classes, packages/core/src/utils/errors.ts). */
export const GEMINI_EXIT = { auth: 41, input: 42, sandbox: 44, config: 52, turnLimit: 53, untrusted: 55 } as const;

/** HTTP statuses Gemini CLI exits with, modulo 256 (a 401 exits 145, a 429 exits 173). */
const EXIT_STATUSES = [401, 403, 429, 500, 502, 503, 504];

/** The HTTP status an exit code stands for, when it is one Gemini CLI passes through. */
export function geminiExitStatus(exitCode: number | null): number | undefined {
  return EXIT_STATUSES.find((s) => exitCode !== null && s % 256 === exitCode);
}

function tokens(stats: unknown): { in?: number; out?: number } {
  const models = isObject(stats) && isObject(stats.models) ? Object.values(stats.models) : [];
  let tin: number | undefined;
  let tout: number | undefined;
  for (const model of models) {
    const t = isObject(model) && isObject(model.tokens) ? model.tokens : undefined;
    if (!t) continue;
    tin = sum(tin, num(t.prompt) ?? num(t.input));
    tout = sum(tout, num(t.candidates), num(t.thoughts));
  }
  return { in: tin, out: tout };
}

interface GeminiError { text: string; type?: string; status?: number }

function errorOf(doc: JsonObject | undefined): GeminiError | undefined {
  if (!doc || doc.error === undefined) return undefined;
  const error = doc.error;
  if (!isObject(error)) return { text: String(error) };
  const type = str(error.type);
  const message = str(error.message) ?? JSON.stringify(error);
  const code = num(error.code) ?? embeddedStatus(message);
  const status = code !== undefined && code >= 400 && code <= 599 ? code : statusInCliError(message);
  // stream-json calls every API error type "unknown": not a type worth reporting.
  const named = type !== undefined && type !== 'unknown' ? type : undefined;
  return { text: named ? `${named}: ${message}` : message, type: named, status };
}

/**
 * The status in the API's own error body that Gemini CLI quotes as its message: `{"error":{"code":401,…}}`, also inside
 * its `[API Error: …]` envelope (the stream-json result of a 401). Read as JSON, never searched for words.
 */
function embeddedStatus(message: string): number | undefined {
  const inner = /^\[API Error: ([\s\S]*)\]$/.exec(message.trim())?.[1] ?? message.trim();
  if (!inner.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(inner) as unknown;
    const error = isObject(body) && isObject(body.error) ? body.error : undefined;
    return num(error?.code);
  } catch {
    return undefined;
  }
}

const FIXED: Partial<Record<number, { kind: 'fatal' | 'transient'; what: string }>> = {
  [GEMINI_EXIT.auth]: { kind: 'fatal', what: 'authentication failed (gemini exit 41)' },
  [GEMINI_EXIT.input]: { kind: 'fatal', what: 'gemini refused its input (exit 42)' },
  [GEMINI_EXIT.sandbox]: { kind: 'fatal', what: 'gemini could not set up its sandbox (exit 44)' },
  [GEMINI_EXIT.config]: { kind: 'fatal', what: 'gemini refused its configuration (exit 52)' },
  [GEMINI_EXIT.turnLimit]: { kind: 'transient', what: 'gemini stopped at its turn limit (exit 53)' },
  [GEMINI_EXIT.untrusted]: { kind: 'fatal', what: 'gemini refused an untrusted folder (exit 55; needs --skip-trust)' },
};

/** The stream-json events' reading: assistant text, the result event's status, stats and error. */
/**
 * The error Gemini CLI reported (in its JSON) and its fixed exit codes: records the error type and HTTP status, and
 * the kind and error text when either decides. True when the run's error is decided here.
 */
function decidedByError(reading: Reading, out: RunOutput, reported: GeminiError | undefined): boolean {
  const fixed = out.exitCode === null ? undefined : FIXED[out.exitCode];
  if (reported?.type) reading.errorType = reported.type;
  const status = reported?.status ?? geminiExitStatus(out.exitCode);
  if (status !== undefined) reading.status = status;
  if (fixed) {
    reading.kind = fixed.kind;
    const detail = reported?.text ?? tailLines(out.stderr, 1000);
    reading.error = `${fixed.what}${detail ? `: ${detail}` : ''}`;
  } else if (reported) reading.error = reported.text;
  else return false;
  return true;
}

/** A failed reading's error names its HTTP status. */
function withStatus(reading: Reading): Reading {
  const status = reading.status;
  if (!reading.ok && status !== undefined && !reading.error?.includes(String(status))) reading.error = `HTTP ${status}: ${reading.error}`;
  return reading;
}

function readStream(out: RunOutput, events: JsonObject[], truncated: boolean): Reading {
  const result = lastOfType(events, 'result');
  const stats = isObject(result?.stats) ? result.stats : {};
  const text = events
    .filter((e) => e.type === 'message' && e.role === 'assistant')
    .map((e) => str(e.content) ?? '')
    .join('');
  const reading: Reading = {
    ok: false,
    text,
    session_id: events.map((e) => str(e.session_id)).find((s) => s !== undefined),
    tokens_in: num(stats.input_tokens),
    tokens_out: num(stats.output_tokens),
    retry: cliRetryLines(out.stderr),
  };
  const reported = errorOf(result);
  if (decidedByError(reading, out, reported)) return withStatus(reading);
  if (!result) reading.error = truncated ? describeUnreadable('gemini', out.stdout, { events, badLines: 1, truncated, empty: false }) : 'gemini output has no result event';
  else if (result.status !== 'success') reading.error = `gemini ended with status ${String(result.status)}`;
  else if (out.exitCode !== 0) reading.error = `gemini exited with code ${out.exitCode}`;
  else reading.ok = true;
  return withStatus(reading);
}

/** stream-json output: JSONL whose events carry a `type` Gemini CLI's stream formatter writes. */
function streamEvents(stdout: string): { events: JsonObject[]; truncated: boolean } | undefined {
  const parsed = parseJsonEvents(stdout);
  const isStream = parsed.events.some((e) => e.type === 'init' || (e.type === 'result' && typeof e.status === 'string'));
  return isStream ? { events: parsed.events, truncated: parsed.truncated } : undefined;
}

function readGemini(out: RunOutput): Reading {
  const stream = streamEvents(out.stdout);
  if (stream) return readStream(out, stream.events, stream.truncated);
  const doc = parseJsonObject(out.stdout);
  const errDoc = parseJsonObject(out.stderr);
  const t = tokens(doc?.stats);
  const reading: Reading = {
    ok: false,
    text: str(doc?.response) ?? '',
    session_id: str(doc?.session_id) ?? str(errDoc?.session_id),
    tokens_in: t.in,
    tokens_out: t.out,
    retry: cliRetryLines(out.stderr),
    silent: out.stdout.trim() === '' && errDoc === undefined,
  };
  const reported = errorOf(doc) ?? errorOf(errDoc);
  if (decidedByError(reading, out, reported)) return withStatus(reading);
  if (!doc) {
    const shown = out.stdout.trim();
    reading.error = shown ? `gemini output is not JSON: ${clipHead(shown, 200)}` : 'gemini printed no output';
  } else if (typeof doc.response !== 'string') reading.error = 'gemini output has no response';
  else if (out.exitCode !== 0) reading.error = `gemini exited with code ${out.exitCode}`;
  else reading.ok = true;
  return withStatus(reading);
}

/**
 * Gemini CLI headless (`-p`) in a trusted workspace, with the profile's permission mode. stream-json, so that a run
 * that prints nothing (a hung model call) is a stall whatever CPU the CLI keeps busy meanwhile.
 * The prompt goes on stdin: `-p` is "appended to input on stdin", so with `-p ''` the prompt is stdin exactly, byte for
 * byte and not bound by the OS argument limit (Gemini reads up to 8 MiB of stdin; steward's prompts are far smaller).
 */
export const geminiAdapter: CliAdapter = {
  cli: 'gemini',
  defaultBin: 'gemini',
  versionArgs: ['--version'],
  streamsEvents: true,
  // Its first line (stderr) comes 20-30 s after its start on a loaded 2-core machine (measured with e2e/).
  startSeconds: 120,
  build(profile, ctx) {
    const own = profile.args ?? [];
    const args = [
      '-p', '',
      ...unlessOverridden('gemini', 'output format', ['-o', 'stream-json'], own),
      ...unlessOverridden('gemini', 'folder trust', ['--skip-trust'], own),
      ...permissionArgs('gemini', profile.permissions, own),
      ...modelArgs('gemini', '-m', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'gemini', args, stdin: ctx.prompt };
  },
  parse(out) {
    return finishVerdict(readGemini(out), out);
  },
};
