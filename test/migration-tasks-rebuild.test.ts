// Migration 14 rebuilds the tasks table (SQLite's 12 steps) so its status CHECK is a chain of comparisons, not an IN
// list SQLite turns into a temporary table on every status update. A queue at version 13 with data comes through
// losslessly: every row of every table as it was, the same indexes, foreign keys on and whole, the CHECK still there.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { addTask, archiveTask, cancelTask, claimTask, completeRun, failRun, proposeTask } from '../src/ops/index.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { at, databaseAtVersion, sqliteOnly, tempDir } from './support/helpers.js';

const sqlite = (path: string) => openStore(path, { url: '' });
const only = sqliteOnly('an old SQLite file migrated');

/** Every user table's rows (sorted: some tables have no rowid), by table name. */
function dump(db: Store['db']): Record<string, unknown[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")
    .pluck().all() as string[];
  const rows = (t: string) => (db.prepare(`SELECT * FROM ${t}`).raw(true).all() as unknown[][]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  return Object.fromEntries(tables.map((t) => [t, rows(t)]));
}

/** A queue with a bit of everything that points at tasks: runs, events, dependencies, paths, archive, proposals, a parent. */
function fill(store: Store): void {
  const a = addTask(store, { title: 'A', paths: ['src/**'], priority: 10 }, at(1)).task;
  const b = addTask(store, { title: 'B', after: [a.id], then: [{ title: 'B follow-up' }] }, at(2)).task;
  addTask(store, { title: 'C', key: 'c-key', review: true, requires: ['gpu'] }, at(3));
  const d = addTask(store, { title: 'D' }, at(4)).task;
  const e = addTask(store, { title: 'E' }, at(5)).task;
  proposeTask(store, { title: 'a proposal' }, at(6));
  const first = claimTask(store, { agent: 'w' }, at(10));
  assert.equal(first.task?.id, a.id);
  completeRun(store, { run_id: first.task ? first.run.id : 0, summary: 'done A', cost_usd: 0.5 }, at(11));
  const second = claimTask(store, { agent: 'w' }, at(12));
  assert.equal(second.task?.id, b.id);
  completeRun(store, { run_id: second.task ? second.run.id : 0, summary: 'done B' }, at(13)); // spawns its follow-up
  const third = claimTask(store, { agent: 'w' }, at(14));
  assert.equal(third.task?.id, d.id);
  failRun(store, { run_id: third.task ? third.run.id : 0, error: 'boom', kind: 'fatal' }, at(15));
  cancelTask(store, { id: e.id, reason: 'not needed' }, at(16));
  archiveTask(store, { id: e.id }, at(17));
  assert.match(claimTask(store, { agent: 'w' }, at(18)).task?.title ?? '', /follow-up/); // one left running
  addTask(store, { title: 'F' }, at(19)); // and one ready
}

test('migration 14 on a version-13 queue keeps every row, index and reference; the status CHECK holds without an IN list', only, () => {
  // The data, written by this code, copied into a file that has only migrations 1..13 (14 changes no column; a column a
  // later migration adds is left out of the copy and comes back as its default, as this code wrote it for this data).
  const source = sqlite(join(tempDir(), 'queue.db'));
  fill(source);
  const before = dump(source.db);
  const { path, db: old } = databaseAtVersion(13);
  old.pragma('foreign_keys = OFF');
  old.transaction(() => {
    for (const table of Object.keys(before)) {
      const cols = old.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[];
      const rows = source.db.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).raw(true).all() as unknown[][];
      for (const row of rows) old.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${row.map(() => '?').join(', ')})`).run(...row);
    }
  })();
  assert.match(old.prepare("SELECT sql FROM sqlite_master WHERE name = 'tasks'").pluck().get() as string, /status IN \(/);
  assert.ok((before.runs as unknown[]).length >= 4 && (before.events as unknown[]).length > 0 && (before.task_deps as unknown[]).length > 0);
  old.close();

  const store = sqlite(path);
  try {
    assert.equal(store.db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get(), SCHEMA_VERSION, 'migrated to the newest version');
    assert.deepEqual(dump(store.db), before, 'every row of every table as it was');
    const fresh = sqlite(join(tempDir(), 'queue.db'));
    const schema = (s: Store) => s.db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'schema_migrations' ORDER BY type, name").all();
    assert.deepEqual(schema(store), schema(fresh), 'the same tables, indexes and triggers as a queue created by this code');
    fresh.close();
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on');
    assert.deepEqual(store.db.pragma('foreign_key_check'), []);
    assert.equal(store.integrityCheck(), 'ok');
    // The CHECK: a chain of comparisons, and still a CHECK.
    const sql = store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'tasks'").pluck().get() as string;
    assert.doesNotMatch(sql, /status IN \(/);
    assert.throws(() => store.db.prepare("UPDATE tasks SET status = 'bogus' WHERE id = 1").run(), /CHECK constraint failed/);
    assert.throws(() => store.db.prepare("INSERT INTO runs (task_id, agent, status, lease_ms, lease_expires_at, heartbeat_at, started_at) VALUES (999, 'w', 'running', 1, 1, 1, 1)").run(),
      /FOREIGN KEY constraint failed/, 'runs still reference tasks');
    // A status update builds no temporary table any more (OpenEphemeral was the IN list's).
    const ops = store.db.prepare("EXPLAIN UPDATE tasks SET status = 'running' WHERE id = ?").all(1) as Array<{ opcode: string }>;
    assert.ok(!ops.some((o) => o.opcode === 'OpenEphemeral'), ops.map((o) => o.opcode).join(' '));
    // And the queue goes on: the ready task is claimed and completed.
    const next = claimTask(store, { agent: 'w' }, at(30));
    assert.ok(next.task, 'a ready task was left to claim');
    assert.equal(completeRun(store, { run_id: next.run.id, summary: 'after' }, at(31)).task.status, 'done');
  } finally {
    store.close();
  }
});

test('a version-13 queue opened by two processes\' stores in turn is migrated once; reopening applies nothing', only, () => {
  const { path, db } = databaseAtVersion(13);
  db.prepare(`INSERT INTO tasks (title, status, source, created_by, created_at, updated_at, ready_at) VALUES ('x', 'ready', 'cli', 't', 1, 1, 1)`).run();
  db.close();
  const first = sqlite(path);
  const applied = first.db.prepare('SELECT version, applied_at FROM schema_migrations WHERE version = 14').get();
  first.close();
  const second = sqlite(path);
  assert.deepEqual(second.db.prepare('SELECT version, applied_at FROM schema_migrations WHERE version = 14').get(), applied);
  assert.equal(second.tasks.get(1)?.title, 'x');
  second.close();
});
