import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StewardError } from '../src/core/errors.js';
import type { Task } from '../src/core/types.js';
import {
  acceptProposal, addTask, answerTask, approveTask, cancelTask, claimTask, completeRun, editTask, failRun,
  heartbeatRun, listTasks, markDone, promoteTasks, proposeTask, reapRuns, rejectProposal, requestChanges,
  requeueTask, showTask, taskContext,
} from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { at, snapshot, tempStore } from './support/helpers.js';

function claimed(s: Store, agent = 'a', now = 1000, extra: Record<string, unknown> = {}) {
  const out = claimTask(s, { agent, ...extra }, at(now));
  assert.ok(out.task, 'expected a task to claim');
  return out as { task: Task; run: { id: number; lease_expires_at: number } };
}
const code = (c: string) => (e: StewardError) => e.code === c;

describe('claim', () => {
  test('matches agent name or any, the types asked, and requires ⊆ capabilities', () => {
    const s = tempStore();
    addTask(s, { title: 'for coder', agent: 'coder' }, at(1));
    addTask(s, { title: 'research', type: 'research' }, at(2));
    addTask(s, { title: 'needs gpu', requires: 'gpu,repo' }, at(3));
    assert.equal(claimTask(s, { agent: 'other', types: ['code'] }, at(10)).task, null);
    assert.equal(claimed(s, 'other', 10, { types: ['research'] }).task.title, 'research');
    assert.equal(claimed(s, 'coder', 10).task.title, 'for coder');
    assert.equal(claimTask(s, { agent: 'coder', capabilities: ['gpu'] }, at(10)).task, null);
    assert.equal(claimed(s, 'coder', 10, { capabilities: ['repo', 'gpu', 'x'] }).task.title, 'needs gpu');
  });
  test('a claimed task is not handed out again; the run id is a new fencing token each time', () => {
    const s = tempStore();
    addTask(s, { title: 'one' }, at(1));
    const first = claimed(s);
    assert.equal(claimTask(s, { agent: 'b' }, at(1001)).task, null);
    assert.equal(first.task.status, 'running');
    assert.equal(first.task.current_run_id, first.run.id);
    assert.equal(first.run.lease_expires_at, 1000 + 300_000);
  });
  test('tasks waiting on backoff are not claimable until run_after', () => {
    const s = tempStore();
    addTask(s, { title: 'flaky' }, at(1));
    const c = claimed(s, 'a', 1000);
    const { task } = failRun(s, { run_id: c.run.id, error: 'boom' }, at(2000));
    assert.equal(task.status, 'ready');
    assert.equal(task.run_after, 2000 + 7500);
    assert.equal(claimTask(s, { agent: 'a' }, at(9499)).task, null);
    assert.equal(claimed(s, 'a', 9500).task.id, task.id);
  });
});

