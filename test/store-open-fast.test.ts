// Opening an up-to-date queue takes no write lock (migrate reads schema_migrations once and stops): a CLI command
// that only reads starts while another process holds the write lock, and the migrations still run on an old file.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/open-store.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { holdWriteLock } from './support/backend.js';
import { cli, databaseAtVersion, sqliteOnly, tempDir } from './support/helpers.js';

test('an up-to-date database opens (and reads) while another connection holds the write lock', () => {
  const path = join(tempDir(), 'queue.db');
  openStore(path).close(); // creates and migrates
  const other = openStore(path);
  const release = holdWriteLock(other);
  try {
    const store = openStore(path, { busyTimeoutMs: 0 });
    assert.equal(store.read(() => store.tasks.page({ afterPriority: -1, afterId: 0, limit: 5 })).length, 0);
    store.close();
  } finally {
    release();
    other.close();
  }
});

test('an older database is still migrated on open', sqliteOnly('an old SQLite file migrated'), () => {
  const { path, db } = databaseAtVersion(SCHEMA_VERSION - 1);
  db.close();
  const store = openStore(path);
  const versions = store.db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
  assert.equal(versions.n, SCHEMA_VERSION);
  store.close();
});

test('a database a newer steward migrated is refused (UNSUPPORTED_VERSION), not written', sqliteOnly('a SQLite file from a newer steward'), () => {
  const { path, db } = databaseAtVersion(SCHEMA_VERSION);
  db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(SCHEMA_VERSION + 1);
  db.close();
  assert.throws(() => openStore(path), (err: Error & { code?: string }) => err.code === 'UNSUPPORTED_VERSION' && new RegExp(`schema ${SCHEMA_VERSION + 1}; this steward knows up to ${SCHEMA_VERSION}`).test(err.message));
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  copyFileSync(path, join(ws, '.steward/queue.db'));
  const add = cli(['add', 'written by an older steward', '--json'], { cwd: ws });
  assert.equal(add.code, 2, add.stderr);
  assert.equal(JSON.parse(add.stderr).error.code, 'UNSUPPORTED_VERSION');
});

test('another program\'s SQLite file (tables, no schema_migrations) is refused as not a steward database, left as it was', sqliteOnly('a foreign SQLite file'), () => {
  const path = join(tempDir(), 'other.db');
  const db = new Database(path);
  db.exec('CREATE TABLE tasks (x); INSERT INTO tasks VALUES (1)');
  db.close();
  assert.throws(() => openStore(path), (err: Error & { code?: string }) => err.code === 'UNAVAILABLE' && /not a steward database/.test(err.message));
  const after = new Database(path, { readonly: true });
  try {
    assert.deepEqual(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [{ name: 'tasks' }]);
  } finally {
    after.close();
  }
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const r = cli(['migrate', '--from', join(ws, '.steward/queue.db'), '--to', path, '--json'], { cwd: ws });
  assert.equal(r.code, 5, r.stderr);
  assert.equal(JSON.parse(r.stderr).error.code, 'UNAVAILABLE');
});
