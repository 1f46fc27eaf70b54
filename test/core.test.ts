import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXIT_CODES, ERROR_CODES, StewardError, exitCodeOf } from '../src/core/errors.js';
import { runLiveness } from '../src/core/lease.js';
import { backoffDelay, decideFailure, parsePriority, priorityWord, compareForClaim, DEFAULT_BACKOFF } from '../src/core/policy.js';
import { TASK_STATES, TRANSITIONS, canTransition, assertTransition, isTerminal, type TaskAction, type TaskState } from '../src/core/states.js';
import type { Run, Task } from '../src/core/types.js';

describe('transition table', () => {
  const allowed: Array<[TaskAction, TaskState, TaskState]> = [
    ['promote', 'pending', 'ready'],
    ['claim', 'ready', 'running'],
    ['complete', 'running', 'done'],
    ['complete', 'running', 'review'],
    ['approve', 'review', 'done'],
    ['changes', 'review', 'ready'],
    ['retry', 'running', 'ready'],
    ['block', 'running', 'blocked'],
    ['block', 'pending', 'blocked'],
    ['answer', 'blocked', 'pending'],
    ['unblock', 'blocked', 'pending'],
    ['dead', 'running', 'failed'],
    ['cancel', 'running', 'cancelled'],
    ['cancel', 'blocked', 'cancelled'],
    ['requeue', 'failed', 'pending'],
    ['requeue', 'cancelled', 'pending'],
    ['force_done', 'failed', 'done'],
    ['conflict', 'review', 'blocked'],
    ['answer', 'blocked', 'review'],
  ];
  for (const [action, from, to] of allowed) {
    test(`${action}: ${from} → ${to} is allowed`, () => assert.equal(canTransition(action, from, to), true));
  }
  const refused: Array<[TaskAction, TaskState, TaskState]> = [
    ['claim', 'pending', 'running'],
    ['claim', 'running', 'running'],
    ['complete', 'ready', 'done'],
    ['approve', 'running', 'done'],
    ['cancel', 'done', 'cancelled'],
    ['cancel', 'cancelled', 'cancelled'],
    ['requeue', 'done', 'pending'],
    ['requeue', 'running', 'pending'],
    ['force_done', 'done', 'done'],
    ['force_done', 'cancelled', 'done'],
    ['promote', 'blocked', 'ready'],
  ];
  for (const [action, from, to] of refused) {
    test(`${action}: ${from} → ${to} is refused with INVALID_TRANSITION`, () => {
      assert.equal(canTransition(action, from, to), false);
      assert.throws(() => assertTransition(action, from, to, 7), (e: StewardError) => e.code === 'INVALID_TRANSITION' && e.details.id === 7);
    });
  }
  test('terminal states are left only by requeue or a hand override', () => {
    for (const [action, rule] of Object.entries(TRANSITIONS)) {
      for (const from of rule.from) {
        if (isTerminal(from)) assert.ok(['requeue', 'force_done'].includes(action), `${action} leaves ${from}`);
      }
    }
  });
  test('every state is reachable and every table state is a known state', () => {
    const reached = new Set<TaskState>(['pending']);
    for (const rule of Object.values(TRANSITIONS)) {
      for (const s of [...rule.from, ...rule.to]) assert.ok(TASK_STATES.includes(s));
      rule.to.forEach((s) => reached.add(s));
    }
    assert.deepEqual([...reached].sort(), [...TASK_STATES].sort());
  });
});

