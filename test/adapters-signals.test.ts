// Failure classification from structured signals only (issue 15): what the CLIs report, never the agent's prose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliRetryLines, getAdapter, opencodeStreamErrors, readProtocolLine, statusInCliError, type Verdict } from '../src/core/adapters/index.js';
import { decideOutcome, type OutcomeFacts } from '../src/runner/outcome.js';
import type { ProcessResult } from '../src/runner/supervise.js';
import { readSample } from './helpers/fixtures.js';

const parse = (cli: string, out: { stdout?: string; stderr?: string; exitCode?: number | null }): Verdict =>
  getAdapter(cli).parse({ stdout: out.stdout ?? '', stderr: out.stderr ?? '', exitCode: out.exitCode === undefined ? 0 : out.exitCode });

const decide = (p: Partial<ProcessResult>, verdict: Verdict) => {
  const process: ProcessResult = { ended: 'exit', stdout: '', stderr: '', exitCode: 0, signal: null, durationMs: 5, ...p };
  const facts: OutcomeFacts = { process, verdict, timeoutMs: 60_000, stallMs: 30_000, logPath: '/l' };
  const d = decideOutcome(facts);
  assert.notEqual(d.verb, 'none');
  return d as Exclude<typeof d, { verb: 'none' }>;
};

test('the issue\'s examples: a command\'s output words are not a failure kind', () => {
  for (const stdout of ['test failed: expected status 401 but got 200\n', 'FAIL: user over storage quota\n', 'HTTP 429 Too Many Requests\n']) {
    const v = parse('command', { stdout, stderr: stdout, exitCode: 1 });
    assert.equal(v.kind, 'transient', stdout);
    assert.doesNotMatch(v.error ?? '', /authentication|rate limited/);
  }
});

test('the agent\'s prose in a successful or failed result decides nothing', () => {
  const claude = JSON.parse(readSample('claude-p-json.json'));
  claude.result = 'test failed: expected status 401 but got 200. FAIL: user over storage quota (429)';
  assert.equal(parse('claude', { stdout: JSON.stringify(claude) }).ok, true);
  // A failed codex turn without a status in its own error envelope is transient, whatever the agent said before it.
  const lines = readSample('codex-exec.jsonl').trim().split('\n');
  lines[3] = JSON.stringify({ type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: 'FAIL: user over storage quota; 401' } });
  lines[4] = JSON.stringify({ type: 'turn.failed', error: { message: 'stream disconnected before completion' } });
  assert.equal(parse('codex', { stdout: lines.join('\n'), exitCode: 1 }).kind, 'transient');
  // aider: only its litellm exception class at the start of a line counts.
  const aider = 'I will fix the 401 handler; The API provider has rate limited you sometimes.\n';
  assert.equal(parse('aider', { stdout: aider }).ok, true);
});

