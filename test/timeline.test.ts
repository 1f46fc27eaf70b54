// The audit decision (docs/DESIGN.md, "Audit"): a claim and a completion to done are recorded on the run row, not as
// event rows; `show` and the web board merge both into one timeline in the order things happened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask, approveTask, cancelTask, claimTask, completeRun, failRun, showTask } from '../src/ops/index.js';
import { readTaskDetail } from '../src/ops/task-detail.js';
import { openStore } from '../src/store/open-store.js';
import { at, tempDir } from './support/helpers.js';
import { join } from 'node:path';

test('claims and completions come from run rows, merged with the events in order, even within one millisecond', () => {
  const store = openStore(join(tempDir(), 'q.db'));
  const t = addTask(store, { title: 'twice', max_attempts: 3 }, at(1000, 'alice')).task;
  // Every step in the same millisecond: the order comes from the chain, not the clock.
  const c1 = claimTask(store, { agent: 'a' }, at(2000, 'w1'));
  failRun(store, { run_id: c1.task ? c1.run.id : 0, error: 'flaky', kind: 'transient' }, at(2000, 'w1'));
  store.tasks.update(t.id, { run_after: 0 });
  const c2 = claimTask(store, { agent: 'b' }, at(2000, 'w2'));
  assert.ok(c2.task);
  completeRun(store, { run_id: c2.run.id, summary: 'ok' }, at(2000, 'w2'));
  const kinds = showTask(store, { id: t.id }).events.map((e) => `${e.kind}:${e.actor}:${e.run_id ?? '-'}`);
  assert.deepEqual(kinds, [
    `completed:w2:${c2.run.id}`, `claimed:w2:${c2.run.id}`, `retry_scheduled:w1:${c1.task ? c1.run.id : 0}`, `claimed:w1:${c1.task ? c1.run.id : 0}`,
    'promoted:alice:-', 'created:alice:-',
  ]);
  const fromRuns = showTask(store, { id: t.id }).events.filter((e) => e.kind === 'claimed' || e.kind === 'completed');
  assert.ok(fromRuns.every((e) => (e as { from_run?: boolean }).from_run === true), 'read from run rows');
  assert.equal(store.db.prepare("SELECT COUNT(*) FROM events WHERE kind IN ('claimed', 'completed')").pluck().get(), 0, 'no event rows for them');
  // The web board's task page shows the same timeline; the limit counts merged entries.
  assert.deepEqual(readTaskDetail(store, { id: t.id }).events.map((e) => e.kind), showTask(store, { id: t.id }).events.map((e) => e.kind));
  assert.deepEqual(showTask(store, { id: t.id }, { runs: 1, events: 3 }).events.map((e) => e.kind), ['completed', 'claimed', 'retry_scheduled']);
  store.close();
});

test('a completion to review keeps its event (the digest reads it) and is shown once; later events follow it', () => {
  const store = openStore(join(tempDir(), 'q.db'));
  const t = addTask(store, { title: 'reviewed', review: true }, at(1000)).task;
  const c = claimTask(store, { agent: 'a' }, at(2000, 'w'));
  assert.ok(c.task);
  completeRun(store, { run_id: c.run.id, summary: 'draft' }, at(3000, 'w'));
  approveTask(store, { id: t.id }, at(3000, 'boss'));
  const kinds = showTask(store, { id: t.id }).events.map((e) => `${e.kind}:${e.actor}`);
  assert.deepEqual(kinds, ['approved:boss', 'completed:w', 'claimed:w', 'promoted:test', 'created:test']);
  store.close();
});

test('a cancel right after a claim, same millisecond, sits after the claim', () => {
  const store = openStore(join(tempDir(), 'q.db'));
  const t = addTask(store, { title: 'stopped' }, at(1000)).task;
  claimTask(store, { agent: 'a' }, at(2000, 'w'));
  cancelTask(store, { id: t.id, reason: 'no' }, at(2000, 'boss'));
  assert.deepEqual(showTask(store, { id: t.id }).events.map((e) => e.kind), ['cancelled', 'claimed', 'promoted', 'created']);
  store.close();
});
