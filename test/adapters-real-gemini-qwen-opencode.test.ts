// The adapters of Gemini CLI, Qwen Code and opencode on what the real CLIs printed under the e2e harness
// (test/fixtures/samples/real/, recorded by `npm run e2e:clis -- --samples` against the mock model): the verdict,
// and for the runs steward kills (a CLI retrying for longer than the timeout) the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cliRetryLines, getAdapter, qwenDebugRetryLines, type Verdict } from '../src/core/adapters/index.js';
import { decideOutcome, type OutcomeFacts } from '../src/runner/outcome.js';
import type { ProcessResult } from '../src/runner/supervise.js';
import { SAMPLES_DIR } from './helpers/fixtures.js';

interface Real {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  argv: string[];
}

function real(name: string): Real {
  const file = (ext: string) => readFileSync(`${SAMPLES_DIR}real/${name}.${ext}`, 'utf8');
  const meta = JSON.parse(file('json')) as { exitCode: number | null; signal: string | null; argv: string[] };
  return { stdout: file('stdout'), stderr: file('stderr'), exitCode: meta.exitCode, signal: meta.signal, argv: meta.argv };
}

const parse = (cli: string, r: Real): Verdict => getAdapter(cli).parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, signal: r.signal });

/** The outcome when steward killed the CLI at its timeout with this output. */
function killedAtTimeout(cli: string, r: Real) {
  const verdict = getAdapter(cli).parse({ stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM' });
  const process: ProcessResult = { ended: 'timeout', stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM', durationMs: 120_000 };
  const facts: OutcomeFacts = { process, verdict, timeoutMs: 120_000, stallMs: 60_000, logPath: '/l' };
  const d = decideOutcome(facts);
  assert.notEqual(d.verb, 'none');
  return (d as Exclude<typeof d, { verb: 'none' }>).input;
}

const G = 'gemini-0.61.0';
const Q = 'qwen-0.15.10';
const O = 'opencode-1.18.33';

test('gemini 0.61 (real): stream-json run → the answer, tokens, session', () => {
  const r = real(`${G}-ok`);
  assert.deepEqual(r.argv.slice(3, 5), ['-o', 'stream-json']);
  const v = parse('gemini', r);
  assert.equal(v.ok, true);
  assert.equal(v.summary, 'E2E-DONE ok');
  assert.ok((v.tokens_in ?? 0) > 0 && (v.tokens_out ?? 0) > 0, JSON.stringify(v));
  assert.match(v.session_id ?? '', /^[0-9a-f-]{36}$/);
});

test('gemini 0.61 (real): a 401 (exit 145, result status error with the API body in its envelope) is fatal', () => {
  const r = real(`${G}-e401-stream-json`);
  assert.equal(r.exitCode, 145);
  const v = parse('gemini', r);
  assert.equal(v.kind, 'fatal');
  assert.match(v.error ?? '', /^authentication failed: .*401/);
});

test('gemini 0.61 (real): killed while retrying a 429 → rate_limit, no strike; while retrying a 500 → transient naming it', () => {
  const limited = killedAtTimeout('gemini', real(`${G}-e429`));
  assert.equal(limited.kind, 'rate_limit');
  assert.match(String(limited.error), /while the CLI retried HTTP 429/);
  const failed = killedAtTimeout('gemini', real(`${G}-e500`));
  assert.equal(failed.kind, 'transient');
  assert.match(String(failed.error), /while the CLI retried HTTP 500/);
});

test('gemini 0.61 (real): a NEEDS_INPUT line in the streamed answer blocks the task with the question', () => {
  const v = parse('gemini', real(`${G}-ask`));
  assert.equal(v.kind, 'needs_input');
  assert.equal(v.question, 'Which colour should the greeting be?');
});

test('qwen 0.15 (real): stream-json run → the answer, tokens, session', () => {
  const r = real(`${Q}-ok`);
  assert.deepEqual(r.argv.slice(2, 4), ['-o', 'stream-json']);
  const v = parse('qwen', r);
  assert.equal(v.ok, true);
  assert.equal(v.summary, 'E2E-DONE ok');
  assert.ok((v.tokens_in ?? 0) > 0 && (v.tokens_out ?? 0) > 0, JSON.stringify(v));
});

test('qwen 0.15 (real): a 401 printed as success (exit 0, is_error false, no stats in stream-json) is a fatal failure', () => {
  const e401 = real(`${Q}-e401-stream-json`);
  assert.equal(e401.exitCode, 0);
  assert.match(e401.stdout, /"subtype":"success".*"is_error":false/);
  assert.doesNotMatch(e401.stdout, /totalErrors/);
  const v401 = parse('qwen', e401);
  assert.equal(v401.ok, false);
  assert.equal(v401.kind, 'fatal');
  assert.match(v401.error ?? '', /^authentication failed: \[API Error: 401 /);
  // The same envelope from a model that answered (it counted input and output tokens) is the model's text.
  const answered = e401.stdout.replace(/"usage":\{"input_tokens":0,"output_tokens":0/g, '"usage":{"input_tokens":100,"output_tokens":20');
  assert.equal(parse('qwen', { ...e401, stdout: answered }).ok, true);
});

test('qwen 0.15 (real): its 429 and 500 loops print nothing after init; without its debug log a kill is all steward knows', () => {
  for (const scenario of ['e429', 'e500']) {
    const r = real(`${Q}-${scenario}`);
    assert.equal(r.stderr.trim(), '', scenario);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).type), ['system'], scenario);
    assert.equal(killedAtTimeout('qwen', r).kind, 'timeout', scenario);
  }
});

/** The outcome when steward stopped the CLI as stalled, with the retry lines of its debug log (runner/cli-log.ts). */
function stalledWithDebugLog(r: Real, debugLog: string) {
  const retryLog = qwenDebugRetryLines(debugLog);
  assert.notEqual(retryLog, '');
  const verdict = getAdapter('qwen').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM', retryLog });
  const process: ProcessResult = { ended: 'stalled', stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM', durationMs: 60_000 };
  const d = decideOutcome({ process, verdict, timeoutMs: 120_000, stallMs: 60_000, logPath: '/l' });
  assert.notEqual(d.verb, 'none');
  return (d as Exclude<typeof d, { verb: 'none' }>).input;
}

const debugLog = (name: string) => readFileSync(`${SAMPLES_DIR}real/${name}.debug.txt`, 'utf8');

test('qwen 0.15 and 0.24 (real debug logs): stalled while retrying a 429 → rate_limit, no strike; a 500 → transient naming it', () => {
  for (const version of ['0.15.10', '0.24.4']) {
    // The stdout of a stalled run is its init event alone (0.15.10's, recorded); the debug log is each version's own.
    const limited = stalledWithDebugLog(real(`${Q}-e429`), debugLog(`qwen-${version}-e429`));
    assert.equal(limited.kind, 'rate_limit', version);
    assert.match(String(limited.error), /while the CLI retried HTTP 429/, version);
    const failed = stalledWithDebugLog(real(`${Q}-e500`), debugLog(`qwen-${version}-e500`));
    assert.equal(failed.kind, 'transient', version);
    assert.match(String(failed.error), /while the CLI retried HTTP 500/, version);
  }
  // 0.24.4 names the Retry-After delay it honours ("Retrying after explicit delay of 7000ms").
  assert.equal(cliRetryLines(qwenDebugRetryLines(debugLog('qwen-0.24.4-e429')))?.retry_after_seconds, 7);
  // Only the RETRY logger's lines count: the OPENAI_ERROR dump and the stack frames beside them are not read.
  assert.deepEqual(qwenDebugRetryLines(debugLog('qwen-0.15.10-e500')).split('\n').map((l) => l.replace(/\. Retrying.*/, '')), [
    'Attempt 1 failed with status 500',
    'Attempt 2 failed with status 500',
    'Attempt 3 failed with status 500',
  ]);
});

test('qwen 0.15 (real): a NEEDS_INPUT line blocks the task with the question', () => {
  const v = parse('qwen', real(`${Q}-ask`));
  assert.equal(v.kind, 'needs_input');
  assert.equal(v.question, 'Which colour should the greeting be?');
});

test('opencode 1.18 (real): run → the answer, tokens; a 401 is fatal; NEEDS_INPUT blocks', () => {
  const ok = parse('opencode', real(`${O}-ok`));
  assert.equal(ok.ok, true);
  assert.equal(ok.summary, 'E2E-DONE ok');
  assert.ok((ok.tokens_in ?? 0) > 0, JSON.stringify(ok));
  const e401 = parse('opencode', real(`${O}-e401`));
  assert.equal(e401.kind, 'fatal');
  assert.match(e401.error ?? '', /401/);
  const ask = parse('opencode', real(`${O}-ask`));
  assert.equal(ask.kind, 'needs_input');
  assert.equal(ask.question, 'Which colour should the greeting be?');
});

test('opencode 1.18 (real): its log on stderr (--print-logs) does not change the reading of a good run', () => {
  const r = real(`${O}-ok`);
  assert.ok(r.argv.includes('--print-logs') && r.argv.includes('--log-level'), r.argv.join(' '));
  assert.match(r.stderr, /level=INFO .*message="creating instance"/);
  const v = parse('opencode', r);
  assert.equal(v.ok, true);
  assert.equal(v.summary, 'E2E-DONE ok');
  assert.equal(v.retrying, undefined);
});

test('opencode 1.18 (real): after its 5 silent retries the error event names the status: 429 → rate_limit with its Retry-After, 500 → transient', () => {
  const e429 = real(`${O}-e429`);
  assert.equal(e429.exitCode, 1);
  const limited = parse('opencode', e429);
  assert.equal(limited.kind, 'rate_limit');
  assert.equal(limited.retry_after_seconds, 7); // the mock's Retry-After header, as opencode recorded it
  assert.match(limited.error ?? '', /^rate limited: APIError: HTTP 429/);
  assert.equal(limited.cause, undefined, 'a run that called the model did not refuse to start');
  const failed = parse('opencode', real(`${O}-e500`));
  assert.equal(failed.kind, 'transient');
  assert.match(failed.error ?? '', /^APIError: HTTP 500/);
  // Its log counted the task's failed calls (the session-title call's lines, small=true, are not the task's).
  assert.equal(failed.retrying?.attempts, 6);
});

test('opencode 1.18 (real): stopped mid-retry → transient, naming the failed model call from its "stream error" log lines', () => {
  const r = real(`${O}-e500-retrying`);
  assert.ok(!/"statusCode"/.test(r.stdout), 'cut before opencode gave up');
  const v = getAdapter('opencode').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM' });
  assert.ok((v.retrying?.attempts ?? 0) >= 1, JSON.stringify(v.retrying));
  const process: ProcessResult = { ended: 'stalled', stdout: r.stdout, stderr: r.stderr, exitCode: null, signal: 'SIGTERM', durationMs: 60_000, firstOutputMs: 1000 };
  const d = decideOutcome({ process, verdict: v, timeoutMs: 240_000, stallMs: 60_000, logPath: '/l' });
  assert.notEqual(d.verb, 'none');
  const input = (d as Exclude<typeof d, { verb: 'none' }>).input;
  assert.equal(input.kind, 'transient');
  assert.match(String(input.error), /^stalled for 60 s while the CLI retried a failed model call \(\d+ retries; last: stream error: AI_APICallError: The server had an error/);
});

test('opencode 1.18 (real): losing the race to create its own database on a first start is transient, not a refusal to start', () => {
  const r = real(`${O}-db-race`);
  assert.equal(r.exitCode, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Failed query:/m);
  const v = parse('opencode', r);
  assert.equal(v.kind, 'transient');
  assert.equal(v.cause, undefined, 'the profile is not flagged as misconfigured');
  assert.match(v.error ?? '', /^opencode's own database failed at start-up .*: CREATE TABLE `\w+`/);
  // Through the babysitter's decision: a failure with a strike (retried), the stderr tail kept as evidence.
  const process: ProcessResult = { ended: 'exit', stdout: r.stdout, stderr: r.stderr, exitCode: 1, signal: null, durationMs: 4000 };
  const d = decideOutcome({ process, verdict: v, timeoutMs: 240_000, stallMs: 60_000, logPath: '/l' });
  assert.equal(d.verb, 'fail');
  const input = (d as Exclude<typeof d, { verb: 'none' }>).input as { kind: string; evidence: { cause?: string; stderr_tail?: string } };
  assert.equal(input.kind, 'transient');
  assert.equal(input.evidence.cause, undefined);
  assert.match(input.evidence.stderr_tail ?? '', /Failed query:/);
  // The same stderr line after the CLI printed its events (it ran): the events decide, as before.
  const ran = real(`${O}-e500`);
  assert.match(parse('opencode', { ...ran, stderr: `${ran.stderr}\nFailed query: SELECT 1\n` }).error ?? '', /^APIError: HTTP 500/);
  // Without the line, a silent exit 1 with words on stderr is still a refusal to start.
  const refused = parse('opencode', { ...r, stderr: 'Error: unknown option --frobnicate\n' });
  assert.equal(refused.kind, 'fatal');
  assert.equal(refused.cause, 'config');
});
