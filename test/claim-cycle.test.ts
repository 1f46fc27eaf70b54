// The one-task-per-call cycle after issue 18's trimming: what a claim and a completion read in fewer statements
// must decide exactly as before (paths lease, misconfigured flag, unmerged branch, dependents), fencing holds, and
// the timeline still shows every transition.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { addTask, claimTask, completeRun, failRun, showTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { at, databaseAtVersion, sqliteOnly, storedCompletion, tempStore } from './support/helpers.js';

function plan(store: ReturnType<typeof tempStore>, sql: string): string {
  return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

test('the file lease reads only tasks that have paths: running and ready paths through tasks_with_paths, not every live task', sqliteOnly("SQLite's EXPLAIN QUERY PLAN"), () => {
  const store = tempStore();
  for (let i = 0; i < 50; i++) addTask(store, { title: `plain ${i}` }, at(1));
  const withPaths = addTask(store, { title: 'src', paths: ['src/**'] }, at(2)).task;
  const marked = store.db.prepare('SELECT id FROM tasks INDEXED BY tasks_with_paths WHERE has_paths = 1 AND status IS NOT NULL').pluck().all();
  assert.deepEqual(marked, [withPaths.id], 'only the task with paths is in the index');
  const repo = store.branches as unknown as { s: Record<string, { source: string }> };
  for (const name of ['runningPaths', 'readyPaths']) {
    const steps = plan(store, repo.s[name]!.source);
    assert.match(steps, /tasks_with_paths/, `${name}: ${steps}`);
    assert.doesNotMatch(steps, /tasks_live|SCAN/, `${name} walks live tasks: ${steps}`);
  }
  store.close();
});

test('the lease still holds: an overlapping ready task waits while the running one holds its paths, then runs', () => {
  const store = tempStore();
  const a = addTask(store, { title: 'A', paths: ['src/**'] }, at(1)).task;
  const b = addTask(store, { title: 'B', paths: ['src/x.ts'] }, at(2)).task;
  const c = addTask(store, { title: 'C' }, at(3)).task;
  const first = claimTask(store, { agent: 'w' }, at(10));
  assert.equal(first.task?.id, a.id);
  assert.equal(claimTask(store, { agent: 'w' }, at(11)).task?.id, c.id, 'B waits behind A\'s src/**');
  assert.equal(claimTask(store, { agent: 'w' }, at(12)).task, null);
  completeRun(store, { run_id: first.task ? first.run.id : 0, summary: 'ok' }, at(13));
  assert.equal(claimTask(store, { agent: 'w' }, at(14)).task?.id, b.id);
  store.close();
});

test('migration 12 on a version-11 database marks the tasks that already have paths, and their lease holds', sqliteOnly('an old SQLite file migrated'), () => {
  const { path, db: old } = databaseAtVersion(11);
  const task = old.prepare(`INSERT INTO tasks (title, status, priority, source, created_by, created_at, updated_at, ready_at)
    VALUES (?, 'ready', 50, 'cli', 'test', ?, ?, ?)`);
  task.run('A', 1, 1, 1);
  task.run('B', 2, 2, 2);
  task.run('C', 3, 3, 3);
  old.prepare("INSERT INTO task_paths (task_id, paths_json) VALUES (1, '[\"src/**\"]'), (2, '[\"src/a.ts\"]')").run();
  old.close();
  const store = openStore(path);
  assert.deepEqual(store.db.prepare('SELECT id FROM tasks WHERE has_paths = 1 ORDER BY id').pluck().all(), [1, 2]);
  assert.equal(claimTask(store, { agent: 'w' }, at(10)).task?.id, 1);
  assert.equal(claimTask(store, { agent: 'w' }, at(11)).task?.id, 3, 'B still waits behind A');
  store.close();
});

test('a completion clears its profile\'s misconfigured flag (read with the run, not a statement of its own)', () => {
  const store = tempStore();
  addTask(store, { title: 'one' }, at(1));
  const flagged = () => store.db.prepare("SELECT config_error FROM agents WHERE name = 'w'").pluck().get() ?? null;
  store.agents.flagConfigError('w', 'refused to start', 5);
  assert.equal(flagged(), 'refused to start');
  const c1 = claimTask(store, { agent: 'w' }, at(10));
  completeRun(store, { run_id: c1.task ? c1.run.id : 0, summary: 'ok' }, at(11));
  assert.equal(flagged(), null, 'the completion cleared the flag');
  store.close();
});

test('a completion with an unmerged branch waits in review; with a merged one it is done; dependents are promoted', () => {
  const store = tempStore();
  const branched = addTask(store, { title: 'on a branch' }, at(1)).task;
  const merged = addTask(store, { title: 'merged branch' }, at(2)).task;
  const dep = addTask(store, { title: 'after merged', after: [merged.id] }, at(3)).task;
  const put = (taskId: number, state: 'open' | 'merged') => store.branches.put({ task_id: taskId, repo: '/r', branch: `b${taskId}`, base: 'main', state,
    worktree: null, files: [], conflict: [], merged_commit: null, updated_at: 5 });
  put(branched.id, 'open');
  put(merged.id, 'merged');
  const c1 = claimTask(store, { agent: 'w' }, at(10));
  assert.equal(c1.task?.id, branched.id);
  assert.equal(completeRun(store, { run_id: c1.task ? c1.run.id : 0, summary: 'ok' }, at(11)).task.status, 'review');
  assert.equal(store.branches.get(branched.id)?.state, 'queued', 'its merge is queued');
  const c2 = claimTask(store, { agent: 'w' }, at(12));
  assert.equal(c2.task?.id, merged.id);
  assert.equal(completeRun(store, { run_id: c2.task ? c2.run.id : 0, summary: 'ok' }, at(13)).task.status, 'done');
  assert.equal(store.tasks.get(dep.id)?.status, 'ready', 'its dependent was promoted');
  store.close();
});

test('fencing: a completion by a stale run id is refused with LEASE_LOST and changes nothing but the kept late result', () => {
  const store = tempStore();
  const t = addTask(store, { title: 'one', max_attempts: 3 }, at(1)).task;
  const first = claimTask(store, { agent: 'w', lease_seconds: 5 }, at(10));
  assert.ok(first.task);
  failRun(store, { run_id: first.run.id, error: 'flaky' }, at(11));
  const second = claimTask(store, { agent: 'w' }, at(100_000));
  assert.ok(second.task);
  assert.throws(() => completeRun(store, { run_id: first.run.id, summary: 'late' }, at(100_001)), { code: 'LEASE_LOST' });
  assert.equal(store.tasks.get(t.id)?.status, 'running');
  assert.equal(store.tasks.get(t.id)?.current_run_id, second.run.id);
  completeRun(store, { run_id: second.run.id, summary: 'ok' }, at(100_002));
  assert.throws(() => completeRun(store, { run_id: second.run.id, summary: 'again' }, at(100_003)), { code: 'LEASE_LOST' });
  assert.equal(store.tasks.get(t.id)?.result, 'ok');
  store.close();
});

test('audit: the timeline of a claimed and completed task shows the claim and the completion, with who did each', () => {
  const store = tempStore();
  const t = addTask(store, { title: 'one' }, at(1, 'alice')).task;
  const c = claimTask(store, { agent: 'w' }, at(10, 'bob'));
  completeRun(store, { run_id: c.task ? c.run.id : 0, summary: 'ok' }, at(20, 'carol'));
  const lines = showTask(store, { id: t.id }).events.map((e) => `${e.actor}:${e.kind}:${e.from_status ?? ''}>${e.to_status ?? ''}`);
  assert.deepEqual(lines.slice(0, 2), ['carol:completed:running>done', 'bob:claimed:ready>running'], lines.join(', '));
  store.close();
});

/** Counts better-sqlite3 statement executions (BEGIN and COMMIT are statements too) while `fn` runs. */
function statementsDuring(store: ReturnType<typeof tempStore>, fn: () => void): string[] {
  const proto = Object.getPrototypeOf(store.db.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...a: unknown[]) => unknown>;
  const seen: string[] = [];
  const originals = (['run', 'get', 'all'] as const).map((m) => [m, proto[m]] as const);
  for (const [m, original] of originals) {
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      seen.push(this.source.replace(/\s+/g, ' ').trim().slice(0, 40));
      return original.apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [m, original] of originals) proto[m] = original;
  }
  return seen;
}