describe('complete, fail, fencing', () => {
  test('complete with next claims the following task in the same transaction', () => {
    const s = tempStore();
    addTask(s, { title: 'first', priority: 'high' }, at(1));
    addTask(s, { title: 'second' }, at(2));
    const a = claimed(s);
    const out = completeRun(s, { run_id: a.run.id, summary: 'ok' }, at(1100), { next: { agent: 'a' } });
    assert.equal(out.task.status, 'done');
    const next = out.next as { task: Task; run: { id: number } };
    assert.deepEqual([next.task.title, next.task.status, next.task.current_run_id], ['second', 'running', next.run.id]);
    const last = completeRun(s, { run_id: next.run.id }, at(1200), { next: { agent: 'a' } });
    assert.deepEqual(last.next, { task: null });
    assert.throws(() => completeRun(s, { run_id: 99 }, at(1300), { next: { agent: 'has space' } }), code('VALIDATION'));
  });
  test('complete → done, or → review when the task wants review; result kept', () => {
    const s = tempStore();
    addTask(s, { title: 'plain' }, at(1));
    addTask(s, { title: 'reviewed', review: true }, at(2));
    const a = claimed(s);
    assert.equal(completeRun(s, { run_id: a.run.id, summary: 'did it', cost_usd: 0.5 }, at(1100)).task.status, 'done');
    const b = claimed(s);
    const r = completeRun(s, { run_id: b.run.id, summary: 'please check' }, at(1200));
    assert.equal(r.task.status, 'review');
    assert.equal(s.tasks.get(r.task.id)?.result, 'please check');
    assert.equal(s.runs.get(a.run.id)?.cost_usd, 0.5);
  });
  test('a stale worker after reap gets LEASE_LOST; its result is kept on its run; the newer run wins', () => {
    const s = tempStore();
    addTask(s, { title: 'contested' }, at(1));
    const old = claimed(s, 'a', 1000, { lease_seconds: 10 });
    const reaped = reapRuns(s, at(11_000));
    assert.equal(reaped.lost.length, 1);
    assert.equal(s.tasks.get(old.task.id)?.status, 'ready');
    assert.equal(s.tasks.get(old.task.id)?.attempts, 1);
    const fresh = claimed(s, 'b', 30_000);
    const before = snapshot(s);
    assert.throws(() => completeRun(s, { run_id: old.run.id, summary: 'late work' }, at(31_000)), code('LEASE_LOST'));
    const late = s.runs.get(old.run.id)!.late as { summary: string; reason: string };
    assert.equal(late.summary, 'late work');
    assert.equal(late.reason, 'finished');
    assert.notEqual(snapshot(s), before, 'the late result was written');
    assert.equal(s.tasks.get(old.task.id)?.status, 'running');
    assert.equal(s.tasks.get(old.task.id)?.current_run_id, fresh.run.id);
    assert.ok(s.events.forTask(old.task.id, 5).some((e) => e.kind === 'late_result' && e.run_id === old.run.id));
    const won = completeRun(s, { run_id: fresh.run.id, summary: 'winner' }, at(32_000));
    assert.equal(s.tasks.get(won.task.id)?.result, 'winner');
  });
  test('an expired lease refuses heartbeat and complete even before the reaper ran', () => {
    const s = tempStore();
    addTask(s, { title: 't' }, at(1));
    const c = claimed(s, 'a', 1000, { lease_seconds: 10 });
    assert.equal(heartbeatRun(s, { run_id: c.run.id }, at(5000)).run.lease_expires_at, 15_000);
    assert.throws(() => heartbeatRun(s, { run_id: c.run.id }, at(15_000)), code('LEASE_LOST'));
    assert.throws(() => failRun(s, { run_id: c.run.id, error: 'x' }, at(15_001)), code('LEASE_LOST'));
    assert.equal(s.tasks.get(c.task.id)?.status, 'running');
  });
  test('heartbeat of a cancelled task is LEASE_LOST (the babysitter kills its child)', () => {
    const s = tempStore();
    addTask(s, { title: 't' }, at(1));
    const c = claimed(s);
    const { stopped } = cancelTask(s, { id: c.task.id, reason: 'not needed' }, at(1100));
    assert.equal(stopped?.id, c.run.id);
    assert.throws(() => heartbeatRun(s, { run_id: c.run.id }, at(1200)), (e: StewardError) => e.code === 'LEASE_LOST' && e.details.reason === 'finished');
    assert.equal(s.runs.get(c.run.id)?.outcome, 'cancelled');
  });
  test('failure kinds: needs_input blocks with the question, fatal fails, attempts exhaust to failed', () => {
    const s = tempStore();
    addTask(s, { title: 'ask' }, at(1));
    addTask(s, { title: 'doomed' }, at(2));
    addTask(s, { title: 'flaky', max_attempts: 2 }, at(3));
    const ask = claimed(s);
    const blocked = failRun(s, { run_id: ask.run.id, error: 'which db?', kind: 'needs_input', question: 'Postgres or SQLite?' }, at(1100)).task;
    assert.deepEqual([blocked.status, blocked.question, blocked.attempts], ['blocked', 'Postgres or SQLite?', 0]);
    const doomed = claimed(s);
    assert.equal(failRun(s, { run_id: doomed.run.id, error: 'bad', kind: 'fatal' }, at(1200)).task.status, 'failed');
    const f1 = claimed(s);
    assert.equal(failRun(s, { run_id: f1.run.id, error: 'e1' }, at(1300)).task.status, 'ready');
    const f2 = claimed(s, 'a', 100_000);
    const dead = failRun(s, { run_id: f2.run.id, error: 'e2', kind: 'timeout' }, at(100_100)).task;
    assert.deepEqual([dead.status, dead.attempts, dead.error], ['failed', 2, 'e2']);
  });
  test('rate_limit: no strike, the agent profile pauses until retry_after', () => {
    const s = tempStore();
    addTask(s, { title: 'a' }, at(1));
    addTask(s, { title: 'b' }, at(2));
    const c = claimed(s, 'coder');
    const t = failRun(s, { run_id: c.run.id, error: '429', kind: 'rate_limit', retry_after: 60 }, at(2000)).task;
    assert.deepEqual([t.status, t.attempts, t.run_after], ['ready', 0, 62_000]);
    assert.deepEqual(claimTask(s, { agent: 'coder' }, at(3000)), { task: null, paused_until: 62_000 });
    assert.equal(claimed(s, 'other', 3000).task.title, 'b');
    assert.equal(claimed(s, 'coder', 62_000).task.title, 'a');
  });
  test('rate_limit: the N-th pause in a row is a strike (retry.rateLimitStrikeAfter), bounded to failed', () => {
    const s = tempStore();
    addTask(s, { title: 'a', max_attempts: 2 }, at(1));
    const ctx = (now: number) => ({ ...at(now), backoff: { baseMs: 1000, factor: 2, capMs: 10_000, jitter: 0, rateLimitStrikeAfter: 2 } });
    let now = 1000;
    const limit = () => {
      const c = claimed(s, 'coder', now);
      const t = failRun(s, { run_id: c.run.id, error: '429', kind: 'rate_limit', retry_after: 1 }, ctx(now + 1)).task;
      now += 5000;
      return [t.status, t.attempts];
    };
    assert.deepEqual(limit(), ['ready', 0]);
    assert.deepEqual(limit(), ['ready', 1]);
    assert.deepEqual(limit(), ['ready', 1]);
    assert.deepEqual(limit(), ['failed', 2]);
    // A run that was no rate limit ends the streak.
    addTask(s, { title: 'b' }, at(now));
    limit();
    assert.equal(s.runs.rateLimitStreak(2), 1);
    const c = claimed(s, 'coder', now);
    failRun(s, { run_id: c.run.id, error: 'boom', kind: 'needs_input', question: 'q?' }, ctx(now + 1));
    assert.equal(s.runs.rateLimitStreak(c.task.id), 0);
  });
});

