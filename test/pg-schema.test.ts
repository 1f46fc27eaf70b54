// The Postgres schema (src/store/pg/pg-migrations.ts) is the SQLite one at the same version: the same tables, columns
// in the same order with matching types, nullability and defaults, the same indexes; migrations are recorded with the
// same version numbers, run once when two processes open a new schema at the same moment, and not again on reopen.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { PG_SCHEMA_VERSION } from '../src/store/pg/pg-migrations.js';
import { resolveSchema } from '../src/store/pg/pg-store.js';
import { capped, killChildren, tracked } from './helpers/processes.js';
import { REPO_ROOT, tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
afterEach(killChildren);
after(() => ('skip' in server ? undefined : server.stop()));

type Col = { table: string; name: string; type: string; notnull: boolean; dflt: string | null; pk: boolean };

/** Every column of the SQLite schema at this code's version, in declaration order. */
function sqliteColumns(): Col[] {
  const store = openStore(join(tempDir(), 'queue.db'), { url: '' });
  try {
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return tables.flatMap((table) =>
      (store.db.prepare('SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk FROM pragma_table_info(?) ORDER BY cid').all(table) as Array<{ name: string; type: string; nn: number; dflt: string | null; pk: number }>)
        .map((c) => ({ table, name: c.name, type: c.type.toUpperCase(), notnull: c.nn === 1, dflt: c.dflt, pk: c.pk > 0 })),
    );
  } finally {
    store.close();
  }
}

const PG_TYPE: Record<string, string> = { INTEGER: 'bigint', REAL: 'double precision', TEXT: 'text' };

test('the Postgres schema has the SQLite schema\'s tables, columns (order, type, NOT NULL, default) and indexes', { skip }, () => {
  assert.equal(PG_SCHEMA_VERSION, SCHEMA_VERSION, 'every SQLite migration has its Postgres twin');
  const schema = freshSchema('schema');
  const store = openStore(join(tempDir(), 'queue.db'), { url, schema });
  try {
    const pg = store.db.prepare(`SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable, column_default AS dflt,
        is_identity AS ident FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name COLLATE "C", ordinal_position`)
      .all(schema) as Array<{ t: string; c: string; type: string; nullable: string; dflt: string | null; ident: string }>;
    const mine = pg.filter((r) => r.t !== 'schema_migrations');
    const theirs = sqliteColumns().filter((c) => c.table !== 'schema_migrations');
    assert.deepEqual(mine.map((r) => `${r.t}.${r.c}`), theirs.map((c) => `${c.table}.${c.name}`), 'same tables and columns in the same order');
    theirs.forEach((col, i) => {
      const p = mine[i]!;
      const where = `${col.table}.${col.name}`;
      assert.equal(p.type, PG_TYPE[col.type], `${where}: ${col.type} → ${p.type}`);
      // An id column: SQLite's rowid alias, a Postgres identity. A primary key is NOT NULL in Postgres (in SQLite a
      // rowid table's key column is not declared so).
      if (p.ident === 'YES') assert.equal(col.name, 'id', where);
      if (col.pk) assert.equal(p.nullable, 'NO', where);
      else assert.equal(p.nullable === 'NO', col.notnull, `${where} NOT NULL`);
      const dflt = p.dflt === null ? null : p.dflt.replace(/::text$/, '');
      assert.equal(dflt, col.dflt, `${where} default`);
    });
    const pgIndexes = (store.db.prepare("SELECT indexname FROM pg_indexes WHERE schemaname = ? AND indexname NOT IN (SELECT conname FROM pg_constraint)")
      .pluck().all(schema) as string[]).sort();
    const lite = openStore(join(tempDir(), 'queue.db'), { url: '' });
    const liteIndexes = (lite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").pluck().all() as string[]).sort();
    lite.close();
    assert.deepEqual(pgIndexes, liteIndexes);
    const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    assert.deepEqual(versions, MIGRATIONS.map((_, i) => i + 1));
  } finally {
    store.close();
  }
});

test('two processes opening a new schema at once migrate it once; a reopen applies nothing', { skip, timeout: 180_000 }, async () => {
  const schema = freshSchema('race');
  const script = `
    const { openStore } = await import(${JSON.stringify(join(REPO_ROOT, 'dist/src/store/open-store.js'))});
    const s = openStore('/nonexistent/queue.db', { url: process.env.U, schema: process.env.S });
    process.stdout.write(String(s.tasks.counts().ready ?? 0));
    s.close();`;
  const one = () => {
    const child = tracked(spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, U: url, S: schema } }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const closed = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
    return capped(closed, `a process opening the store on schema ${schema}`, child);
  };
  const results = await Promise.all([one(), one(), one()]);
  for (const r of results) assert.equal(r.code, 0, r.err);
  const store = openStore(join(tempDir(), 'queue.db'), { url, schema });
  try {
    const rows = store.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; applied_at: number }>;
    assert.equal(rows.length, SCHEMA_VERSION);
    assert.equal(new Set(rows.map((r) => r.applied_at)).size, 1, 'one migration run wrote every version');
  } finally {
    store.close();
  }
});

test('@path: one schema per database path, the same for the same file however it is named', () => {
  const dir = tempDir();
  const a = resolveSchema(join(dir, '.steward', 'queue.db'), '@path');
  assert.match(a, /^s_[0-9a-f]{16}$/);
  assert.equal(resolveSchema(join(dir, '.steward', '..', '.steward', 'queue.db'), '@path'), a);
  assert.notEqual(resolveSchema(join(tempDir(), '.steward', 'queue.db'), '@path'), a);
  assert.equal(resolveSchema('/x/queue.db', 'my_queue'), 'my_queue');
  assert.throws(() => resolveSchema('/x/queue.db', 'Bad-Name'), /not a lower-case identifier/);
});