test('the common claim and completion are one autocommitted statement each: the pause and the file lease checked in it; paused or leased ones go the long way', sqliteOnly('counts better-sqlite3 statements'), () => {
  const store = tempStore();
  for (let i = 0; i < 5; i++) addTask(store, { title: `plain ${i}` }, at(1));
  const ids: number[] = [];
  const ran = statementsDuring(store, () => {
    const c = claimTask(store, { agent: 'w' }, at(10));
    if (c.task) ids.push(c.task.id, c.run.id);
  });
  assert.deepEqual(ran.map((s) => s.split(' ')[0]), ['INSERT'], `no BEGIN, read or COMMIT: ${ran.join(' | ')}`);
  const [taskId, runId] = ids as [number, number];
  const completed = statementsDuring(store, () => completeRun(store, { run_id: runId, summary: 'ok' }, at(11)));
  assert.deepEqual(completed.map((s) => s.split(' ')[0]), ['UPDATE'], `no BEGIN, read or COMMIT: ${completed.join(' | ')}`);
  // Both were committed (no transaction left open) and the task is done with its run finished.
  assert.equal(store.db.inTransaction, false);
  assert.equal(store.tasks.get(taskId)?.status, 'done');
  assert.equal(store.runs.get(runId)?.outcome, 'completed');
  // Paused with tasks ready: nothing claimed, the pause reported.
  store.agents.pause('p', 5_000, 'rate limit');
  assert.deepEqual(claimTask(store, { agent: 'p' }, at(20)), { task: null, paused_until: 5_000 });
  // Paused on an empty queue: the pause is still reported.
  const empty = tempStore();
  empty.agents.pause('p', 5_000, 'rate limit');
  assert.deepEqual(claimTask(empty, { agent: 'p' }, at(20)), { task: null, paused_until: 5_000 });
  assert.deepEqual(claimTask(empty, { agent: 'q' }, at(20)), { task: null });
  // A running task holding paths: an overlapping ready task waits, a plain one is claimed.
  const leased = tempStore();
  addTask(leased, { title: 'holder', paths: ['src/**'] }, at(1));
  addTask(leased, { title: 'overlaps', paths: ['src/a.ts'], priority: 1 }, at(2));
  addTask(leased, { title: 'plain' }, at(3));
  assert.equal(claimTask(leased, { agent: 'w' }, at(10)).task?.title, 'overlaps', 'highest priority first');
  assert.equal(claimTask(leased, { agent: 'w' }, at(11)).task?.title, 'plain', 'the holder overlaps the running one: it waits');
  assert.equal(claimTask(leased, { agent: 'w' }, at(12)).task, null);
  for (const s of [store, empty, leased]) s.close();
});

