import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database, { type Statement } from 'better-sqlite3';
import { addTask, claimTask, completeRun, failRun, reapRuns } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import type { SqlDatabase } from '../src/store/sql-database.js';
import { at, databaseAtVersion, onPostgres, sqliteOnly, tempStore } from './support/helpers.js';

/** Every prepared statement of the store's repositories, by repository and name. */
function statements(store: Store): Array<[string, Statement]> {
  const repos = { tasks: store.tasks, runs: store.runs, reports: store.reports } as unknown as Record<string, { s: Record<string, Statement> }>;
  return Object.entries(repos).flatMap(([repo, r]) => Object.entries(r.s).map(([name, st]): [string, Statement] => [`${repo}.${name}`, st]));
}

/** The query plan of `sql` with every parameter bound to null. */
function plan(db: Database.Database | SqlDatabase, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
  const args = named.length ? [Object.fromEntries(named.map((n) => [n, null]))] : Array((sql.match(/\?/g) ?? []).length).fill(null);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}

test('every statement that picks ready or running tasks reads the shared tasks_live index, never the whole table', sqliteOnly("SQLite's EXPLAIN QUERY PLAN"), () => {
  const store = tempStore();
  // (runs.finish updates a run by id and reads its task's event head by id: no pick.)
  // (tasks.nextDue reads ready tasks with a run_after through their own index, tested below.)
  const picking = statements(store).filter(([name, st]) => /status = 'ready'|status = 'running'/.test(st.source) && /FROM tasks/.test(st.source) && !/^\s*UPDATE runs/.test(st.source) && name !== 'tasks.nextDue');
  // The claim, the reaper's expired and running lists, the WIP counts, the board and the digest's ready groups.
  assert.ok(picking.length >= 6, `found ${picking.map(([n]) => n).join(', ')}`);
  for (const [name, st] of picking) {
    const steps = plan(store.db, st.source);
    assert.ok(steps.some((s) => s.includes('tasks_live')), `${name} does not use tasks_live: ${steps.join(' | ')}`);
    // A bare SCAN of a name that is not a co-routine (a subquery's rows) reads a whole table.
    const coroutines = steps.flatMap((s) => /^CO-ROUTINE (\w+)/.exec(s)?.[1] ?? []);
    const fullScans = steps.filter((s) => /^SCAN (\w+)$/.test(s) && !coroutines.includes(s.slice(5)));
    assert.deepEqual(fullScans, [], `${name} scans a whole table: ${steps.join(' | ')}`);
  }
  store.close();
});

test('when the next ready task comes due is one seek into tasks_due, which holds only ready tasks with a run_after', () => {
  const store = tempStore();
  const st = Object.fromEntries(statements(store))['tasks.nextDue']!;
  if (onPostgres) {
    // Whether the index can serve it: with sequential scans priced out, a plan that still scans tasks could not use it.
    store.db.exec('SET enable_seqscan = off');
    const steps = (store.db.prepare(`EXPLAIN ${st.source}`).all(0, '["any"]') as Array<Record<string, string>>).map((r) => Object.values(r)[0]!);
    store.db.exec('RESET enable_seqscan');
    assert.ok(steps.some((s) => /Index (Only )?Scan using tasks_due on tasks t/.test(s)), steps.join(' | '));
    assert.ok(!steps.some((s) => /Seq Scan on tasks/.test(s)), steps.join(' | '));
  } else {
    const steps = plan(store.db, st.source);
    assert.ok(steps.some((s) => /^SEARCH t USING INDEX tasks_due \(run_after>\?\)/.test(s)), steps.join(' | '));
    assert.ok(!steps.some((s) => /^SCAN t\b/.test(s)), steps.join(' | '));
  }
  // A new task (run_after 0) never enters it; a retry's backoff puts its task there until the task is claimed.
  const inDue = () => store.db.prepare("SELECT id FROM tasks INDEXED BY tasks_due WHERE status = 'ready' AND run_after > 0 ORDER BY id").pluck().all();
  const a = addTask(store, { title: 'a', agent: 'box' }, at(1000)).task;
  addTask(store, { title: 'b', agent: 'other' }, at(1001));
  assert.deepEqual(inDue(), []);
  const c = claimTask(store, { agent: 'box' }, at(2000));
  assert.equal(c.task?.id, a.id);
  const ctx = { ...at(3000), backoff: { baseMs: 5000, factor: 2, capMs: 60_000, jitter: 0, rateLimitStrikeAfter: 5 } };
  failRun(store, { run_id: c.task ? c.run.id : -1, error: 'flaky', kind: 'transient' }, ctx);
  assert.deepEqual(inDue(), [a.id]);
  assert.equal(store.tasks.nextDue(['any', 'box'], 3000), 8000);
  assert.equal(store.tasks.nextDue(['any', 'other'], 3000), null, 'another agent\'s task');
  assert.equal(store.tasks.nextDue(['any', 'box'], 8000), null, 'due already: claimable, not coming due');
  assert.equal(claimTask(store, { agent: 'box' }, at(8000)).task?.id, a.id);
  assert.deepEqual(inDue(), []);
  store.close();
});

test('migration 4 on a version-3 database: one live index; ready tasks claim in order and running ones are reaped', sqliteOnly('an old SQLite file migrated'), () => {
  const { path, db: old } = databaseAtVersion(3);
  const task = old.prepare(`INSERT INTO tasks (title, status, priority, source, created_by, created_at, updated_at, ready_at)
    VALUES (?, ?, ?, 'cli', 'test', ?, ?, ?)`);
  task.run('running, lease ran out', 'running', 50, 1000, 1000, 1000);
  task.run('low', 'ready', 90, 1100, 1100, 1100);
  task.run('high', 'ready', 10, 1200, 1200, 1200);
  old.prepare(`INSERT INTO runs (task_id, agent, status, lease_ms, lease_expires_at, heartbeat_at, started_at)
    VALUES (1, 'w', 'running', 1000, 3000, 2000, 2000)`).run();
  old.prepare('UPDATE tasks SET current_run_id = 1, last_run_id = 1 WHERE id = 1').run();
  old.close();

  const store = openStore(path);
  const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'").pluck().all();
  assert.ok(indexes.includes('tasks_live'));
  assert.ok(!indexes.includes('tasks_ready') && !indexes.includes('tasks_running'), `${indexes.join(', ')}`);
  assert.deepEqual(store.runs.expired(5000).map((r) => r.id), [1]);
  const first = claimTask(store, { agent: 'w' }, at(5000));
  assert.equal(first.task?.title, 'high');
  const reaped = reapRuns(store, at(5000)).lost;
  assert.deepEqual(reaped.map((r) => r.run_id), [1]);
  assert.equal(store.tasks.get(1)?.status, 'ready', 'the reaped task is claimable again');
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});

test('ready and running share the index: a claimed task stays in it, a completed one leaves it', () => {
  const store = tempStore();
  for (let i = 0; i < 3; i++) addTask(store, { title: `t${i}` }, at(1000 + i));
  const live = () => store.db.prepare("SELECT id FROM tasks INDEXED BY tasks_live WHERE status IN ('ready', 'running') ORDER BY id").pluck().all();
  assert.deepEqual(live(), [1, 2, 3]);
  const c = claimTask(store, { agent: 'w' }, at(2000));
  assert.deepEqual(live(), [1, 2, 3]);
  completeRun(store, { run_id: c.task ? c.run.id : -1, summary: 'ok' }, at(2100));
  assert.deepEqual(live(), [2, 3]);
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});
