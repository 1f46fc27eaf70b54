// steward export / import / migrate: a busy queue survives the round trip row for row, and bad files are refused.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/open-store.js';
import { queueTables } from '../src/store/queue-export.js';
import type { SqlDatabase } from '../src/store/sql-database.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { onPostgres } from './support/backend.js';
import { fillBusyQueue } from './support/busy-queue.js';
import { cli, sqliteOnly, tempDir } from './support/helpers.js';

/** Every row of every queue table, in primary-key order, by table name. */
function allRows(db: Database.Database | SqlDatabase): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of queueTables(db as SqlDatabase)) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all();
  return out;
}

/** The export with its first task row changed by `edit` (and `priority":1` then spelled `replace`, for what JSON.stringify cannot write). */
function edited(lines: string[], edit: (row: Record<string, unknown>) => Record<string, unknown>, replace?: string): string {
  const at = lines.findIndex((l) => JSON.parse(l).table === 'tasks');
  const line = JSON.stringify({ table: 'tasks', row: edit(JSON.parse(lines[at]!).row) });
  return [...lines.slice(0, at), replace ? line.replace('"priority":1', replace) : line, ...lines.slice(at + 1)].join('\n');
}

/** Another workspace's queue database. */
/** Some other SQLite database file (made with better-sqlite3 itself, so on either backend's test run). */
function otherDb(): string {
  const path = join(tempDir(), 'other.db');
  const db = new Database(path);
  db.exec('CREATE TABLE notes (x TEXT)');
  db.close();
  return path;
}

