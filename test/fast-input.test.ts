import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StewardError } from '../src/core/errors.js';
import { parseClaimInput, parseCompleteInput, parseFailInput, parseHeartbeatInput } from '../src/core/fast-input.js';
import { MAX_PAYLOAD_DEPTH } from '../src/core/payload-limits.js';
import { claimInput, completeInput, failInput, heartbeatInput, parseInput } from '../src/core/schemas.js';

/** What zod makes of `input`: its output, or the VALIDATION error's message. */
function viaZod(schema: typeof claimInput | typeof completeInput | typeof failInput | typeof heartbeatInput, input: unknown, what: string): unknown {
  try {
    return { ok: parseInput(schema, input, what) };
  } catch (err) {
    assert.ok(err instanceof StewardError && err.code === 'VALIDATION', String(err));
    return { error: err.message };
  }
}

function viaFast(fn: (input: unknown) => unknown, input: unknown): unknown {
  try {
    return { ok: fn(input) };
  } catch (err) {
    assert.ok(err instanceof StewardError && err.code === 'VALIDATION', String(err));
    return { error: err.message };
  }
}

const withProto = JSON.parse('{"agent":"w","__proto__":{"x":1}}') as unknown;
const nullProto = Object.assign(Object.create(null) as object, { agent: 'w' });
class Box {
  agent = 'w';
}

const CLAIMS: unknown[] = [
  { agent: 'w0' }, { agent: 'coder.v2:a/b-c_d' }, { agent: 'w', lease_seconds: 5 }, { agent: 'w', lease_seconds: 86_400 },
  { agent: 'a'.repeat(64) }, nullProto,
  // zod's to decide (coercions, lists, bad values, unknown keys):
  { agent: ' w ' }, { agent: 'w', lease_seconds: '60' }, { agent: 'w', lease_seconds: 4 }, { agent: 'w', lease_seconds: 86_401 },
  { agent: 'w', lease_seconds: 5.5 }, { agent: 'w', lease_seconds: undefined }, { agent: 'w', types: 'code,review' },
  { agent: 'w', types: ['code'] }, { agent: 'w', capabilities: [] }, { agent: 'a'.repeat(65) }, { agent: '' }, { agent: 'has space' },
  { agent: '-w' }, { agent: 7 }, {}, { agent: 'w', extra: 1 }, null, undefined, 'w', ['w'], new Box(), withProto,
  { agent: 'w', lease_seconds: Number.NaN }, { agent: 'w', lease_seconds: Infinity },
];

const COMPLETES: unknown[] = [
  { run_id: 1, summary: 'ok' }, { run_id: 7 }, { run_id: 7, summary: '' }, { run_id: Number.MAX_SAFE_INTEGER, summary: 'x' },
  { run_id: 3, summary: 'done', cost_usd: 0.25, tokens_in: 10, tokens_out: 0, turns: 3, session_id: 's-1', exit_code: 0 },
  { run_id: 3, exit_code: -1 }, { run_id: 3, cost_usd: 0 }, { run_id: 3, summary: 's'.repeat(100_000) },
  // zod's to decide:
  { run_id: '7', summary: 'ok' }, { run_id: '#7' }, { run_id: 0 }, { run_id: -1 }, { run_id: 1.5 }, { run_id: Number.MAX_SAFE_INTEGER + 1 },
  { summary: 'ok' }, { run_id: 1, summary: 's'.repeat(100_001) }, { run_id: 1, summary: undefined }, { run_id: 1, summary: 5 },
  { run_id: 1, cost_usd: -0.5 }, { run_id: 1, cost_usd: Infinity }, { run_id: 1, cost_usd: Number.NaN }, { run_id: 1, tokens_in: -1 },
  { run_id: 1, tokens_out: 1.5 }, { run_id: 1, turns: '3' }, { run_id: 1, session_id: 'x'.repeat(201) }, { run_id: 1, exit_code: 0.5 },
  { run_id: 1, evidence: { tests: 'passed' } }, { run_id: 1, artifacts: ['a.txt'] }, { run_id: 1, kind: 'fatal' }, { run_id: 1, toString: 1 },
  JSON.parse('{"run_id":1,"__proto__":{"summary":"x"}}') as unknown, null, 7, [1],
];

