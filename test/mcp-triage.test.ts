// MCP triage tools: decide, update, tick — on real SQLite files through a real SDK Client.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addTask, claimTask, completeRun, failRun, proposeTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { holdWriteLock } from './support/backend.js';
import { at, snapshot, tempDir, tempStore } from './support/helpers.js';
import { connect, fails, ok, type Clock } from './support/mcp.js';

const T0 = 1_700_000_000_000;

describe('decide', () => {
  test('accept with overrides creates the task; the actor decides, the proposal keeps its mcp source', async () => {
    const store = tempStore();
    const planner = await connect(store, 'planner');
    ok(await planner.call('propose', { title: 'Add caching', goal: 'cache GETs', type: 'code' }));
    const triage = await connect(store, 'triage', { actor: 'triage-bot' });
    const out = ok(await triage.call('decide', { proposal_id: 1, action: 'accept', priority: 'urgent', project: 'api', title: 'Add HTTP caching' }));
    assert.deepEqual(out.proposal, { id: 1, status: 'accepted', task_id: 1 });
    assert.deepEqual(out.task, { id: 1, title: 'Add HTTP caching', status: 'ready', priority: 10, type: 'code', project: 'api', agent: 'any' });
    const task = store.tasks.get(1)!;
    assert.equal(task.source, 'mcp:planner');
    assert.equal(task.created_by, 'triage-bot');
    assert.equal(store.proposals.get(1)!.decided_by, 'triage-bot');
    const again = fails(await triage.call('decide', { proposal_id: 1, action: 'reject', reason: 'changed my mind' }), 'INVALID_TRANSITION');
    assert.equal(again.details.from, 'accepted');
    fails(await triage.call('decide', { proposal_id: 77, action: 'accept' }), 'NOT_FOUND');
    await planner.close();
    await triage.close();
  });

  test('reject needs a reason; merge needs into; fields that do not belong to the action are refused', async () => {
    const store = tempStore();
    proposeTask(store, { title: 'one' }, at(1));
    proposeTask(store, { title: 'two' }, at(2));
    proposeTask(store, { title: 'three' }, at(3));
    const c = await connect(store, 'triage');
    const before = snapshot(store);
    fails(await c.call('decide', { proposal_id: 1, action: 'reject' }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 2, action: 'merge' }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 1, action: 'reject', reason: 'no', priority: 10 }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 1, action: 'accept', into: 2 }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 1, action: 'accept', reason: 'because' }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 1, action: 'approve' }), 'VALIDATION');
    fails(await c.call('decide', { proposal_id: 2, action: 'merge', into: 2 }), 'NOT_FOUND');
    assert.equal(snapshot(store), before);
    assert.deepEqual(ok(await c.call('decide', { proposal_id: 1, action: 'reject', reason: 'out of scope' })).proposal, {
      id: 1, status: 'rejected', reason: 'out of scope',
    });
    const merged = ok(await c.call('decide', { proposal_id: 3, action: 'merge', into: 2 }));
    assert.equal(merged.proposal.status, 'merged');
    assert.equal(merged.proposal.merged_into, 2);
    await c.close();
  });

  test('merging a proposal into one merged (at any remove) into it is INVALID_TRANSITION: both would stay merged, neither decided', async () => {
    const store = tempStore();
    for (const title of ['one', 'two', 'three']) proposeTask(store, { title }, at(1));
    const c = await connect(store, 'triage');
    ok(await c.call('decide', { proposal_id: 1, action: 'merge', into: 2 }));
    ok(await c.call('decide', { proposal_id: 2, action: 'merge', into: 3 }));
    const before = snapshot(store);
    const e = fails(await c.call('decide', { proposal_id: 3, action: 'merge', into: 1 }), 'INVALID_TRANSITION');
    assert.deepEqual(e.details, { proposal_id: 3, into: 1 });
    assert.equal(snapshot(store), before);
    assert.equal(ok(await c.call('decide', { proposal_id: 3, action: 'accept' })).proposal.status, 'accepted');
    await c.close();
  });

  test('accepting a proposal whose key a task took meanwhile is CONFLICT, and nothing changes', async () => {
    const store = tempStore();
    proposeTask(store, { title: 'keyed', key: 'k-1' }, at(1));
    addTask(store, { title: 'added by a person', key: 'k-1' }, at(2));
    const c = await connect(store, 'triage');
    const before = snapshot(store);
    fails(await c.call('decide', { proposal_id: 1, action: 'accept' }), 'CONFLICT');
    assert.equal(snapshot(store), before);
    await c.close();
  });
});

