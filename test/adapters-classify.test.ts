import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findQuestion, parseRetryAfter } from '../src/core/adapters/index.js';
import { finishVerdict } from '../src/core/adapters/classify.js';

test('parseRetryAfter reads the usual phrasings, rounding up to whole seconds', () => {
  const table: [string, number | undefined][] = [
    ['retry after 30s', 30],
    ['Retry-After: 30', 30],
    ['retry-after:12\r\n', 12],
    ['Please try again in 2 minutes.', 120],
    ['try again in 1m30s', 90],
    ['Please retry in 37.5s.', 38],
    ['"retryDelay": "41s"', 41],
    ['try again in 250ms', 1],
    ['retry after 2 hours', 7200],
    ['retry after 10 secs', 10],
    ['rate limited, wait a bit', undefined],
    ['retry after soon', undefined],
    ['"retry_delay_ms":588', undefined],
  ];
  assert.deepEqual(table.map(([text]) => parseRetryAfter(text)), table.map(([, want]) => want));
});

test('findQuestion takes a NEEDS_INPUT line, not a mention inside a sentence', () => {
  const table: [string, string | undefined][] = [
    ['NEEDS_INPUT: Which port?', 'Which port?'],
    ['done some work\n  NEEDS_INPUT:   Which port?  \nmore', 'Which port?'],
    ['**NEEDS_INPUT:** Which port?', 'Which port?'],
    ['> NEEDS_INPUT: quoted?', 'quoted?'],
    ['- NEEDS_INPUT: listed?', 'listed?'],
    ['NEEDS_INPUT: first?\nNEEDS_INPUT: second?', 'first?'],
    ['If stuck, end with a line NEEDS_INPUT: <question>', undefined],
    ['NEEDS_INPUT:', undefined],
    ['NEEDS_INPUT:   \n', undefined],
    ['needs_input: lower case is not the marker', undefined],
    ['', undefined],
  ];
  assert.deepEqual(table.map(([text]) => findQuestion(text)), table.map(([, want]) => want));
});

test('finishVerdict order: signal, then question, then success, then failure kind', () => {
  const asked = { ok: true, text: 'NEEDS_INPUT: which?' };
  assert.equal(finishVerdict(asked, { stdout: '', stderr: '', exitCode: null, signal: 'SIGTERM' }).kind, 'transient');
  assert.equal(finishVerdict(asked, { stdout: '', stderr: '', exitCode: null }).error, 'killed by signal unknown');
  assert.equal(finishVerdict({ ...asked, ok: false }, { stdout: '', stderr: '401', exitCode: 1 }).kind, 'needs_input');
  assert.deepEqual(finishVerdict({ ok: true, text: '  done \n' }, { stdout: '', stderr: '429', exitCode: 0 }), { ok: true, summary: 'done' });
});

test('finishVerdict: words on stderr are not a kind; a structured status or an adapter-given kind is', () => {
  const out = { stdout: '', stderr: 'Error: 429 Too Many Requests, retry after 7s', exitCode: 1 };
  // Free text on stderr decides nothing (it may be the agent's tool output).
  assert.deepEqual(finishVerdict({ ok: false, text: '', error: 'request failed' }, out), {
    ok: false, kind: 'transient', summary: 'request failed', error: 'request failed',
  });
  assert.deepEqual(finishVerdict({ ok: false, text: '', error: 'request failed, retry after 7s', status: 429 }, out), {
    ok: false, kind: 'rate_limit', summary: 'request failed, retry after 7s', error: 'rate limited: request failed, retry after 7s', retry_after_seconds: 7,
  });
  assert.equal(finishVerdict({ ok: false, text: '', error: 'x', errorType: 'authentication_error' }, out).kind, 'fatal');
  assert.deepEqual(finishVerdict({ ok: false, text: '', error: 'turn limit', kind: 'transient' }, out), {
    ok: false, kind: 'transient', summary: 'turn limit', error: 'turn limit',
  });
  assert.equal(finishVerdict({ ok: false, text: '' }, { ...out, stderr: '' }).error, 'exited with code 1');
});

test('finishVerdict: an exit with no output and a reason on stderr is a configuration failure', () => {
  const stderr = '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n';
  const v = finishVerdict({ ok: false, text: '', error: 'claude printed no output', silent: true }, { stdout: '', stderr, exitCode: 1 });
  assert.equal(v.kind, 'fatal');
  assert.equal(v.cause, 'config');
  assert.match(v.error!, /refused to start \(exit 1, no output\): --dangerously-skip-permissions cannot be used with root/);
  // Output was printed, or nothing on stderr, or a kill: not a configuration failure.
  assert.equal(finishVerdict({ ok: false, text: '', silent: false }, { stdout: '{}', stderr, exitCode: 1 }).kind, 'transient');
  assert.equal(finishVerdict({ ok: false, text: '', silent: true }, { stdout: '', stderr: ' \n', exitCode: 1 }).kind, 'transient');
  assert.equal(finishVerdict({ ok: false, text: '', silent: true }, { stdout: '', stderr, exitCode: null }).cause, undefined);
});

test('finishVerdict: summaries are bounded', () => {
  const v = finishVerdict({ ok: true, text: 'y'.repeat(10_000) }, { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(v.summary.length, 4000);
  assert.ok(v.summary.endsWith('…'));
});