describe('retry policy', () => {
  test('backoff doubles from the base and stops at the cap', () => {
    const p = { baseMs: 1000, factor: 2, capMs: 5000, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 0.3, p)), [1000, 2000, 4000, 5000, 5000]);
  });
  test('jitter draws between (1 - jitter) and 100% of the delay', () => {
    const p = { baseMs: 1000, factor: 2, capMs: 60_000, jitter: 0.5 };
    assert.equal(backoffDelay(2, 0, p), 1000);
    assert.equal(backoffDelay(2, 1, p), 2000);
    assert.equal(backoffDelay(2, 0.5, p), 1500);
  });
  const base = { strikesBefore: 0, maxAttempts: 3, random: 0.5, now: 1_000_000, backoff: DEFAULT_BACKOFF };
  test('transient: strike and retry with backoff while attempts remain', () => {
    assert.deepEqual(decideFailure({ ...base, kind: 'transient' }), { to: 'ready', strike: true, delayMs: 7500 });
    assert.deepEqual(decideFailure({ ...base, kind: 'timeout', strikesBefore: 1 }), { to: 'ready', strike: true, delayMs: 15000 });
  });
  test('the strike that reaches max_attempts fails the task (dead letter)', () => {
    assert.deepEqual(decideFailure({ ...base, kind: 'lost', strikesBefore: 2 }), { to: 'failed', strike: true });
    assert.deepEqual(decideFailure({ ...base, kind: 'stalled', strikesBefore: 0, maxAttempts: 1 }), { to: 'failed', strike: true });
  });
  test('fatal fails at once; needs_input blocks without a strike', () => {
    assert.deepEqual(decideFailure({ ...base, kind: 'fatal' }), { to: 'failed', strike: true });
    assert.deepEqual(decideFailure({ ...base, kind: 'needs_input', strikesBefore: 2 }), { to: 'blocked', strike: false });
  });
  test('rate_limit: no strike, even on the last attempt; the agent pauses until retry_after', () => {
    const d = decideFailure({ ...base, kind: 'rate_limit', strikesBefore: 2, retryAfterSeconds: 90 });
    assert.deepEqual(d, { to: 'ready', strike: false, delayMs: 90_000, pauseAgentUntil: 1_090_000 });
  });
  test('rate_limit: every N-th pause in a row is a strike, so a limit that never lifts ends in failed', () => {
    const limited = (rateLimitsInARow: number, strikesBefore = 0) =>
      decideFailure({ ...base, kind: 'rate_limit', strikesBefore, retryAfterSeconds: 10, rateLimitsInARow });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => limited(n).strike), [false, false, false, false, true, false, true]);
    assert.deepEqual(limited(5), { to: 'ready', strike: true, delayMs: 10_000, pauseAgentUntil: 1_010_000 });
    assert.deepEqual(limited(15, 2), { to: 'failed', strike: true });
    const never = { ...DEFAULT_BACKOFF, rateLimitStrikeAfter: 0 };
    assert.equal(decideFailure({ ...base, backoff: never, kind: 'rate_limit', rateLimitsInARow: 5 }).strike, false);
  });
});

describe('priority', () => {
  test('words and numbers', () => {
    assert.deepEqual(['urgent', 'HIGH', ' normal ', 'low', '0', '100', 42].map(parsePriority), [10, 30, 50, 80, 0, 100, 42]);
    assert.deepEqual(['101', '-1', 'soon', '', 1.5, null].map(parsePriority), [undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual([0, 10, 11, 30, 31, 79, 80, 100].map(priorityWord), ['urgent', 'urgent', 'high', 'high', 'normal', 'normal', 'low', 'low']);
  });
  test('claim order: priority, then age, then id', () => {
    const rows = [
      { id: 4, priority: 50, created_at: 1 },
      { id: 3, priority: 10, created_at: 9 },
      { id: 2, priority: 50, created_at: 1 },
      { id: 1, priority: 50, created_at: 5 },
    ];
    assert.deepEqual(rows.sort(compareForClaim).map((r) => r.id), [3, 2, 4, 1]);
  });
});

describe('errors and leases', () => {
  test('every code has an exit code in 1..5 and the classes match the contract', () => {
    for (const code of ERROR_CODES) assert.ok(EXIT_CODES[code] >= 1 && EXIT_CODES[code] <= 5);
    assert.deepEqual(
      ['VALIDATION', 'NOT_FOUND', 'LEASE_LOST', 'ALREADY_CLAIMED', 'INVALID_TRANSITION', 'BUSY', 'UNAVAILABLE', 'INTERNAL'].map((c) => EXIT_CODES[c as keyof typeof EXIT_CODES]),
      [2, 3, 4, 4, 4, 5, 5, 1],
    );
    assert.equal(exitCodeOf(new Error('x')), 1);
  });
  test('liveness: current, running and unexpired only', () => {
    const run = { id: 5, status: 'running', lease_expires_at: 100 } as Run;
    const task = { current_run_id: 5, status: 'running' } as Task;
    assert.equal(runLiveness(run, task, 99), 'live');
    assert.equal(runLiveness(run, task, 100), 'expired');
    assert.equal(runLiveness({ ...run, status: 'finished' }, task, 0), 'finished');
    assert.equal(runLiveness(run, { ...task, current_run_id: 6 }, 0), 'superseded');
    assert.equal(runLiveness(run, { ...task, status: 'cancelled' }, 0), 'superseded');
  });
});
