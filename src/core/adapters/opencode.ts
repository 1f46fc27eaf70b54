// opencode: `opencode run --format json --dir D --print-logs --log-level INFO` with the prompt on stdin, JSONL; last
// `text` part is the answer. Its log goes to stderr: it shows start-up progress (opencode prints no event for its first
// 20-60 s on a loaded machine) and each failed model call of its silent session retry (signals.ts opencodeStreamErrors).
import { finishVerdict, type Reading } from './classify.js';
import { describeUnreadable, isObject, num, parseJsonEvents, str, sum, type JsonObject } from './parse-util.js';
import { opencodeStreamErrors } from './signals.js';
import { modelArgs, unlessOverridden } from './flags.js';
import type { CliAdapter, RunOutput } from './types.js';

/** opencode's error line when a query on its own database failed (drizzle's "Failed query: <sql>"), and the SQL's first line. */
const DB_QUERY_FAILED = /^Failed query:[ \t]*\n?[ \t]*(\S[^\n]*)/m;

function errorMessage(event: JsonObject): string {
  const error = isObject(event.error) ? event.error : {};
  const data = isObject(error.data) ? error.data : {};
  const name = str(error.name);
  const status = num(data.statusCode) ?? num(error.statusCode);
  const message = str(data.message) ?? str(error.message) ?? str(event.message) ?? JSON.stringify(event.error ?? event);
  return [name, status !== undefined ? `HTTP ${status}` : undefined, message].filter(Boolean).join(': ');
}

function readOpencode(out: RunOutput): Reading {
  const parsed = parseJsonEvents(out.stdout);
  const reading: Reading = { ok: false, text: '', silent: parsed.empty };
  const errors: string[] = [];
  for (const event of parsed.events) {
    const part = isObject(event.part) ? event.part : {};
    reading.session_id = str(event.sessionID) ?? reading.session_id;
    if (event.type === 'text') reading.text = str(part.text) ?? reading.text;
    else if (event.type === 'step_finish') {
      const t = isObject(part.tokens) ? part.tokens : {};
      const cache = isObject(t.cache) ? t.cache : {};
      reading.cost_usd = sum(reading.cost_usd, num(part.cost));
      reading.tokens_in = sum(reading.tokens_in, num(t.input), num(cache.read), num(cache.write));
      reading.tokens_out = sum(reading.tokens_out, num(t.output), num(t.reasoning));
      reading.turns = (reading.turns ?? 0) + 1;
    } else if (event.type === 'error') {
      errors.push(errorMessage(event));
      // Structured: the error's class name (ProviderAuthError, APIError) and data.statusCode.
      const error = isObject(event.error) ? event.error : {};
      const data = isObject(error.data) ? error.data : {};
      const status = num(data.statusCode) ?? num(error.statusCode);
      if (status !== undefined) reading.status = status;
      if (str(error.name) !== undefined) reading.errorType = str(error.name);
      // The API's Retry-After, as opencode recorded the response's headers.
      const headers = isObject(data.responseHeaders) ? data.responseHeaders : {};
      const after = Number(str(headers['retry-after']) ?? num(headers['retry-after']));
      if (Number.isFinite(after) && after > 0) reading.retryAfterSeconds = Math.ceil(after);
    }
  }
  // Kept for a kill mid-retry (the outcome then says it was retrying a failed model call, not an unexplained hang).
  const retry = opencodeStreamErrors(out.stderr);
  if (retry) reading.retry = retry;
  // A run that reached the model did not refuse to start, whatever its log on stderr holds.
  if (retry) reading.silent = false;
  const db = parsed.empty && out.exitCode !== 0 && out.exitCode !== null ? DB_QUERY_FAILED.exec(out.stderr) : null;
  if (errors.length) reading.error = errors.join('\n');
  else if (db) {
    // opencode's own error line: a query on its own database failed before it printed anything. Two first starts at
    // once race to create that database ("Failed query: CREATE TABLE …"); the next start finds it made. A retry, not a
    // CLI that refuses to start (which would fail the task at once and flag the profile).
    reading.kind = 'transient';
    reading.error = `opencode's own database failed at start-up (another opencode starting at the same time may have been creating it): ${db[1]!.trim().slice(0, 200)}`;
  } else if (!parsed.events.length || parsed.truncated) {
    reading.error = describeUnreadable('opencode', out.stdout, parsed);
  } else if (out.exitCode !== 0) reading.error = `opencode exited with code ${out.exitCode}`;
  else reading.ok = true;
  return reading;
}

/** opencode `run` mode with JSON events. */
export const opencodeAdapter: CliAdapter = {
  cli: 'opencode',
  defaultBin: 'opencode',
  versionArgs: ['--version'],
  streamsEvents: true,
  // Its first log line can take 20-60 s on a loaded machine (a 185 MB binary, its database, the session).
  startSeconds: 120,
  build(profile, ctx) {
    const own = profile.args ?? [];
    // `opencode run` re-quotes arguments with spaces and escapes quotes; stdin (appended when not a TTY) is byte-exact.
    const args = [
      'run',
      ...unlessOverridden('opencode', 'output format', ['--format', 'json'], own),
      ...unlessOverridden('opencode', 'working directory', ['--dir', ctx.workdir], own),
      ...unlessOverridden('opencode', 'log output', ['--print-logs'], own),
      ...unlessOverridden('opencode', 'log level', ['--log-level', 'INFO'], own),
      ...modelArgs('opencode', '-m', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'opencode', args, stdin: ctx.prompt };
  },
  parse(out) {
    return finishVerdict(readOpencode(out), out);
  },
};