test('a completion answers where its task went and its run\'s finish, exactly as the database holds them after (one statement or the long way)', () => {
  const store = tempStore();
  const lone = addTask(store, { title: 'lone "one" ü', priority: 20 }, at(1)).task;
  const plain = addTask(store, { title: 'plain', then: [{ title: 'its follow-up' }] }, at(2)).task;
  const reviewed = addTask(store, { title: 'reviewed', review: true }, at(3)).task;
  for (const [task, to] of [[lone, 'done'], [plain, 'done'], [reviewed, 'review']] as const) {
    const c = claimTask(store, { agent: 'w' }, at(10), { host: 'h', pid: 7, pgid: 7, proc_start: 'boot:1' });
    assert.equal(c.task?.id, task.id);
    const runId = c.task ? c.run.id : 0;
    store.db.prepare("UPDATE runs SET log_path = '/logs/x', model = 'm1', late_json = '{\"a\":1}' WHERE id = ?").run(runId);
    const out = completeRun(store, { run_id: runId, summary: `ok ${task.id}`, cost_usd: 0.25, tokens_in: 3, tokens_out: 4, turns: 2, session_id: 's', exit_code: 0 }, at(20));
    assert.equal(out.task.status, to);
    assert.deepEqual({ task: out.task, run: out.run }, storedCompletion(store, task.id, runId), `${task.title}: the answer is the stored task and run`);
    assert.notEqual(out.run.finish_after_event, null, 'the completion\'s place in the timeline');
    assert.equal(out.spawned.length, task === plain ? 1 : 0);
  }
  store.close();
});

test('the packed reads: a claim and a completion hand back every rarely-set task and run field exactly as stored', () => {
  const store = tempStore();
  const parent = addTask(store, { title: 'parent' }, at(1)).task;
  const task = addTask(store, { title: 'odd "one"', key: 'k/ü\n"1"', complexity: 'high' }, at(2)).task;
  // Fields a ready task seldom has, set as a retried, answered, re-queued one would have them (text with quotes,
  // a newline and non-ASCII goes through json_array and back).
  store.db.prepare(`UPDATE tasks SET timeout_seconds = 900, error = 'boom "x"\n€', question = 'q?', answer = 'a!', feedback = 'f',
    parent_id = ?, finished_at = 5, result = 'earlier' WHERE id = ?`).run(parent.id, task.id);
  store.db.prepare("UPDATE tasks SET status = 'done' WHERE id = ?").run(parent.id);
  const claimed = claimTask(store, { agent: 'w' }, at(10), { host: 'h', pid: 1, pgid: 1 });
  assert.equal(claimed.task?.id, task.id);
  assert.deepEqual(claimed.task, store.tasks.get(task.id), 'the claimed task is the stored one');
  assert.equal(claimed.task?.key, 'k/ü\n"1"');
  assert.equal(claimed.task?.timeout_seconds, 900);
  assert.equal(claimed.task?.parent_id, parent.id);
  const runId = claimed.task ? claimed.run.id : 0;
  const out = completeRun(store, { run_id: runId, summary: 'ok' }, at(20));
  assert.deepEqual({ task: out.task, run: out.run }, storedCompletion(store, task.id, runId), 'the completion\'s answer is the stored task and run');
  assert.equal(out.task.title, 'odd "one"');
  store.close();
});