test('qwen 0.15 (recorded): an API error reported as success is read from its structured fields', () => {
  // Qwen Code 0.15.10 against the harness's 401 (npm run e2e:fixtures): subtype success, is_error false, exit 0.
  const stdout = readSample('real/qwen-0.15.10-e401.stdout');
  const v = parse('qwen', { stdout, exitCode: 0 });
  assert.equal(v.ok, false);
  assert.equal(v.kind, 'fatal');
  assert.match(v.error!, /^authentication failed: \[API Error: 401 Incorrect API key/);
  const doc = JSON.parse(stdout);
  const result = doc[doc.length - 1];
  result.result = '[API Error: 500 Internal Server Error]';
  assert.equal(parse('qwen', { stdout: JSON.stringify(doc) }).kind, 'transient');
  result.result = '[API Error: 429 Throttling: please try again in 2 minutes.]';
  const limited = parse('qwen', { stdout: JSON.stringify(doc) });
  assert.deepEqual([limited.kind, limited.retry_after_seconds], ['rate_limit', 120]);
  // The same words from the model (it produced tokens, the CLI counted no error) are a success.
  result.result = '[API Error: 401 is what the handler now returns]';
  result.usage.output_tokens = 20;
  assert.equal(parse('qwen', { stdout: JSON.stringify(doc) }).ok, true);
  result.usage.output_tokens = 0;
  for (const m of Object.values(result.stats.models) as Array<{ api: { totalErrors: number } }>) m.api.totalErrors = 0;
  assert.equal(parse('qwen', { stdout: JSON.stringify(doc) }).ok, true);
});

test('qwen 0.24 (recorded): is_error with the [API Error: 401] envelope is fatal', () => {
  const v = parse('qwen', { stdout: readSample('qwen-401-json.json'), exitCode: 1 });
  assert.deepEqual([v.kind, v.error], ['fatal', 'authentication failed: [API Error: 401 Incorrect API key provided: bad]']);
});

test('gemini (recorded): its retry lines on stderr make a timeout a rate limit, not a strike', () => {
  // Gemini CLI 0.61.0's own 429 loop (its defaults, no retry knob), cut after 45 s as a timeout would (npm run e2e:fixtures).
  const stderr = readSample('real/gemini-0.61.0-e429-retrying.stderr');
  assert.deepEqual(cliRetryLines(stderr)?.kind, 'rate_limit');
  assert.equal(cliRetryLines(stderr)?.attempts, 3);
  const v = parse('gemini', { stderr, exitCode: null });
  const d = decide({ ended: 'timeout', exitCode: null, signal: 'SIGTERM', stderr }, v);
  assert.equal(d.input.kind, 'rate_limit');
  assert.match(String(d.input.error), /^rate limited: timed out after 60 s while the CLI retried HTTP 429 \(3 retries; last: Attempt 3 failed with status 429/);
  // A stall during them too; retries of a 5xx are still a strike, recorded as that server error (not a bare timeout).
  assert.equal(decide({ ended: 'stalled', exitCode: null, stderr }, v).input.kind, 'rate_limit');
  const five = stderr.replace(/status 429/g, 'status 503');
  const d5 = decide({ ended: 'timeout', exitCode: null, stderr: five }, parse('gemini', { stderr: five, exitCode: null }));
  assert.equal(d5.input.kind, 'transient');
  assert.match(String(d5.input.error), /^timed out after 60 s while the CLI retried HTTP 503 \(3 retries; last: Attempt 3 failed with status 503/);
  // The quota branch announces its delay.
  const quota = 'Attempt 2 failed: You exceeded your current quota. Retrying after 12000ms...\n';
  assert.deepEqual(cliRetryLines(quota), { kind: 'rate_limit', attempts: 1, line: quota.trim(), retry_after_seconds: 12 });
  // Qwen Code (a fork) logs the same lines during its silent 429 loop.
  const q = parse('qwen', { stderr, exitCode: null });
  assert.equal(decide({ ended: 'timeout', exitCode: null, stderr }, q).input.kind, 'rate_limit');
});

test('gemini (recorded): a 401 exits 145 (401 mod 256) and is fatal; the exit codes of its FatalError classes', () => {
  const recorded = JSON.parse(readSample('real/gemini-0.61.0-e401.json')) as { exitCode: number };
  assert.equal(recorded.exitCode, 145);
  const v = parse('gemini', { stderr: readSample('real/gemini-0.61.0-e401.stderr'), exitCode: recorded.exitCode });
  assert.equal(v.kind, 'fatal');
  assert.match(v.error!, /^authentication failed: /);
  assert.equal(parse('gemini', { stderr: 'boom', exitCode: 145 }).kind, 'fatal');
  assert.equal(parse('gemini', { stderr: 'boom', exitCode: 173 }).kind, 'rate_limit');
  assert.equal(parse('gemini', { stderr: 'bad settings', exitCode: 52 }).kind, 'fatal');
});

test('a CLI that refuses to start (no output, a reason on stderr) is a configuration failure with the reason', () => {
  // Claude Code 2.1.197 as root with bypass and without IS_SANDBOX=1, recorded (npm run e2e:fixtures): exit 1, no stdout.
  const stderr = readSample('real/claude-2.1.197-root-refusal.stderr');
  assert.equal(readSample('real/claude-2.1.197-root-refusal.stdout'), '');
  for (const cli of ['claude', 'codex', 'opencode', 'qwen', 'gemini']) {
    const v = parse(cli, { stderr, exitCode: cli === 'codex' ? 2 : 1 });
    assert.deepEqual([v.kind, v.cause], ['fatal', 'config'], cli);
    assert.match(v.error!, /refused to start .*cannot be used with root\/sudo privileges/, cli);
  }
  const d = decide({ exitCode: 1, stderr }, parse('claude', { stderr, exitCode: 1 }));
  assert.equal((d.input.evidence as Record<string, unknown>).cause, 'config');
});

test('every recorded error carries the stderr tail (bounded)', () => {
  const stderr = `${'x'.repeat(5000)}\nthe real reason\n`;
  const d = decide({ exitCode: 1, stderr }, { ok: false, summary: '', kind: 'transient', error: 'claude exited with code 1' });
  assert.match(String(d.input.error), /^claude exited with code 1\n--- stderr \(tail\) ---\n…x+\nthe real reason$/);
  assert.ok(String(d.input.error).length < 2100);
  assert.equal(((d.input.evidence as Record<string, unknown>).stderr_tail as string).length, 2000);
  const t = decide({ ended: 'timeout', exitCode: null, stderr: 'still waiting on the model\n' }, { ok: false, summary: '' });
  assert.match(String(t.input.error), /stderr \(tail\) ---\nstill waiting on the model$/);
  // Not quoted twice when the error already ends with it.
  const once = decide({ exitCode: 1, stderr: 'boom\n' }, { ok: false, summary: '', error: 'exited with code 1: boom' });
  assert.equal(once.input.error, 'exited with code 1: boom');
});

test('cli: command protocol — STEWARD_RESULT lines', () => {
  assert.deepEqual(readProtocolLine('working\nSTEWARD_RESULT: rate_limit retry_after=60 provider said 429\n', ''), {
    kind: 'rate_limit', retry_after_seconds: 60, message: 'provider said 429',
  });
  assert.equal(readProtocolLine('  STEWARD_RESULT: fatal indented', ''), undefined);
  assert.equal(readProtocolLine('echo "STEWARD_RESULT: fatal"', ''), undefined);
  assert.equal(readProtocolLine('STEWARD_RESULT: bogus', ''), undefined);
  const limited = parse('command', { stdout: 'STEWARD_RESULT: rate_limit retry_after=60\n', exitCode: 1 });
  assert.deepEqual([limited.kind, limited.retry_after_seconds], ['rate_limit', 60]);
  assert.equal(parse('command', { stderr: 'STEWARD_RESULT: fatal bad credentials\n', exitCode: 3 }).kind, 'fatal');
  assert.equal(parse('command', { stderr: 'STEWARD_RESULT: transient\n', exitCode: 0 }).kind, 'transient');
  const asked = parse('command', { stdout: 'STEWARD_RESULT: needs_input Which region?\n', exitCode: 0 });
  assert.deepEqual([asked.kind, asked.question], ['needs_input', 'Which region?']);
  assert.equal(parse('command', { stdout: 'all good\n', exitCode: 0 }).ok, true);
});

test('statusInCliError reads only the CLIs\' own envelopes', () => {
  const table: [string, number | undefined][] = [
    ['API Error: 429 {"type":"error"}', 429],
    ['[API Error: 401 Incorrect API key provided: bad]', 401],
    ['unexpected status 401 Unauthorized: Incorrect API key', 401],
    ['exceeded retry limit, last status: 429 Too Many Requests', 429],
    ['got status: 503 Service Unavailable', 503],
    ['test failed: expected status 401 but got 200', undefined],
    ['FAIL: user over storage quota', undefined],
    ['the API Error: 401 page', undefined],
  ];
  assert.deepEqual(table.map(([t]) => statusInCliError(t)), table.map(([, want]) => want));
});

test('opencodeStreamErrors: the task call\'s "stream error" ERROR lines of its log; the title call (small=true) and other lines are not', () => {
  const line = (small: boolean, error: string) =>
    `timestamp=2026-12-04T13:12:12.433Z level=ERROR run=6aa4a34d message="stream error" providerID=mock modelID=m session.id=ses_1 small=${small} agent=build mode=primary error.error="${error}"`;
  const info = 'timestamp=2026-12-04T13:12:11.428Z level=INFO run=6aa4a34d message=stream providerID=mock modelID=m small=false';
  assert.equal(opencodeStreamErrors(''), undefined);
  assert.equal(opencodeStreamErrors([info, line(true, 'AI_RetryError: Failed after 3 attempts.')].join('\n')), undefined);
  // A model's words about errors are not a log line of opencode's.
  assert.equal(opencodeStreamErrors('message="stream error" error.error="AI_APICallError: x" (said the agent)'), undefined);
  const s = opencodeStreamErrors([info, line(false, 'AI_APICallError: first'), line(true, 'AI_RetryError: t'), line(false, 'AI_APICallError: Rate limit \\"x\\"')].join('\n'));
  assert.deepEqual(s, { kind: 'transient', attempts: 2, line: 'stream error: AI_APICallError: Rate limit \\"x\\"' });
});
