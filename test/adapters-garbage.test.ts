import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CLI_KINDS, getAdapter } from '../src/core/adapters/index.js';
import { FAILURE_KINDS } from '../src/core/policy.js';
import type { RunOutput, Verdict } from '../src/core/adapters/index.js';
import { createUsageMeter } from '../src/core/adapters/usage-meter.js';
import { readSample } from './helpers/fixtures.js';

const JSON_CLIS = ['claude', 'codex', 'gemini', 'opencode', 'qwen'] as const;
const SUCCESS: Record<(typeof JSON_CLIS)[number], string> = {
  claude: 'claude-p-json.json', codex: 'codex-exec.jsonl', gemini: 'gemini-p-json.json',
  opencode: 'opencode-run.jsonl', qwen: 'qwen-json.json',
};
const parse = (cli: string, out: Partial<RunOutput>): Verdict =>
  getAdapter(cli).parse({ stdout: '', stderr: '', exitCode: 0, ...out });

function assertTransient(v: Verdict, error: RegExp): void {
  assert.equal(v.ok, false);
  assert.equal(v.kind, 'transient');
  assert.match(v.error ?? '', error);
}

for (const cli of JSON_CLIS) {
  test(`${cli}: non-JSON output is a transient failure, not a throw`, () => {
    assertTransient(parse(cli, { stdout: 'Segmentation fault (core dumped)\n' }), /not JSON: Segmentation fault/);
  });
  test(`${cli}: empty output is a transient failure`, () => {
    assertTransient(parse(cli, { stdout: '  \n' }), /printed no output/);
  });
  test(`${cli}: output cut in half (process died mid-stream) is a transient failure`, () => {
    const text = readSample(SUCCESS[cli]);
    assertTransient(parse(cli, { stdout: text.slice(0, text.length / 2), exitCode: 1 }), /truncated|not JSON|exited|no result/);
  });
  test(`${cli}: valid output but a non-zero exit is not a success`, () => {
    assertTransient(parse(cli, { stdout: readSample(SUCCESS[cli]), exitCode: 3 }), /code 3/);
  });
  test(`${cli}: auth words on stderr make unreadable output fatal`, () => {
    const v = parse(cli, { stdout: '', stderr: 'Error: Invalid API key provided\n', exitCode: 1 });
    assert.equal(v.kind, 'fatal');
  });
}

test('claude: truncated stream-json says truncated and keeps the session id', () => {
  const text = readSample('claude-p-stream.jsonl');
  const v = parse('claude', { stdout: text.slice(0, Math.floor(text.length / 2)), exitCode: 1 });
  assertTransient(v, /ended mid-stream \(truncated\)/);
  assert.equal(v.session_id, 'b71648f0-d92d-4ce5-86e1-665260ab5f31');
});

test('claude: success text that talks about rate limits is still a success', () => {
  const doc = JSON.parse(readSample('claude-p-json.json'));
  doc.result = 'Added a 429 rate limit middleware; quota errors now return 401.';
  assert.equal(parse('claude', { stdout: JSON.stringify(doc) }).ok, true);
});

test('claude: error_max_turns is a transient turn limit', () => {
  const doc = { ...JSON.parse(readSample('claude-p-json.json')), is_error: true, subtype: 'error_max_turns', result: undefined };
  assertTransient(parse('claude', { stdout: JSON.stringify(doc), exitCode: 1 }), /turn limit/);
});

test('claude: 529 overloaded is a rate limit', () => {
  const doc = { ...JSON.parse(readSample('claude-p-json.json')), is_error: true, api_error_status: 529, result: 'API Error: Overloaded' };
  const v = parse('claude', { stdout: JSON.stringify(doc), exitCode: 1 });
  assert.equal(v.kind, 'rate_limit');
  assert.equal(v.retry_after_seconds, undefined);
});

test('codex: a stream that stops before turn.completed is a failure even with exit 0', () => {
  const lines = readSample('codex-exec.jsonl').trim().split('\n');
  assertTransient(parse('codex', { stdout: lines.slice(0, -1).join('\n') }), /without turn\.completed \(last event: item\.completed\)/);
});

test('gemini: exit codes 41, 53, 55', () => {
  assert.deepEqual(
    [41, 53, 55].map((exitCode) => parse('gemini', { exitCode, stderr: 'boom' })).map((v) => [v.kind, v.error]),
    [
      ['fatal', 'authentication failed (gemini exit 41): boom'],
      ['transient', 'gemini stopped at its turn limit (exit 53): boom'],
      ['fatal', 'gemini refused an untrusted folder (exit 55; needs --skip-trust): boom'],
    ],
  );
});