describe('dependencies and follow-ups', () => {
  test('after: pending until done; dependents of a failed task block; requeue unblocks', () => {
    const s = tempStore();
    const a = addTask(s, { title: 'a', max_attempts: 1 }, at(1)).task;
    const b = addTask(s, { title: 'b', after: [a.id] }, at(2)).task;
    assert.equal(b.status, 'pending');
    const c = claimed(s);
    failRun(s, { run_id: c.run.id, error: 'boom' }, at(1100));
    const p = promoteTasks(s, at(1200));
    assert.deepEqual(p.blocked, [b.id]);
    assert.equal(s.tasks.get(b.id)?.blocked_kind, 'dependency');
    assert.throws(() => answerTask(s, { id: b.id, text: 'go' }, at(1300)), code('INVALID_TRANSITION'));
    // What the refusal says to do must be possible: the failed dependency cannot be cancelled, only requeued.
    assert.throws(() => answerTask(s, { id: b.id, text: 'go' }, at(1300)), (e: Error) => e.message.endsWith(`requeue that dependency, or cancel task #${b.id}`));
    assert.throws(() => cancelTask(s, { id: a.id }, at(1300)), code('INVALID_TRANSITION'));
    requeueTask(s, { id: a.id }, at(1400));
    assert.deepEqual(promoteTasks(s, at(1500)).unblocked, [b.id]);
    const again = claimed(s, 'a', 1600);
    assert.equal(again.task.id, a.id);
    completeRun(s, { run_id: again.run.id, summary: 'ok' }, at(1700));
    assert.equal(s.tasks.get(b.id)?.status, 'ready', 'dependents are promoted when their dependency is done');
    assert.deepEqual(taskContext(s, s.tasks.get(b.id)!).dependencies, [{ id: a.id, title: 'a', result: 'ok' }]);
  });
  test('then: follow-ups are created once, already accepted, when the parent is done', () => {
    const s = tempStore();
    addTask(s, { title: 'build', project: 'web', then: '[{"title":"deploy","then":[{"title":"announce"}]}]' }, at(1));
    const c = claimed(s);
    const { spawned } = completeRun(s, { run_id: c.run.id, summary: 'built' }, at(1100));
    assert.equal(spawned.length, 1);
    assert.deepEqual([spawned[0]!.title, spawned[0]!.project, spawned[0]!.status, spawned[0]!.parent_id], ['deploy', 'web', 'ready', c.task.id]);
    const d = claimed(s);
    const second = completeRun(s, { run_id: d.run.id, summary: 'deployed' }, at(1200));
    assert.deepEqual(second.spawned.map((t) => t.title), ['announce']);
  });
  test('a dependency cycle is refused; an unknown dependency is NOT_FOUND', () => {
    const s = tempStore();
    const a = addTask(s, { title: 'a' }, at(1)).task;
    const b = addTask(s, { title: 'b', after: [a.id] }, at(2)).task;
    const c = addTask(s, { title: 'c', after: [b.id] }, at(3)).task;
    claimed(s); // a is running so b, c stay pending
    assert.throws(() => editTask(s, { id: a.id, after: [c.id] }, at(4)), code('INVALID_TRANSITION'));
    assert.throws(() => editTask(s, { id: b.id, after: [c.id] }, at(4)), code('CYCLE'));
    assert.throws(() => editTask(s, { id: b.id, after: [b.id] }, at(4)), code('CYCLE'));
    assert.throws(() => addTask(s, { title: 'x', after: [99] }, at(4)), code('NOT_FOUND'));
    assert.deepEqual(s.tasks.deps(b.id), [a.id]);
  });
});