/** An input for a message (BigInt too). */
const shown = (input: unknown) => String(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).slice(0, 200);

/** `depth` levels of nested lists. */
const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
/** What a babysitter reports (runner/outcome.ts): evidence objects, usage figures, undefined where a figure is missing. */
const EVIDENCE = { ended: 'exit', exit_code: 1, duration_ms: 1200, log: '/w/.steward/logs/1-1.log', signal: 'SIGTERM', verify: [{ command: 'npm test', ok: false }] };

COMPLETES.push(
  { run_id: 2, summary: 'ok', evidence: EVIDENCE, cost_usd: 0.1, tokens_in: 5, exit_code: 0 }, { run_id: 2, summary: 'ok', evidence: undefined },
  { run_id: 2, summary: undefined, artifacts: ['a.txt', { url: 'https://x' }] }, { run_id: 2, cost_usd: undefined, turns: undefined },
  { run_id: 2, evidence: nested(MAX_PAYLOAD_DEPTH - 1) }, { run_id: 2, evidence: nested(MAX_PAYLOAD_DEPTH + 1) }, { run_id: 2, evidence: 'x'.repeat(300_000) },
  { run_id: 2, evidence: 10n }, { run_id: undefined, summary: 'x' },
);

const FAILS: unknown[] = [
  { run_id: 1, error: 'boom' }, { run_id: 1, error: 'boom', kind: 'fatal', evidence: { ...EVIDENCE, cause: 'config' } },
  { run_id: 1, error: 'limit', kind: 'rate_limit', retry_after: 3600, evidence: EVIDENCE, cost_usd: 0.5, tokens_in: 1, tokens_out: 2, turns: 3, session_id: 's', exit_code: 2 },
  { run_id: 1, error: 'q?', kind: 'needs_input', question: 'which one?' }, { run_id: 1, error: 'x', kind: undefined, retry_after: undefined, evidence: undefined },
  { run_id: 1, error: 'e'.repeat(100_000) }, { run_id: 1, error: 'x', retry_after: 0 }, { run_id: 1, error: 'x', retry_after: 7 * 24 * 3600 },
  // zod's to decide:
  { run_id: 1, error: ' boom ' }, { run_id: 1, error: '' }, { run_id: 1, error: '   ' }, { run_id: 1, error: 'e'.repeat(100_001) }, { run_id: 1 },
  { run_id: 1, error: undefined }, { run_id: 1, error: 5 }, { run_id: '3', error: 'x' }, { run_id: 0, error: 'x' }, { error: 'x' },
  { run_id: 1, error: 'x', kind: 'nope' }, { run_id: 1, error: 'x', kind: 'toString' }, { run_id: 1, error: 'x', retry_after: -1 },
  { run_id: 1, error: 'x', retry_after: 7 * 24 * 3600 + 1 }, { run_id: 1, error: 'x', retry_after: '60' }, { run_id: 1, error: 'x', retry_after: 1.5 },
  { run_id: 1, error: 'x', question: 'q'.repeat(20_001) }, { run_id: 1, error: 'x', evidence: nested(MAX_PAYLOAD_DEPTH + 1) },
  { run_id: 1, error: 'x', summary: 'no' }, { run_id: 1, error: 'x', cost_usd: -1 }, { run_id: 1, error: 'x', exit_code: '1' }, null, [], 'x',
];

