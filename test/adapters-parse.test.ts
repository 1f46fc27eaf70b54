import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_KINDS, getAdapter } from '../src/core/adapters/index.js';
import type { Verdict } from '../src/core/adapters/index.js';
import { loadCases, readSample, runOutputOf } from './helpers/fixtures.js';

const cases = loadCases();
const parseCase = (cli: string, mode: string): Verdict => getAdapter(cli).parse(runOutputOf(cases[cli][mode]));
const QUESTION = 'Should the cache live in Redis or in memory?';
const QUESTION_TEXT = `I read the schema and the two call sites.\nNEEDS_INPUT: ${QUESTION}`;

test('claude: recorded json result', () => {
  assert.deepEqual(parseCase('claude', 'success'), {
    ok: true, summary: 'OK: mock reply', cost_usd: 0.0008, tokens_in: 100, tokens_out: 20, turns: 1,
    session_id: 'd8c0c3f9-8afc-489b-b97d-22c195760387',
  });
});

test('claude: recorded stream-json output is read too', () => {
  assert.deepEqual(parseCase('claude', 'stream'), {
    ok: true, summary: 'Done: wrote out.txt', cost_usd: 0.0016, tokens_in: 200, tokens_out: 40, turns: 2,
    session_id: 'b71648f0-d92d-4ce5-86e1-665260ab5f31',
  });
});

test('claude: recorded 401 (subtype "success" but is_error) is a fatal auth failure', () => {
  assert.deepEqual(parseCase('claude', 'auth'), {
    ok: false, kind: 'fatal', summary: 'Invalid API key · Fix external API key',
    error: 'authentication failed: API error 401 authentication_error: Invalid API key · Fix external API key',
    cost_usd: 0, tokens_in: 0, tokens_out: 0, turns: 1, session_id: '9fd3a9f6-1566-4c7c-a821-d74815b8fe77',
  });
});

test('claude: cache tokens count as input', () => {
  const doc = JSON.parse(readSample('claude-p-json.json'));
  doc.usage.cache_read_input_tokens = 1000;
  doc.usage.cache_creation_input_tokens = 5;
  const v = getAdapter('claude').parse({ stdout: JSON.stringify(doc), stderr: '', exitCode: 0 });
  assert.equal(v.tokens_in, 1105);
});

test('codex: recorded jsonl (an item of type error is only a warning)', () => {
  assert.deepEqual(parseCase('codex', 'success'), {
    ok: true, summary: 'OK: mock reply', tokens_in: 100, tokens_out: 20, turns: 1,
    session_id: '01a201fe-545a-71a3-a63e-a595425e4c8f',
  });
});

test('gemini: recorded json', () => {
  assert.deepEqual(parseCase('gemini', 'success'), {
    ok: true, summary: 'OK: mock reply', tokens_in: 200, tokens_out: 40,
    session_id: '47a0214b-a76c-4cac-b9cf-79f5c8ccd713',
  });
});

test('opencode: recorded jsonl', () => {
  assert.deepEqual(parseCase('opencode', 'success'), {
    ok: true, summary: 'OK: mock chat reply', cost_usd: 0, tokens_in: 100, tokens_out: 20, turns: 1,
    session_id: 'ses_dfdffa1e7ffe6Z85YZJHYF2Knf',
  });
});

test('qwen: recorded json array', () => {
  assert.deepEqual(parseCase('qwen', 'success'), {
    ok: true, summary: 'OK: mock chat reply', tokens_in: 200, tokens_out: 40, turns: 1,
    session_id: 'ab15d9db-41ea-4cab-a607-c90ff4b72083',
  });
});

test('qwen: recorded 401 is a fatal auth failure', () => {
  assert.deepEqual(parseCase('qwen', 'auth'), {
    ok: false, kind: 'fatal', summary: '[API Error: 401 Incorrect API key provided: bad]',
    error: 'authentication failed: [API Error: 401 Incorrect API key provided: bad]',
    tokens_in: 0, tokens_out: 0, turns: 1, session_id: 'dff2c948-3bb2-4018-abcc-85720960e6f6',
  });
});

test('aider and command: success summary is the tail of stdout', () => {
  assert.deepEqual(parseCase('aider', 'success'), {
    ok: true,
    summary: readSample('aider-success.txt').split('\n').filter((l) => l.trim()).join('\n'),
    tokens_in: 2100, tokens_out: 310, cost_usd: 0.01,
  });
  assert.deepEqual(parseCase('command', 'success'), { ok: true, summary: 'building...\nrunning 3 checks\nall 3 checks passed' });
});

const RETRY_AFTER: Record<string, number> = { claude: 30, codex: 20, gemini: 38, opencode: 45, qwen: 120, aider: 12, command: 12 };

for (const cli of CLI_KINDS) {
  test(`${cli}: synthesized error is transient`, () => {
    const v = parseCase(cli, 'error');
    assert.equal(v.ok, false);
    assert.equal(v.kind, 'transient');
    assert.match(v.error ?? '', /500|disconnected|server error|FileNotFoundError|tests failed/);
    assert.equal(v.retry_after_seconds, undefined);
  });
  test(`${cli}: auth failure is fatal and says so`, () => {
    const v = parseCase(cli, 'auth');
    assert.equal(v.ok, false);
    assert.equal(v.kind, 'fatal');
    // cli: command says so with its protocol line; the others through their structured error fields.
    assert.match(v.error ?? '', cli === 'command' ? /^STEWARD_RESULT fatal: HTTP 401/ : /^authentication failed/);
  });
  test(`${cli}: rate limit with its retry-after`, () => {
    const v = parseCase(cli, 'rate_limit');
    assert.equal(v.ok, false);
    assert.equal(v.kind, 'rate_limit');
    assert.match(v.error ?? '', /^rate limited: /);
    assert.equal(v.retry_after_seconds, RETRY_AFTER[cli]);
  });
  test(`${cli}: NEEDS_INPUT line becomes a question`, () => {
    const v = parseCase(cli, 'needs_input');
    assert.equal(v.ok, false);
    assert.equal(v.kind, 'needs_input');
    assert.equal(v.question, QUESTION);
    assert.match(v.summary, /NEEDS_INPUT: Should the cache/);
  });
  test(`${cli}: killed by a signal is transient, whatever was printed`, () => {
    const c = cases[cli].success;
    const v = getAdapter(cli).parse({ ...runOutputOf(c), exitCode: null, signal: 'SIGKILL' });
    assert.equal(v.ok, false);
    assert.equal(v.kind, 'transient');
    assert.equal(v.error, 'killed by signal SIGKILL');
  });
}

test('aider: token and cost lines of every model call are added up', () => {
  const stdout = 'Tokens: 1.5k sent, 200 received. Cost: $0.01 message, $0.01 session.\nedit\n'
    + 'Tokens: 12 sent, 1.2k received. Cost: $0.02 message, $0.03 session.\n';
  assert.deepEqual(getAdapter('aider').parse({ stdout, stderr: '', exitCode: 0 }), {
    ok: true, summary: stdout.trim().replace('\n\n', '\n'), tokens_in: 1512, tokens_out: 1400, cost_usd: 0.03,
  });
});

test('needs_input keeps the metrics of the run', () => {
  assert.deepEqual(parseCase('claude', 'needs_input'), {
    ok: false, kind: 'needs_input', question: QUESTION, summary: QUESTION_TEXT, error: `needs input: ${QUESTION}`,
    cost_usd: 0.0008, tokens_in: 100, tokens_out: 20, turns: 1, session_id: 'd8c0c3f9-8afc-489b-b97d-22c195760387',
  });
});