describe('update', () => {
  test('cancel a running task stops its run; the worker then gets LEASE_LOST', async () => {
    const store = tempStore();
    addTask(store, { title: 'long job' }, at(T0));
    const clock: Clock = { t: T0 };
    const worker = await connect(store, 'worker', { clock });
    const triage = await connect(store, 'triage', { clock, actor: 'boss' });
    const claimed = ok(await worker.call('claim', { agent: 'a' }));
    const out = ok(await triage.call('update', { id: claimed.task.id, action: 'cancel', text: 'not needed' }));
    assert.equal(out.task.status, 'cancelled');
    assert.equal(out.stopped_run, claimed.run.id);
    fails(await worker.call('heartbeat', { run_id: claimed.run.id }), 'LEASE_LOST');
    const ev = store.events.forTask(claimed.task.id, 1)[0]!;
    assert.deepEqual([ev.kind, ev.actor, ev.reason], ['cancelled', 'boss', 'not needed']);
    assert.equal(ok(await triage.call('update', { id: claimed.task.id, action: 'requeue' })).task.status, 'ready');
    await worker.close();
    await triage.close();
  });

  test('approve, changes (feedback), answer, done — each through its operation', async () => {
    const store = tempStore();
    addTask(store, { title: 'reviewed', review: true, then: [{ title: 'after review' }] }, at(1));
    addTask(store, { title: 'needs changes', review: true }, at(2));
    addTask(store, { title: 'asks', priority: 60 }, at(3));
    addTask(store, { title: 'by hand', priority: 70 }, at(4));
    for (let i = 0; i < 3; i++) {
      const c = claimTask(store, { agent: 'a' }, at(10 + i));
      assert.ok(c.task);
      if (c.task.title === 'asks') failRun(store, { run_id: c.run.id, error: 'which region?', kind: 'needs_input' }, at(20));
      else completeRun(store, { run_id: c.run.id, summary: 'ok' }, at(20));
    }
    const c = await connect(store, 'triage');
    const approved = ok(await c.call('update', { id: 1, action: 'approve' }));
    assert.equal(approved.task.status, 'done');
    assert.equal(store.tasks.get(approved.spawned[0])!.title, 'after review');
    fails(await c.call('update', { id: 2, action: 'changes' }), 'VALIDATION');
    assert.equal(ok(await c.call('update', { id: 2, action: 'changes', text: 'rename the flag' })).task.status, 'ready');
    assert.equal(store.tasks.get(2)!.feedback, 'rename the flag');
    assert.equal(ok(await c.call('update', { id: 3, action: 'answer', text: 'eu-west-1' })).task.status, 'ready');
    assert.equal(store.tasks.get(3)!.answer, 'eu-west-1');
    assert.equal(ok(await c.call('update', { id: 4, action: 'done', text: 'did it myself' })).task.status, 'done');
    fails(await c.call('update', { id: 4, action: 'approve' }), 'INVALID_TRANSITION');
    fails(await c.call('update', { id: 40, action: 'cancel' }), 'NOT_FOUND');
    await c.close();
  });

  test('priority, agent and title edits go through editTask (an edited event by the actor)', async () => {
    const store = tempStore();
    addTask(store, { title: 'old title' }, at(1));
    const c = await connect(store, 'triage', { actor: 'tri' });
    const out = ok(await c.call('update', { id: 1, priority: 'high', agent: 'coder', title: 'new title' }));
    assert.deepEqual(out.task, { id: 1, title: 'new title', status: 'ready', priority: 30, type: 'code', project: 'default', agent: 'coder' });
    const ev = store.events.forTask(1, 1)[0]!;
    assert.equal(ev.kind, 'edited');
    assert.equal(ev.actor, 'tri');
    assert.deepEqual((ev.data as { fields: string[] }).fields.sort(), ['agent', 'priority', 'title']);
    fails(await c.call('update', { id: 1 }), 'VALIDATION');
    fails(await c.call('update', { id: 1, goal: 'not editable here' }), 'VALIDATION');
    await c.close();
  });

  test('an edit with an action that fails is all or nothing', async () => {
    const store = tempStore();
    addTask(store, { title: 'ready task' }, at(1));
    const c = await connect(store, 'triage');
    const before = snapshot(store);
    fails(await c.call('update', { id: 1, priority: 5, title: 'changed', action: 'approve' }), 'INVALID_TRANSITION');
    assert.equal(snapshot(store), before);
    assert.equal(store.tasks.get(1)!.priority, 50);
    await c.close();
  });
});

describe('tick', () => {
  test('runs one tick and returns its digest: an expired lease is reaped, reported once', async () => {
    const store = tempStore();
    addTask(store, { title: 'abandoned' }, at(T0));
    const claimed = claimTask(store, { agent: 'a', lease_seconds: 10 }, at(T0));
    assert.ok(claimed.task);
    const clock: Clock = { t: T0 + 11_000 };
    const c = await connect(store, 'triage', { clock, actor: 'heartbeat' });
    const out = ok(await c.call('tick'));
    assert.equal(out.quiet, false);
    assert.equal(out.acted.reaped, 1);
    assert.deepEqual(out.failures.map((f: { id: number; kind: string }) => [f.id, f.kind]), [[claimed.task.id, 'lost']]);
    assert.equal(store.runs.get(claimed.run.id)!.outcome, 'lost');
    const again = ok(await c.call('tick'));
    assert.deepEqual(again, { quiet: true, counts: { ready: 1 } }, 'each item is in one digest only');
    fails(await c.call('tick', { force: true }), 'VALIDATION');
    await c.close();
  });
});

describe('an unavailable database', () => {
  test('a write lock held past the busy timeout is BUSY; the server keeps answering once it is released', async () => {
    const path = join(tempDir(), 'q.db');
    const store = openStore(path, { busyTimeoutMs: 50 });
    const other = openStore(path);
    const c = await connect(store, 'planner');
    const release = holdWriteLock(other);
    fails(await c.call('propose', { title: 'while locked' }), 'BUSY');
    release();
    ok(await c.call('propose', { title: 'after the lock' }));
    await c.close();
    other.close();
    store.close();
  });
});

describe('advertised input schemas', () => {
  test('priority is advertised as 0–100 or a word, so a client that follows the schema can send "high"', async () => {
    const store = tempStore();
    const c = await connect(store, 'triage');
    const { tools } = await c.client.listTools();
    for (const name of ['propose', 'decide', 'update']) {
      const prop = (tools.find((t) => t.name === name)!.inputSchema.properties as Record<string, { anyOf?: Array<Record<string, unknown>> }>).priority!;
      assert.deepEqual(prop.anyOf, [
        { type: 'integer', minimum: 0, maximum: 100 },
        { type: 'string', enum: ['urgent', 'high', 'normal', 'low'] },
      ], name);
    }
    assert.equal(ok(await c.call('propose', { title: 'by word', priority: 'high' })).proposal.priority ?? 30, 30);
    await c.close();
    store.close();
  });
});