describe('review, answer, cancel, requeue, done by hand', () => {
  test('changes carries the feedback into the next attempt; approve finishes', () => {
    const s = tempStore();
    addTask(s, { title: 'essay', review: true }, at(1));
    const c1 = claimed(s);
    completeRun(s, { run_id: c1.run.id, summary: 'draft' }, at(1100));
    const back = requestChanges(s, { id: c1.task.id, feedback: 'shorter please' }, at(1200)).task;
    assert.equal(back.status, 'ready');
    const c2 = claimed(s, 'a', 1300);
    assert.equal(taskContext(s, c2.task).feedback, 'shorter please');
    completeRun(s, { run_id: c2.run.id, summary: 'short' }, at(1400));
    assert.equal(approveTask(s, { id: c1.task.id }, at(1500)).task.status, 'done');
  });
  test('answer: blocked → ready with the answer kept for the next attempt', () => {
    const s = tempStore();
    addTask(s, { title: 'q' }, at(1));
    const c = claimed(s);
    failRun(s, { run_id: c.run.id, error: 'NEEDS_INPUT', kind: 'needs_input', question: 'which?' }, at(1100));
    const t = answerTask(s, { id: c.task.id, text: 'the blue one' }, at(1200)).task;
    assert.deepEqual([t.status, t.answer, t.question], ['ready', 'the blue one', 'which?']);
  });
  test('requeue resets strikes; cancel and done by hand are recorded with their actor', () => {
    const s = tempStore();
    addTask(s, { title: 'x', max_attempts: 1 }, at(1));
    const c = claimed(s);
    failRun(s, { run_id: c.run.id, error: 'e' }, at(1100));
    const t = requeueTask(s, { id: c.task.id }, { ...at(1200), actor: 'alice' }).task;
    assert.deepEqual([t.status, t.attempts], ['ready', 0]);
    assert.equal(markDone(s, { id: t.id }, { ...at(1300), actor: 'alice' }).task.status, 'done');
    const kinds = showTask(s, { id: t.id }).events.map((e) => `${e.actor}:${e.kind}`);
    assert.deepEqual(kinds.slice(0, 3), ['alice:done_by_hand', 'alice:promoted', 'alice:requeued']);
    assert.throws(() => cancelTask(s, { id: t.id }, at(1400)), code('INVALID_TRANSITION'));
  });
});