test('gemini: log lines around the JSON do not hide the result', () => {
  const stdout = `Loaded cached credentials.\n${readSample('gemini-p-json.json')}\n`;
  assert.equal(parse('gemini', { stdout }).summary, 'OK: mock reply');
});

test('opencode: an error line fails the run even with exit 0', () => {
  const v = parse('opencode', { stdout: readSample('opencode-error.jsonl') });
  assertTransient(v, /^UnknownError: Unexpected server error/);
});

test('qwen: exit 55 (session budget) is transient', () => {
  assertTransient(parse('qwen', { stdout: readSample('qwen-json.json'), exitCode: 55 }), /session budget \(exit 55\)/);
});

test('JSON CLIs: log noise lines between events are skipped', () => {
  const noisy = readSample('codex-exec.jsonl').replace('{"type":"turn.started"}', 'warning: something\n{"type":"turn.started"}');
  assert.equal(parse('codex', { stdout: noisy }).ok, true);
});

test('command: empty output with exit 0 is a success with an empty summary', () => {
  assert.deepEqual(parse('command', {}), { ok: true, summary: '' });
});

test('command: summary is bounded to the last lines within 2000 chars', () => {
  const stdout = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n\n';
  const v = parse('command', { stdout });
  assert.ok(v.summary.length <= 2000);
  assert.ok(v.summary.endsWith('line 498\nline 499'));
  assert.ok(v.summary.startsWith('line '));
  const one = parse('command', { stdout: 'x'.repeat(5000) + 'END' }).summary;
  assert.equal(one.length, 2000);
  assert.ok(one.endsWith('xEND'));
});

test('command: non-zero exit reports stderr tail; aider too', () => {
  assert.deepEqual(parse('command', { stderr: 'bad thing\n', exitCode: 4 }), {
    ok: false, kind: 'transient', summary: 'exited with code 4: bad thing', error: 'exited with code 4: bad thing',
  });
  assertTransient(parse('aider', { stdout: 'Aider v0.86.1\n', stderr: 'Traceback\nKeyError: x\n', exitCode: 1 }), /KeyError: x/);
});

test('property: parse never throws and always returns a well-formed verdict', () => {
  const stdout = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.json(), { maxLength: 6 }).map((lines) => lines.join('\n')),
    fc.array(fc.jsonValue(), { maxLength: 4 }).map((items) => JSON.stringify(items)),
  );
  fc.assert(
    fc.property(fc.constantFrom(...CLI_KINDS), stdout, fc.string({ maxLength: 80 }), fc.option(fc.integer({ min: 0, max: 255 })), (cli, out, err, exitCode) => {
      const v = getAdapter(cli).parse({ stdout: out, stderr: err, exitCode, signal: exitCode === null ? 'SIGTERM' : null });
      assert.equal(typeof v.ok, 'boolean');
      assert.equal(typeof v.summary, 'string');
      if (!v.ok) assert.ok(v.kind !== undefined && FAILURE_KINDS.includes(v.kind) && typeof v.error === 'string');
      else assert.equal(v.kind, undefined);
    }),
    { numRuns: 2000 },
  );
});

test('usage meter: negative figures in a CLI stream count as nothing (they cannot lower a run or a budget\'s spend)', () => {
  const lines = (events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');
  const opencode = createUsageMeter('opencode');
  opencode.push(lines([
    { type: 'step_finish', part: { cost: 0.5, tokens: { input: 100, output: 10 } } },
    { type: 'step_finish', part: { cost: -1000, tokens: { input: -1e9, output: -5, reasoning: -1 } } },
  ]));
  assert.deepEqual(opencode.usage(), { cost_usd: 0.5, tokens_in: 100, tokens_out: 10, turns: 2 });
  const codex = createUsageMeter('codex');
  codex.push(lines([
    { type: 'turn.completed', usage: { input_tokens: 300, output_tokens: 30 } },
    { type: 'turn.completed', usage: { input_tokens: -300, output_tokens: -30 } },
  ]));
  assert.deepEqual(codex.usage(), { tokens_in: 300, tokens_out: 30, turns: 2 });
  const claude = createUsageMeter('claude');
  claude.push(lines([{ type: 'result', total_cost_usd: -5, num_turns: -1, usage: { input_tokens: -10, output_tokens: 7 } }]));
  assert.deepEqual(claude.usage(), { tokens_out: 7 });
});
