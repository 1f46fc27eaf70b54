// MCP worker tools: claim, heartbeat, complete, fail — fencing by run id, on real SQLite files.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimOutput } from '../src/core/output-schemas.js';
import { addTask, approveTask, claimTask, completeRun, failRun, requestChanges, showTask } from '../src/ops/index.js';
import { at, snapshot, tempStore } from './support/helpers.js';
import { connect, fails, ok, type Clock } from './support/mcp.js';

const T0 = 1_700_000_000_000;

describe('claim', () => {
  test('returns exactly one task\'s working context: fields, dependency results, earlier errors, feedback, run and lease', async () => {
    const store = tempStore();
    const dep = addTask(store, { title: 'research first', type: 'research' }, at(T0 - 10)).task;
    const c1 = claimTask(store, { agent: 'x', types: ['research'] }, at(T0 - 9));
    assert.ok(c1.task);
    completeRun(store, { run_id: c1.run.id, summary: 'use library Z' }, at(T0 - 8));
    const task = addTask(store, { title: 'build it', goal: 'ship the thing', after: [dep.id], verify: ['npm test'], review: true }, at(T0 - 7)).task;
    const c2 = claimTask(store, { agent: 'x' }, at(T0 - 6));
    assert.equal(c2.task?.id, task.id);
    assert.ok(c2.task);
    failRun(store, { run_id: c2.run.id, error: 'tests failed' }, at(T0 - 5));
    const c3 = claimTask(store, { agent: 'x' }, at(T0 + 60_000));
    assert.ok(c3.task);
    completeRun(store, { run_id: c3.run.id, summary: 'first try' }, at(T0 + 60_001));
    requestChanges(store, { id: task.id, feedback: 'add a test for the edge case' }, at(T0 + 60_002));

    const clock: Clock = { t: T0 + 120_000 };
    const c = await connect(store, 'worker', { clock, actor: 'worker-7' });
    const got = ok(await c.call('claim', { agent: 'coder', lease_seconds: 600 }));
    assert.ok(claimOutput.safeParse(got).success);
    assert.deepEqual(Object.keys(got).sort(), ['context', 'run', 'task']);
    assert.equal(got.task.id, task.id);
    assert.equal(got.task.goal, 'ship the thing');
    assert.deepEqual(got.task.verify, ['npm test']);
    assert.equal(got.task.review, true);
    assert.equal(got.task.attempts, 1);
    assert.deepEqual(got.context.dependencies, [{ id: dep.id, title: 'research first', result: 'use library Z' }]);
    assert.equal(got.context.earlier_attempts[0].error, 'tests failed');
    assert.equal(got.context.feedback, 'add a test for the edge case');
    assert.equal(got.run.lease_expires_at, new Date(clock.t + 600_000).toISOString());
    const run = store.runs.get(got.run.id)!;
    assert.equal(run.agent, 'coder');
    assert.equal(store.tasks.get(task.id)!.current_run_id, run.id);
    const claimedEvent = showTask(store, { id: task.id }).events[0]!;
    assert.equal(claimedEvent.kind, 'claimed');
    assert.equal(claimedEvent.actor, 'worker-7');
    const text = (await c.call('claim', { agent: 'coder' })).content[0] as { text: string };
    assert.equal(text.text, 'nothing to claim');
    await c.close();
  });

  test('long dependency results and earlier errors come clipped as in the babysitter prompt, so the answer stays small', async () => {
    const store = tempStore();
    const deps = [1, 2, 3].map((i) => addTask(store, { title: `dep ${i}` }, at(T0 - 100 + i)).task);
    for (const dep of deps) {
      const c = claimTask(store, { agent: 'x' }, at(T0 - 50));
      assert.ok(c.task);
      assert.equal(c.task.id, dep.id);
      completeRun(store, { run_id: c.run.id, summary: 'r'.repeat(100_000) }, at(T0 - 49));
    }
    const task = addTask(store, { title: 'needs all three', after: deps.map((d) => d.id) }, at(T0 - 40)).task;
    const first = claimTask(store, { agent: 'x' }, at(T0 - 30));
    assert.ok(first.task);
    assert.equal(first.task.id, task.id);
    failRun(store, { run_id: first.run.id, error: 'e'.repeat(100_000) }, at(T0 - 29));
    const c = await connect(store, 'worker', { clock: { t: T0 + 3_600_000 } });
    const result = await c.call('claim', { agent: 'coder' });
    const got = ok(result);
    assert.equal(got.task.id, task.id);
    assert.deepEqual(got.context.dependencies.map((d: { result: string }) => d.result.length), [4000, 4000, 4000].map((n) => n + '… [96000 more characters]'.length));
    assert.match(got.context.dependencies[0].result, /… \[96000 more characters\]$/);
    assert.match(got.context.earlier_attempts[0].error, /^e{1000}… \[99000 more characters\]$/);
    assert.ok(JSON.stringify(result).length < 40_000, `the claim answer is ${JSON.stringify(result).length} characters`);
    await c.close();
  });

  test('nothing claimable is an explicit {task: null}; a rate-limited agent gets paused_until', async () => {
    const store = tempStore();
    const clock: Clock = { t: T0 };
    const c = await connect(store, 'worker', { clock });
    assert.deepEqual(ok(await c.call('claim', { agent: 'coder' })), { task: null });
    addTask(store, { title: 'one' }, at(T0));
    const got = ok(await c.call('claim', { agent: 'coder' }));
    ok(await c.call('fail', { run_id: got.run.id, error: '429 too many requests', kind: 'rate_limit', retry_after: 60 }));
    addTask(store, { title: 'two' }, at(T0));
    const paused = ok(await c.call('claim', { agent: 'coder' }));
    assert.deepEqual(paused, { task: null, paused_until: new Date(T0 + 60_000).toISOString() });
    ok(await c.call('claim', { agent: 'other' }));
    await c.close();
  });
});

