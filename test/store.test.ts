import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { StewardError } from '../src/core/errors.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { addTask, claimTask } from '../src/ops/index.js';
import { holdWriteLock } from './support/backend.js';
import { at, sqliteOnly, tempDir, tempStore } from './support/helpers.js';

test('openStore sets WAL, NORMAL sync, foreign keys and a busy timeout; migrates once', sqliteOnly('SQLite pragmas'), () => {
  const dir = tempDir();
  const path = join(dir, 'q.db');
  const a = openStore(path, { busyTimeoutMs: 1234 });
  assert.equal(a.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(a.db.pragma('synchronous', { simple: true }), 1);
  assert.equal(a.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(a.db.pragma('busy_timeout', { simple: true }), 1234);
  const b = openStore(path);
  const versions = b.db.prepare('SELECT version FROM schema_migrations').all();
  assert.deepEqual(versions, Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
  a.close();
  b.close();
});

test('a second connection sees committed writes (WAL, real file)', () => {
  const path = join(tempDir(), 'q.db');
  const a = openStore(path);
  const b = openStore(path);
  const { task } = addTask(a, { title: 'seen by b' }, at(1000));
  assert.equal(b.tasks.get(task.id)?.title, 'seen by b');
  a.close();
  b.close();
});

test('a held write lock past the busy timeout becomes BUSY', () => {
  const path = join(tempDir(), 'q.db');
  const holder = openStore(path);
  const waiter = openStore(path, { busyTimeoutMs: 50 });
  const release = holdWriteLock(holder);
  assert.throws(() => addTask(waiter, { title: 'x' }, at(1)), (e: StewardError) => e.code === 'BUSY');
  release();
  assert.equal(addTask(waiter, { title: 'x' }, at(1)).task.id, 1);
  holder.close();
  waiter.close();
});

test('a read-only database file gives UNAVAILABLE and stays intact', { skip: process.getuid?.() === 0 ? 'root ignores file modes' : false }, () => {
  const path = join(tempDir(), 'q.db');
  openStore(path).close();
  chmodSync(path, 0o444);
  assert.throws(() => {
    const s = openStore(path);
    addTask(s, { title: 'x' }, at(1));
  }, (e: StewardError) => e.code === 'UNAVAILABLE');
});

test('a read-only connection refuses writes with UNAVAILABLE and changes nothing', () => {
  const path = join(tempDir(), 'q.db');
  const rw = openStore(path);
  addTask(rw, { title: 'before' }, at(1));
  rw.close();
  const ro = openStore(path, { readonly: true });
  assert.throws(() => addTask(ro, { title: 'x' }, at(2)), (e: StewardError) => e.code === 'UNAVAILABLE');
  assert.equal(ro.integrityCheck(), 'ok');
  ro.close();
  const check = openStore(path, { readonly: true });
  assert.deepEqual(check.db.prepare('SELECT title FROM tasks').all(), [{ title: 'before' }]);
  check.close();
});

test('a file that is not a database gives UNAVAILABLE', sqliteOnly('a file that is not a SQLite database'), () => {
  const path = join(tempDir(), 'q.db');
  writeFileSync(path, 'this is not sqlite, just text '.repeat(100));
  assert.throws(() => openStore(path), (e: StewardError) => e.code === 'UNAVAILABLE');
});

test('claim order: priority, then age, then id', () => {
  const s = tempStore();
  addTask(s, { title: 'old normal' }, at(1));
  addTask(s, { title: 'new urgent', priority: 'urgent' }, at(5));
  addTask(s, { title: 'new normal' }, at(3));
  const order = [1, 2, 3].map(() => (claimTask(s, { agent: 'a' }, at(10)) as { task: { title: string } }).task.title);
  assert.deepEqual(order, ['new urgent', 'old normal', 'new normal']);
});