const HEARTBEATS: unknown[] = [
  { run_id: 1 }, { run_id: 1, lease_seconds: 5 }, { run_id: 1, lease_seconds: 86_400 }, { run_id: 1, lease_seconds: undefined }, { run_id: 9, lease_seconds: '60' },
  // zod's to decide:
  { run_id: 1, lease_seconds: 4 }, { run_id: 1, lease_seconds: 86_401 }, { run_id: 1, lease_seconds: 1.5 }, { run_id: 1, lease_seconds: ' 60' },
  { run_id: '#2' }, { run_id: 0 }, {}, { run_id: 1, extra: true }, { run_id: undefined }, null,
];

test('fail and heartbeat: the fast check gives what zod gives, for valid and invalid inputs alike', () => {
  for (const input of FAILS) {
    assert.deepEqual(viaFast(parseFailInput, input), viaZod(failInput, input, 'fail'), `input ${shown(input)}`);
  }
  for (const input of HEARTBEATS) {
    assert.deepEqual(viaFast(parseHeartbeatInput, input), viaZod(heartbeatInput, input, 'heartbeat'), `input ${String(JSON.stringify(input))}`);
  }
});

test('claim: the fast check gives what zod gives, for valid and invalid inputs alike', () => {
  for (const input of CLAIMS) {
    assert.deepEqual(viaFast(parseClaimInput, input), viaZod(claimInput, input, 'claim'), `input ${String(JSON.stringify(input))}`);
  }
});

test('complete: the fast check gives what zod gives, for valid and invalid inputs alike', () => {
  for (const input of COMPLETES) {
    assert.deepEqual(viaFast(parseCompleteInput, input), viaZod(completeInput, input, 'complete'), `input ${shown(input)}`);
  }
});

test('the fast check answers the common shapes itself (zod is not called for them)', () => {
  // A schema whose parse is counted: the fast path must not reach it for plainly valid inputs.
  let calls = 0;
  const original = claimInput.safeParse.bind(claimInput);
  const originalComplete = completeInput.safeParse.bind(completeInput);
  const originalFail = failInput.safeParse.bind(failInput);
  const originalBeat = heartbeatInput.safeParse.bind(heartbeatInput);
  claimInput.safeParse = ((...a: Parameters<typeof original>) => (calls++, original(...a))) as typeof claimInput.safeParse;
  completeInput.safeParse = ((...a: Parameters<typeof originalComplete>) => (calls++, originalComplete(...a))) as typeof completeInput.safeParse;
  failInput.safeParse = ((...a: Parameters<typeof originalFail>) => (calls++, originalFail(...a))) as typeof failInput.safeParse;
  heartbeatInput.safeParse = ((...a: Parameters<typeof originalBeat>) => (calls++, originalBeat(...a))) as typeof heartbeatInput.safeParse;
  try {
    parseClaimInput({ agent: 'w0' });
    parseClaimInput({ agent: 'w0', lease_seconds: 600 });
    parseCompleteInput({ run_id: 4, summary: 'ok' });
    parseCompleteInput({ run_id: 4, summary: 'ok', cost_usd: 0.1, tokens_in: 5, tokens_out: 6, turns: 2, session_id: 's', exit_code: 0 });
    // What a babysitter sends: it runs without zod (cli-startup.test.ts checks it loads none).
    parseCompleteInput({ run_id: 4, summary: 'ok', evidence: EVIDENCE, turns: 2, exit_code: 0 });
    assert.equal(parseFailInput({ run_id: 4, error: 'boom', kind: 'timeout', evidence: EVIDENCE, exit_code: 1 }).kind, 'timeout');
    assert.deepEqual(parseHeartbeatInput({ run_id: 4, lease_seconds: 300 }), { run_id: 4, lease_seconds: 300 });
    assert.equal(calls, 0);
    parseClaimInput({ agent: 'w0', types: ['code'] });
    parseCompleteInput({ run_id: '04' });
    assert.equal(calls, 2, 'inputs it does not know go to zod');
  } finally {
    claimInput.safeParse = original;
    completeInput.safeParse = originalComplete;
    failInput.safeParse = originalFail;
    heartbeatInput.safeParse = originalBeat;
  }
});
