import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyFailureText, findQuestion, looksLikeAuthFailure, looksLikeRateLimit, parseRetryAfter,
} from '../src/core/adapters/index.js';
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

test('auth and rate-limit words', () => {
  const auth = ['HTTP 401', 'Unauthorized', 'authentication_failed', 'Invalid API key', 'invalid x-api-key',
    'Incorrect API key provided', 'API key not valid', 'ProviderAuthError'];
  const rate = ['status 429', 'rate_limit_error', 'Rate limit reached', 'ratelimit', 'insufficient quota',
    'Overloaded', '529', 'RESOURCE_EXHAUSTED', 'Too Many Requests', 'Throttling'];
  const neither = ['connection reset', 'exit code 1', 'took 4290 ms', 'port 14012', 'Segmentation fault'];
  assert.deepEqual(auth.filter((t) => !looksLikeAuthFailure(t)), []);
  assert.deepEqual(rate.filter((t) => !looksLikeRateLimit(t)), []);
  assert.deepEqual(neither.filter((t) => looksLikeAuthFailure(t) || looksLikeRateLimit(t)), []);
});

test('classifyFailureText: auth wins over rate limit, default transient', () => {
  assert.equal(classifyFailureText('401 Unauthorized (after 3 retries on 429)'), 'fatal');
  assert.equal(classifyFailureText('429 Too Many Requests'), 'rate_limit');
  assert.equal(classifyFailureText('ECONNRESET'), 'transient');
});

test('finishVerdict order: signal, then question, then success, then failure kind', () => {
  const asked = { ok: true, text: 'NEEDS_INPUT: which?' };
  assert.equal(finishVerdict(asked, { stdout: '', stderr: '', exitCode: null, signal: 'SIGTERM' }).kind, 'transient');
  assert.equal(finishVerdict(asked, { stdout: '', stderr: '', exitCode: null }).error, 'killed by signal unknown');
  assert.equal(finishVerdict({ ...asked, ok: false }, { stdout: '', stderr: '401', exitCode: 1 }).kind, 'needs_input');
  assert.deepEqual(finishVerdict({ ok: true, text: '  done \n' }, { stdout: '', stderr: '429', exitCode: 0 }), { ok: true, summary: 'done' });
});

test('finishVerdict: stderr is evidence; an adapter-given kind is kept as is', () => {
  const out = { stdout: '', stderr: 'Error: 429 Too Many Requests, retry after 7s', exitCode: 1 };
  assert.deepEqual(finishVerdict({ ok: false, text: '', error: 'request failed' }, out), {
    ok: false, kind: 'rate_limit', summary: 'request failed', error: 'rate limited: request failed', retry_after_seconds: 7,
  });
  assert.deepEqual(finishVerdict({ ok: false, text: '', error: 'turn limit', kind: 'transient' }, out), {
    ok: false, kind: 'transient', summary: 'turn limit', error: 'turn limit',
  });
  assert.equal(finishVerdict({ ok: false, text: '' }, { ...out, stderr: '' }).error, 'exited with code 1');
});

test('finishVerdict: summaries are bounded', () => {
  const v = finishVerdict({ ok: true, text: 'y'.repeat(10_000) }, { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(v.summary.length, 4000);
  assert.ok(v.summary.endsWith('…'));
});
