import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask, claimTask, completeRun, editTask, failRun, requeueTask, showTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { at, databaseAtVersion, onPostgres, sqliteOnly, tempStore } from './support/helpers.js';

/** The runs and events of a task the slow way (a full scan by task_id), newest first. */
function byScan(store: Store, taskId: number, limit: number): { runs: number[]; events: number[] } {
  const ids = (sql: string) => store.db.prepare(sql).pluck().all(taskId, limit) as number[];
  return {
    runs: ids('SELECT id FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT ?'),
    events: ids('SELECT id FROM events WHERE task_id = ? ORDER BY id DESC LIMIT ?'),
  };
}

function byChain(store: Store, taskId: number, limit: number): { runs: number[]; events: number[] } {
  return {
    runs: store.runs.forTask(taskId, limit).map((r) => r.id),
    events: store.events.forTask(taskId, limit).map((e) => e.id),
  };
}

/** A small deterministic generator, so a failure names its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('a task\'s runs and events read through its chains equal a scan by task_id, for interleaved tasks', () => {
  for (const seed of [1, 2, 3]) {
    const store = tempStore();
    const rand = prng(seed);
    let now = 1_700_000_000_000;
    const ids = [1, 2, 3, 4].map((i) => addTask(store, { title: `t${i}`, max_attempts: 3 }, at(now)).task.id);
    for (let step = 0; step < 120; step++) {
      now += 1000;
      const roll = rand();
      const claimed = claimTask(store, { agent: 'w' }, at(now));
      if (!claimed.task) {
        // Nothing ready now: requeue a failed task (or add one), and let retry backoffs run out.
        const finished = ids.find((id) => ['failed', 'cancelled'].includes(store.tasks.get(id)!.status));
        if (finished) requeueTask(store, { id: finished }, at(now));
        else ids.push(addTask(store, { title: `t${ids.length + 1}`, max_attempts: 3 }, at(now)).task.id);
        now += 3_600_000;
        continue;
      }
      const runId = claimed.run.id;
      if (roll < 0.4) failRun(store, { run_id: runId, error: 'flaky', kind: 'transient' }, at(now + 1));
      else if (roll < 0.5) completeRun(store, { run_id: runId, summary: 'ok' }, at(now + 1));
      else {
        editTask(store, { id: claimed.task.id, priority: 1 + Math.floor(rand() * 90) }, at(now + 1));
        failRun(store, { run_id: runId, error: 'again', kind: 'transient' }, at(now + 2));
      }
    }
    for (const id of ids) {
      for (const limit of [1, 3, 1000]) assert.deepEqual(byChain(store, id, limit), byScan(store, id, limit), `seed ${seed} task ${id} limit ${limit}`);
    }
    const runs = store.db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
    assert.ok(runs > 60, `the sequence made runs (${runs})`);
    store.close();
  }
});

test('chains cost no index: runs_by_task and events_by_task are gone; the claim wait comes from the run', () => {
  const store = tempStore();
  const indexes = store.db.prepare(onPostgres ? 'SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()' : "SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[];
  assert.ok(indexes.includes('tasks_live'), indexes.join(', '));
  assert.ok(!indexes.includes('runs_by_task') && !indexes.includes('events_by_task'), indexes.join(', '));
  const t0 = 1_700_000_000_000;
  const { task } = addTask(store, { title: 'wait for me' }, at(t0));
  const first = claimTask(store, { agent: 'w' }, at(t0 + 5_000));
  // A retry makes the task claimable again only after its backoff: the wait counts from then, not from the failure.
  const failed = failRun(store, { run_id: (first as { run: { id: number } }).run.id, error: 'x', kind: 'transient' }, at(t0 + 6_000)).task;
  assert.ok(failed.run_after > t0 + 6_000);
  claimTask(store, { agent: 'w' }, at(failed.run_after + 2_000));
  const stats = store.runs.outcomeStats(0);
  assert.deepEqual([stats.claimWaitCount, stats.claimWaitMsSum], [2, 5_000 + 2_000]);
  assert.equal(store.runs.forTask(task.id, 10).length, 2);
  store.close();
});

test('migration 3 on a version-2 database links existing runs and events and keeps the claim wait', sqliteOnly('an old SQLite file migrated'), () => {
  const { path, db: old } = databaseAtVersion(2);
  const task = old.prepare(`INSERT INTO tasks (title, status, source, created_by, created_at, updated_at)
    VALUES (?, ?, 'cli', 'test', 1000, ?)`);
  task.run('one', 'running', 1000);
  task.run('two', 'ready', 7000);
  const run = old.prepare(`INSERT INTO runs (task_id, agent, status, lease_ms, lease_expires_at, heartbeat_at, started_at)
    VALUES (?, 'w', ?, 1000, 99999, ?, ?)`);
  run.run(1, 'finished', 2000, 2000);
  run.run(2, 'finished', 3000, 3000);
  run.run(1, 'running', 6000, 6000);
  old.prepare('UPDATE tasks SET current_run_id = 3 WHERE id = 1').run();
  const ev = old.prepare('INSERT INTO events (at, actor, kind, task_id, to_status) VALUES (?, ?, ?, ?, ?)');
  ev.run(1000, 'test', 'promoted', 1, 'ready');
  ev.run(1000, 'test', 'promoted', 2, 'ready');
  ev.run(2000, 'w', 'claimed', 1, 'running');
  ev.run(2500, 'test', 'proposed', null, null);
  ev.run(3000, 'w', 'claimed', 2, 'running');
  ev.run(4000, 'w', 'retry_scheduled', 1, 'ready');
  ev.run(6000, 'w', 'claimed', 1, 'running');
  old.close();

  const store = openStore(path);
  assert.deepEqual(store.runs.forTask(1, 10).map((r) => r.id), [3, 1]);
  assert.deepEqual(store.runs.forTask(2, 10).map((r) => r.id), [2]);
  assert.deepEqual(store.events.forTask(1, 10).map((e) => e.id), [7, 6, 3, 1]);
  assert.deepEqual(store.events.forTask(1, 2).map((e) => e.id), [7, 6]);
  // Claim waits from the events: run 1 waited 1000 ms, run 2 2000 ms, run 3 2000 ms (since the retry at 4000).
  const stats = store.runs.outcomeStats(0);
  assert.deepEqual([stats.claimWaitCount, stats.claimWaitMsSum], [3, 1000 + 2000 + 2000]);
  // The running task keeps working through the new code: its run completes and the chain grows.
  const done = completeRun(store, { run_id: 3, summary: 'ok' }, at(8000));
  assert.equal(done.task.status, 'done');
  // Its completion is recorded on the run row (migration 8), its claim stays the event it was.
  assert.deepEqual(showTask(store, { id: 1 }).events.slice(0, 2).map((e) => `${e.kind}:${e.id === 0 ? 'run' : 'event'}`), ['completed:run', 'claimed:event']);
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});