test('the one-statement claim and completion hand JavaScript few values: the claim 2 (run id, the task as one JSON array), the completion 3 (task id, the audit place, the task\'s name as one JSON array); the long way\'s read 36', sqliteOnly('the SQLite row layout'), () => {
  const store = tempStore();
  const width = (stmt: unknown) => (stmt as { columns(): unknown[] }).columns().length;
  assert.equal(width((store.tasks as unknown as { claimAloneStmt: unknown }).claimAloneStmt), 2);
  assert.equal(width((store.runs as unknown as { completeAloneStmt: unknown }).completeAloneStmt), 3);
  assert.equal(width((store.runs as unknown as { s: Record<string, unknown> }).s.forCompletion), 36);
  store.close();
});

test('the autocommitted claim and completion keep the WAL checkpointed: a drain of 1,500 tasks leaves it near the 1,000-page mark, not growing', sqliteOnly('the SQLite WAL'), () => {
  const store = tempStore();
  store.tx(() => {
    for (let i = 0; i < 1500; i++) addTask(store, { title: `t${i}` }, at(1));
  });
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  let most = 0;
  for (let i = 0; i < 1500; i++) {
    const c = claimTask(store, { agent: 'w' }, at(10 + i));
    assert.ok(c.task);
    completeRun(store, { run_id: c.run.id, summary: 'ok' }, at(10 + i));
    most = Math.max(most, statSync(`${store.path}-wal`).size);
  }
  // ~6 pages a cycle: without the auto-checkpoint (a statement reset before its end runs no WAL hook) the WAL would
  // hold all ~9,000 frames; checkpointed it restarts after each ~1,000.
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  assert.ok(most < 1500 * (pageSize + 24), `WAL grew to ${most} bytes`);
  store.close();
});

test('the claim trigger: a running run inserted for a ready task claims it; for a task not ready it changes nothing', sqliteOnly('a SQLite trigger'), () => {
  const store = tempStore();
  const ready = addTask(store, { title: 'ready' }, at(1)).task;
  const runId = store.runs.insert({ task_id: ready.id, agent: 'w', lease_ms: 1000, lease_expires_at: 1010, heartbeat_at: 10, started_at: 10 });
  assert.deepEqual([store.tasks.get(ready.id)?.status, store.tasks.get(ready.id)?.current_run_id, store.tasks.get(ready.id)?.updated_at], ['running', runId, 10]);
  const other = store.runs.insert({ task_id: ready.id, agent: 'w', lease_ms: 1000, lease_expires_at: 1020, heartbeat_at: 20, started_at: 20 });
  assert.notEqual(other, runId);
  assert.equal(store.tasks.get(ready.id)?.current_run_id, runId, 'a second run on a running task does not take it over');
  store.close();
});

test('the completion trigger aborts its statement unless the run\'s task was running on that run: nothing is written', sqliteOnly('a SQLite trigger'), () => {
  const store = tempStore();
  addTask(store, { title: 'one' }, at(1));
  const c = claimTask(store, { agent: 'w' }, at(10));
  assert.ok(c.task);
  // Break the link as a bug would, then finish the run the way RunRepo.completeAlone does (claim_after_event named).
  store.db.prepare('UPDATE tasks SET current_run_id = NULL WHERE id = ?').run(c.task.id);
  assert.throws(() => store.db.prepare(`UPDATE runs SET status = 'finished', outcome = 'completed', claim_after_event = claim_after_event
    WHERE id = ?`).run(c.run.id), /steward-guard/);
  assert.equal(store.runs.get(c.run.id)?.status, 'running', 'the run was not finished');
  assert.equal(store.tasks.get(c.task.id)?.status, 'running');
  // A finish that does not name claim_after_event (the long way's) leaves the task to its own statement.
  store.db.prepare("UPDATE runs SET status = 'finished', outcome = 'completed' WHERE id = ?").run(c.run.id);
  assert.equal(store.tasks.get(c.task.id)?.status, 'running');
  store.close();
});