describe('steward export / import / migrate', () => {
  let source: string;
  let exported: string;
  const run = (cwd: string, ...args: string[]) => cli(args, { cwd });

  before(() => {
    source = tempDir();
    assert.equal(run(source, 'init').code, 0);
    const store = openStore(join(source, '.steward/queue.db'));
    try {
      fillBusyQueue(store);
    } finally {
      store.close();
    }
    exported = join(tempDir(), 'queue.jsonl');
    const out = run(source, 'export', '--out', exported, '--json');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.json.schema, SCHEMA_VERSION);
  });

  test('every state, run, event, dependency, chain, proposal, schedule and budget is in the export', () => {
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const header = lines[0];
    assert.deepEqual([header.format, header.version, header.schema], ['steward-queue', 1, SCHEMA_VERSION]);
    assert.deepEqual(lines.at(-1), { end: true, rows: lines.length - 2 });
    const states = new Set(lines.filter((l) => l.table === 'tasks').map((l) => l.row.status));
    assert.deepEqual([...states].sort(), ['blocked', 'cancelled', 'done', 'failed', 'pending', 'ready', 'review', 'running']);
    const tables = new Set(lines.filter((l) => l.table).map((l) => l.table));
    for (const t of ['tasks', 'runs', 'events', 'task_deps', 'proposals', 'schedules', 'schedule_cursors', 'task_budgets', 'archived_tasks', 'meta', 'agents']) {
      assert.ok(tables.has(t), `rows of ${t} exported`);
    }
    // stdout without --out: the same bytes.
    const stdout = run(source, 'export');
    assert.equal(stdout.code, 0, stdout.stderr);
    assert.equal(stdout.stdout, readFileSync(exported, 'utf8'));
  });

  test('export --out refuses a database file (the queue\'s own, its WAL, another): it would be replaced', () => {
    // On Postgres the queue is no file: only another SQLite file is a database to refuse there.
    for (const out of [...(onPostgres ? [] : ['.steward/queue.db', '.steward/queue.db-wal']), otherDb()]) {
      const r = run(source, 'export', '--out', out, '--json');
      assert.equal(r.code, 2, `${out}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stderr).error.code, 'USAGE');
    }
    if (!onPostgres) assert.equal(readFileSync(join(source, '.steward/queue.db')).subarray(0, 16).toString('latin1'), 'SQLite format 3\0', 'the queue file is still the database');
    assert.equal(run(source, 'list', '--json').code, 0);
  });

  test('import into a fresh workspace is lossless: every table row for row, and a second export is byte-identical', () => {
    const fresh = tempDir();
    assert.equal(run(fresh, 'init').code, 0);
    const imp = run(fresh, 'import', exported, '--json');
    assert.equal(imp.code, 0, imp.stderr);
    const a = openStore(join(source, '.steward/queue.db'), { readonly: true }).db;
    const b = openStore(join(fresh, '.steward/queue.db'), { readonly: true }).db;
    try {
      const left = allRows(a);
      const right = allRows(b);
      assert.deepEqual(Object.keys(right), Object.keys(left));
      for (const t of Object.keys(left)) assert.deepEqual(right[t], left[t], `table ${t}`);
      assert.equal(b.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      a.close();
      b.close();
    }
    const again = join(tempDir(), 'again.jsonl');
    assert.equal(run(fresh, 'export', '--out', again).code, 0);
    assert.ok(readFileSync(again).equals(readFileSync(exported)), 'the second export is byte-identical');
    // The imported queue works: the running task's run still completes through its run id.
    const show = run(fresh, 'list', '--status', 'running', '--json');
    assert.equal(show.json.tasks.length, 1);
  });

  test('a queue with rows is refused (CONFLICT, nothing changed) unless --replace', () => {
    const other = tempDir();
    assert.equal(run(other, 'init').code, 0);
    assert.equal(run(other, 'add', 'mine').code, 0);
    const refused = run(other, 'import', exported, '--json');
    assert.equal(refused.code, 4);
    assert.equal(JSON.parse(refused.stderr).error.code, 'CONFLICT');
    assert.equal(run(other, 'list', '--json').json.tasks.length, 1);
    const replaced = run(other, 'import', exported, '--replace', '--json');
    assert.equal(replaced.code, 0, replaced.stderr);
    const again = join(tempDir(), 'again.jsonl');
    assert.equal(run(other, 'export', '--out', again).code, 0);
    assert.ok(readFileSync(again).equals(readFileSync(exported)));
  });

  test('a newer format or schema is UNSUPPORTED_VERSION; a cut or edited file is PARSE_ERROR; neither writes anything', () => {
    const text = readFileSync(exported, 'utf8');
    const lines = text.trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    const dir = tempDir();
    const variants: Array<[string, string, string]> = [
      ['newer-format.jsonl', [JSON.stringify({ ...header, version: 2 }), ...lines.slice(1)].join('\n'), 'UNSUPPORTED_VERSION'],
      ['newer-schema.jsonl', [JSON.stringify({ ...header, schema: SCHEMA_VERSION + 1 }), ...lines.slice(1)].join('\n'), 'UNSUPPORTED_VERSION'],
      ['cut.jsonl', lines.slice(0, -5).join('\n'), 'PARSE_ERROR'],
      ['not-export.jsonl', '{"hello":1}\n', 'PARSE_ERROR'],
      ['bad-column.jsonl', [lines[0], JSON.stringify({ table: 'tasks', row: { id: 1, nonsense: 2 } }), ...lines.slice(1)].join('\n'), 'PARSE_ERROR'],
      // Values steward could not read back (list, show, the board) or export again: each refused, naming the line.
      ['text-priority.jsonl', edited(lines, (row) => ({ ...row, priority: 'abc' })), 'PARSE_ERROR'],
      ['huge-priority.jsonl', edited(lines, (row) => ({ ...row, priority: 1 }), '"priority":1e400'), 'PARSE_ERROR'],
      ['bad-json.jsonl', edited(lines, (row) => ({ ...row, after_json: 'not json' })), 'PARSE_ERROR'],
      ['object-verify.jsonl', edited(lines, (row) => ({ ...row, verify_json: '{"a":1}' })), 'PARSE_ERROR'],
      ['number-title.jsonl', edited(lines, (row) => ({ ...row, title: 5 })), 'PARSE_ERROR'],
      ['no-task-columns.jsonl', [JSON.stringify({ ...header, tables: { ...header.tables, tasks: [] } }), ...lines.slice(1)].join('\n'), 'PARSE_ERROR'],
    ];
    const target = tempDir();
    assert.equal(run(target, 'init').code, 0);
    for (const [name, body, code] of variants) {
      writeFileSync(join(dir, name), body);
      const r = run(target, 'import', join(dir, name), '--json');
      assert.equal(JSON.parse(r.stderr).error.code, code, `${name}: ${r.stderr}`);
      assert.equal(r.code, 2, name);
    }
    assert.deepEqual(run(target, 'list', '--json').json.tasks, []);
  });

  test('an export of an older schema gets the later migrations on import', () => {
    // Schema 10 had no tasks.complexity / runs.model (migration 11), no tasks.has_paths (migration 12), no
    // proposals.complexity / timeout_seconds (migration 17), no proposals.auto_refused (migration 18): drop them from the
    // file and say schema 10.
    const laterProposalColumns = ['complexity', 'timeout_seconds', 'auto_refused'];
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const header = lines[0];
    header.schema = 10;
    header.tables.tasks = header.tables.tasks.filter((c: string) => c !== 'complexity' && c !== 'has_paths');
    header.tables.runs = header.tables.runs.filter((c: string) => c !== 'model');
    header.tables.proposals = header.tables.proposals.filter((c: string) => !laterProposalColumns.includes(c));
    for (const l of lines) {
      if (l.table === 'tasks') delete l.row.complexity;
      if (l.table === 'tasks') delete l.row.has_paths;
      if (l.table === 'runs') delete l.row.model;
      if (l.table === 'proposals') for (const c of laterProposalColumns) delete l.row[c];
    }
    const file = join(tempDir(), 'old.jsonl');
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const target = tempDir();
    assert.equal(run(target, 'init').code, 0);
    const r = run(target, 'import', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.schema, 10);
    const db = openStore(join(target, '.steward/queue.db'), { readonly: true }).db;
    try {
      const complexities = db.prepare('SELECT DISTINCT complexity FROM tasks').all() as Array<{ complexity: unknown }>;
      assert.deepEqual(complexities, [{ complexity: null }]);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, lines.filter((l) => l.table === 'tasks').length);
    } finally {
      db.close();
    }
  });

  test('migrate --from queue.db --to other.db copies the queue; an unreachable Postgres URL is UNAVAILABLE, nothing copied', sqliteOnly('copies queue.db files (test/migrate-postgres covers Postgres)'), () => {
    const to = join(tempDir(), 'copy.db');
    const r = run(source, 'migrate', '--from', join(source, '.steward/queue.db'), '--to', to, '--json');
    assert.equal(r.code, 0, r.stderr);
    const a = new Database(join(source, '.steward/queue.db'), { readonly: true });
    const b = new Database(to, { readonly: true });
    try {
      assert.deepEqual(allRows(b), allRows(a));
    } finally {
      a.close();
      b.close();
    }
    const again = run(source, 'migrate', '--from', join(source, '.steward/queue.db'), '--to', to, '--json');
    assert.equal(JSON.parse(again.stderr).error.code, 'CONFLICT');
    // Port 1 on the loopback: nothing listens there (test/migrate-postgres.test.ts copies into a real server).
    const pg = run(source, 'migrate', '--from', join(source, '.steward/queue.db'), '--to', 'postgres://steward@127.0.0.1:1/steward', '--json');
    assert.equal(JSON.parse(pg.stderr).error.code, 'UNAVAILABLE', pg.stderr);
    assert.equal(JSON.parse(run(source, 'migrate', '--from', 'a.db', '--json').stderr).error.code, 'USAGE');
  });
});