describe('heartbeat, complete, fail', () => {
  test('heartbeat extends the lease; after expiry every write of that run is LEASE_LOST', async () => {
    const store = tempStore();
    addTask(store, { title: 'slow' }, at(T0));
    const clock: Clock = { t: T0 };
    const c = await connect(store, 'worker', { clock });
    const got = ok(await c.call('claim', { agent: 'a', lease_seconds: 30 }));
    clock.t += 20_000;
    const hb = ok(await c.call('heartbeat', { run_id: got.run.id }));
    assert.equal(hb.run.lease_expires_at, new Date(clock.t + 30_000).toISOString());
    assert.deepEqual(hb.task, { id: got.task.id, status: 'running', attempts: 0 });
    clock.t += 30_000;
    const lost = fails(await c.call('heartbeat', { run_id: got.run.id }), 'LEASE_LOST');
    assert.equal(lost.details.reason, 'expired');
    fails(await c.call('complete', { run_id: got.run.id, summary: 'too late' }), 'LEASE_LOST');
    assert.equal((store.runs.get(got.run.id)!.late as { summary: string }).summary, 'too late', 'the late result is kept');
    fails(await c.call('heartbeat', { run_id: 999 }), 'NOT_FOUND');
    await c.close();
  });

  test('complete → done (follow-ups spawn) or review; a second complete is LEASE_LOST', async () => {
    const store = tempStore();
    addTask(store, { title: 'parent', then: [{ title: 'child' }] }, at(T0));
    addTask(store, { title: 'reviewed', review: true, priority: 90 }, at(T0));
    const c = await connect(store, 'worker', { clock: { t: T0 } });
    const a = ok(await c.call('claim', { agent: 'a' }));
    const done = ok(await c.call('complete', { run_id: a.run.id, summary: 'did it', evidence: { tests: 'ok' }, artifacts: ['src/x.ts'] }));
    assert.equal(done.task.status, 'done');
    assert.equal(done.spawned.length, 1);
    assert.equal(store.tasks.get(done.spawned[0])!.title, 'child');
    assert.deepEqual(store.runs.get(a.run.id)!.artifacts, ['src/x.ts']);
    fails(await c.call('complete', { run_id: a.run.id, summary: 'again' }), 'LEASE_LOST');
    const b = ok(await c.call('claim', { agent: 'a', types: ['code'] }));
    assert.equal(b.task.title, 'child');
    // The whole answer: where the task went, not the task (the one-statement completion).
    assert.deepEqual(ok(await c.call('complete', { run_id: b.run.id, summary: '' })), { task: { id: b.task.id, status: 'done', attempts: 0 } });
    const r = ok(await c.call('claim', { agent: 'a' }));
    assert.equal(ok(await c.call('complete', { run_id: r.run.id, summary: 'check me' })).task.status, 'review');
    approveTask(store, { id: r.task.id }, at(T0 + 1));
    await c.close();
  });

  test('fail: transient retries later, needs_input blocks with the question, fatal fails at once', async () => {
    const store = tempStore();
    for (const title of ['t1', 't2', 't3']) addTask(store, { title }, at(T0));
    const clock: Clock = { t: T0 };
    const c = await connect(store, 'worker', { clock });
    const r1 = ok(await c.call('claim', { agent: 'a' }));
    const f1 = ok(await c.call('fail', { run_id: r1.run.id, error: 'network blip' }));
    assert.equal(f1.task.status, 'ready');
    assert.equal(f1.task.attempts, 1);
    assert.ok(Date.parse(f1.task.run_after) > clock.t);
    const r2 = ok(await c.call('claim', { agent: 'a' }));
    const f2 = ok(await c.call('fail', { run_id: r2.run.id, error: 'which database?', kind: 'needs_input' }));
    assert.equal(f2.task.status, 'blocked');
    assert.equal(store.tasks.get(r2.task.id)!.question, 'which database?');
    const r3 = ok(await c.call('claim', { agent: 'a' }));
    assert.equal(ok(await c.call('fail', { run_id: r3.run.id, error: 'impossible', kind: 'fatal' })).task.status, 'failed');
    const before = snapshot(store);
    fails(await c.call('fail', { run_id: r3.run.id, error: 'x', kind: 'sideways' }), 'VALIDATION');
    fails(await c.call('fail', { run_id: r3.run.id, error: 'x', question: 'not taken over MCP' }), 'VALIDATION');
    assert.equal(snapshot(store), before);
    await c.close();
  });

  test("fail retries on the workspace's retry policy when the server is given one", async () => {
    const store = tempStore();
    addTask(store, { title: 'retry soon' }, at(T0));
    const clock: Clock = { t: T0 };
    const c = await connect(store, 'worker', { clock, backoff: { baseMs: 1000, factor: 2, capMs: 1000, jitter: 0 } });
    const r = ok(await c.call('claim', { agent: 'a' }));
    const f = ok(await c.call('fail', { run_id: r.run.id, error: 'network blip' }));
    assert.equal(f.task.run_after, new Date(clock.t + 1000).toISOString(), 'the built-in policy would wait 5–10 s');
    await c.close();
  });
});
