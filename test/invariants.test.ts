// fast-check: random operation sequences never break the queue's invariants.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { StewardError } from '../src/core/errors.js';
import { isTerminal, type TaskState } from '../src/core/states.js';
import * as ops from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { at, tempStore } from './support/helpers.js';
import { checkInvariants } from './support/invariants.js';

type Op =
  | { op: 'add'; after: number[]; review: boolean; maxAttempts: number }
  | { op: 'claim'; agent: string; lease: number }
  | { op: 'claimBatch'; agent: string; limit: number }
  | { op: 'completeBatch'; runs: number[] }
  | { op: 'heartbeat' | 'complete' | 'completeNext'; run: number }
  | { op: 'fail'; run: number; kind: 'transient' | 'rate_limit' | 'needs_input' | 'fatal' | 'timeout' }
  | { op: 'tick'; advance: number }
  | { op: 'cancel' | 'requeue' | 'approve' | 'changes' | 'answer' | 'done'; id: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), after: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }), review: fc.boolean(), maxAttempts: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('claim' as const), agent: fc.constantFrom('a', 'b'), lease: fc.constantFrom(5, 60) }),
  fc.record({ op: fc.constant('claimBatch' as const), agent: fc.constantFrom('a', 'b'), limit: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('completeBatch' as const), runs: fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constantFrom('heartbeat' as const, 'complete' as const, 'completeNext' as const), run: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('fail' as const), run: fc.integer({ min: 1, max: 20 }), kind: fc.constantFrom('transient' as const, 'rate_limit' as const, 'needs_input' as const, 'fatal' as const, 'timeout' as const) }),
  fc.record({ op: fc.constant('tick' as const), advance: fc.constantFrom(0, 1000, 10_000, 120_000) }),
  fc.record({ op: fc.constantFrom('cancel' as const, 'requeue' as const, 'approve' as const, 'changes' as const, 'answer' as const, 'done' as const), id: fc.integer({ min: 1, max: 12 }) }),
);

function apply(s: Store, o: Op, now: number): void {
  const c = at(now);
  switch (o.op) {
    case 'add': return void ops.addTask(s, { title: `t${now}`, after: o.after, review: o.review, max_attempts: o.maxAttempts }, c);
    case 'claim': return void ops.claimTask(s, { agent: o.agent, lease_seconds: o.lease }, c);
    case 'claimBatch': return void ops.claimTasks(s, { agent: o.agent, limit: o.limit }, c);
    case 'completeBatch': return void ops.completeRuns(s, o.runs.map((run) => ({ run_id: run, summary: 'ok' })), c, { next: { agent: 'b', limit: 2 } });
    case 'heartbeat': return void ops.heartbeatRun(s, { run_id: o.run }, c);
    case 'complete': return void ops.completeRun(s, { run_id: o.run, summary: 'ok' }, c);
    case 'completeNext': return void ops.completeRun(s, { run_id: o.run, summary: 'ok' }, c, { next: { agent: 'a' } });
    case 'fail': return void ops.failRun(s, { run_id: o.run, error: 'e', kind: o.kind, retry_after: 1 }, c);
    case 'tick': ops.reapRuns(s, c); return void ops.promoteTasks(s, c);
    case 'cancel': return void ops.cancelTask(s, { id: o.id }, c);
    case 'requeue': return void ops.requeueTask(s, { id: o.id }, c);
    case 'approve': return void ops.approveTask(s, { id: o.id }, c);
    case 'changes': return void ops.requestChanges(s, { id: o.id, feedback: 'more' }, c);
    case 'answer': return void ops.answerTask(s, { id: o.id, text: 'yes' }, c);
    case 'done': return void ops.markDone(s, { id: o.id }, c);
  }
}

const EXPECTED = new Set(['NOT_FOUND', 'INVALID_TRANSITION', 'LEASE_LOST', 'VALIDATION']);

function statuses(s: Store): Map<number, TaskState> {
  return new Map((s.db.prepare('SELECT id, status FROM tasks').all() as Array<{ id: number; status: TaskState }>).map((r) => [r.id, r.status]));
}

test('random operation sequences keep every invariant', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (sequence) => {
      const s = tempStore();
      let now = 1_000_000;
      try {
        for (const o of sequence) {
          now += 100;
          if (o.op === 'tick') now += o.advance;
          const before = statuses(s);
          try {
            apply(s, o, now);
          } catch (err) {
            if (!(err instanceof StewardError) || !EXPECTED.has(err.code)) throw err;
          }
          checkInvariants(s);
          for (const [id, was] of before) {
            const reopened = (o.op === 'requeue' || o.op === 'done') && 'id' in o && o.id === id;
            if (isTerminal(was) && !reopened) assert.equal(statuses(s).get(id), was, `terminal task ${id} left ${was} by ${o.op}`);
          }
        }
      } finally {
        s.close();
      }
    }),
    { numRuns: 150 },
  );
});