describe('proposals and keys', () => {
  test('propose → accept creates the task; reject keeps the reason; a seen key is merged', () => {
    const s = tempStore();
    const p = proposeTask(s, { title: 'Add search', project: 'web', key: 'search-1' }, at(1), 'mcp:planner').proposal;
    assert.equal(p.status, 'new');
    const dup = proposeTask(s, { title: 'Search again', key: 'search-1' }, at(2));
    assert.deepEqual([dup.duplicate, dup.proposal.status, dup.proposal.merged_into], [true, 'merged', p.id]);
    const sameTitle = proposeTask(s, { title: '  add   SEARCH ', project: 'web' }, at(3));
    assert.equal(sameTitle.proposal.merged_into, p.id);
    const { task } = acceptProposal(s, { proposal_id: p.id, priority: 'high' }, at(4));
    assert.deepEqual([task.title, task.project, task.priority, task.source, task.key], ['Add search', 'web', 30, 'mcp:planner', 'search-1']);
    assert.throws(() => acceptProposal(s, { proposal_id: p.id }, at(5)), code('INVALID_TRANSITION'));
    const later = proposeTask(s, { title: 'Late dup', key: 'search-1' }, at(6));
    assert.deepEqual([later.proposal.status, later.proposal.task_id], ['merged', task.id]);
    const r = proposeTask(s, { title: 'bad idea' }, at(7)).proposal;
    assert.equal(rejectProposal(s, { proposal_id: r.id, reason: 'out of scope' }, at(8)).proposal.reason, 'out of scope');
  });
  test('add with a key seen before returns the existing task', () => {
    const s = tempStore();
    const a = addTask(s, { title: 'once', key: 'k' }, at(1));
    const b = addTask(s, { title: 'twice', key: 'k' }, at(2));
    assert.deepEqual([a.duplicate, b.duplicate, b.task.id, b.task.title], [false, true, a.task.id, 'once']);
  });
});

describe('list and validation', () => {
  test('list pages with a cursor in priority order and filters', () => {
    const s = tempStore();
    for (let i = 0; i < 7; i++) addTask(s, { title: `t${i}`, priority: i % 2 ? 'high' : 'low', project: i < 5 ? 'a' : 'b' }, at(i));
    const p1 = listTasks(s, { limit: 3 });
    const p2 = listTasks(s, { limit: 3, cursor: p1.next_cursor! });
    const p3 = listTasks(s, { limit: 3, cursor: p2.next_cursor! });
    assert.deepEqual([...p1.tasks, ...p2.tasks, ...p3.tasks].map((t) => t.title), ['t1', 't3', 't5', 't0', 't2', 't4', 't6']);
    assert.equal(p3.next_cursor, null);
    assert.deepEqual(listTasks(s, { project: 'b' }).tasks.map((t) => t.title), ['t5', 't6']);
    assert.throws(() => listTasks(s, { cursor: 'garbage!' }), code('VALIDATION'));
  });
  test('bad input is VALIDATION and changes nothing', () => {
    const s = tempStore();
    addTask(s, { title: 'x' }, at(1));
    const before = snapshot(s);
    const bad: Array<() => unknown> = [
      () => addTask(s, { title: '' }, at(2)),
      () => addTask(s, { title: 'x', priority: 'someday' }, at(2)),
      () => addTask(s, { title: 'x', then: '{not json' }, at(2)),
      () => addTask(s, { title: 'x', bogus: 1 }, at(2)),
      () => claimTask(s, { agent: 'has space' }, at(2)),
      () => failRun(s, { run_id: 1, error: 'e', kind: 'weird' }, at(2)),
      () => listTasks(s, { limit: 1000 }),
    ];
    for (const call of bad) assert.throws(call, code('VALIDATION'));
    assert.equal(snapshot(s), before);
  });
});
