// A workspace's whole queue as JSONL (docs/SCALING.md, "Backups"): a header line, one line per row of every table, an
// end line with the row count. Import reads it back into an empty queue, row for row and id for id. Both work on either
// backend (SQLite or a Postgres store): the catalogue queries differ, the lines do not — a queue exported from SQLite,
// imported into Postgres and exported again gives the same bytes (test/migrate-postgres.test.ts).
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StewardError } from '../core/errors.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type { Store } from './open-store.js';
import type { SqlDatabase } from './sql-database.js';
import { translateSqliteError } from './sqlite-errors.js';
import { sqliteNativeBinding } from './native-binding.js';

/** The `format` of the header line, and the version of the layout this code writes and reads. */
export const EXPORT_FORMAT = 'steward-queue';
export const EXPORT_FORMAT_VERSION = 1;

/** The first line of an export. `schema` is the migration count of the database it came from. */
export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  schema: number;
  /** Every table exported, in the order its rows follow, with its columns. */
  tables: Record<string, string[]>;
}

/** What an export or import moved. */
export interface QueueCopyReport {
  schema: number;
  rows: number;
  tables: Record<string, number>;
}

type Db = SqlDatabase;
/** A connection of either backend (better-sqlite3's own type, or the SqlDatabase a Postgres store holds). */
export type AnyDb = SqlDatabase | Database.Database;
const sql = (db: AnyDb): Db => db as unknown as Db;
type Row = Record<string, unknown>;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const isPg = (db: Db): boolean => db.dialect === 'postgres';

/** Every table of the queue (all but SQLite's own and the migration record), by name (bytewise order on both backends). */
export function queueTables(anyDb: AnyDb): string[] {
  const db = sql(anyDb);
  const rows = (isPg(db)
    ? db.prepare(`SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema()
        AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`).all()
    : db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").all()) as Array<{ name: string }>;
  // Sorted here: Buffer order is SQLite's BINARY order, whatever collation the server's catalogue uses.
  return rows.map((r) => r.name).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

interface ColumnInfo {
  name: string;
  /** Position in the primary key (1-based), 0 when not part of it. */
  pk: number;
}

function columnsOf(anyDb: AnyDb, table: string): ColumnInfo[] {
  const db = sql(anyDb);
  if (!isPg(db)) return db.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`).all(table) as ColumnInfo[];
  const cols = db.prepare(`SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
    ORDER BY ordinal_position`).all(table) as Array<{ name: string }>;
  const pk = db.prepare(`SELECT a.attname::text AS name, array_position(i.indkey::int2[], a.attnum) AS pos FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
    WHERE i.indisprimary AND i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?))`).all(table) as Array<{ name: string; pos: number }>;
  const pos = new Map(pk.map((p) => [p.name, Number(p.pos)]));
  return cols.map((c) => ({ name: c.name, pk: pos.get(c.name) ?? 0 }));
}

/** The ORDER BY that lists a table's rows the same way every time: its primary key (else rowid; Postgres: every column). */
function orderOf(anyDb: AnyDb, columns: ColumnInfo[]): string {
  const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (pk.length) return pk.map((c) => quote(c.name)).join(', ');
  return isPg(sql(anyDb)) ? columns.map((c) => quote(c.name)).join(', ') : 'rowid';
}

/** The schema version a database records (its highest applied migration). */
function schemaOf(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | string | null } | undefined;
  return row?.v == null ? 0 : Number(row.v);
}

/**
 * Writes the queue in `db` as JSONL through `write` (one call per line, each ending in "\n"), inside one read
 * transaction so the export is one consistent moment of the queue. The same queue gives the same bytes.
 */
export function exportQueue(anyDb: AnyDb, write: (line: string) => void): QueueCopyReport {
  const db = sql(anyDb);
  const run = db.transaction((): QueueCopyReport => {
    // Postgres: one snapshot for every statement of the export (READ COMMITTED would give each its own).
    if (isPg(db)) db.prepare('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY').run();
    const tables = queueTables(db);
    const columns = new Map(tables.map((t) => [t, columnsOf(db, t)] as const));
    const header: ExportHeader = {
      format: EXPORT_FORMAT,
      version: EXPORT_FORMAT_VERSION,
      schema: schemaOf(db),
      tables: Object.fromEntries(tables.map((t) => [t, columns.get(t)!.map((c) => c.name)])),
    };
    write(`${JSON.stringify(header)}\n`);
    const report: QueueCopyReport = { schema: header.schema, rows: 0, tables: {} };
    for (const table of tables) {
      let n = 0;
      for (const row of db.prepare(`SELECT * FROM ${quote(table)} ORDER BY ${orderOf(db, columns.get(table)!)}`).iterate() as Iterable<Row>) {
        for (const [k, v] of Object.entries(row)) {
          if (typeof v === 'bigint' || Buffer.isBuffer(v) || (v !== null && typeof v === 'object')) throw new StewardError('INTERNAL', `${table}.${k} holds a value JSON cannot carry`, { table, column: k });
        }
        write(`${JSON.stringify({ table, row })}\n`);
        n++;
      }
      report.tables[table] = n;
      report.rows += n;
    }
    write(`${JSON.stringify({ end: true, rows: report.rows })}\n`);
    return report;
  });
  try {
    return run();
  } catch (err) {
    throw translateSqliteError(err);
  }
}

/** True when the queue has no rows in any table (meta aside: a fresh workspace's tick writes board notes there). */
export function queueIsEmpty(anyDb: AnyDb): boolean {
  const db = sql(anyDb);
  return queueTables(db).every((t) => t === 'meta' || db.prepare(`SELECT 1 FROM ${quote(t)} LIMIT 1`).get() === undefined);
}

const bad = (line: number, message: string): StewardError => new StewardError('PARSE_ERROR', `export line ${line}: ${message}`, { line });

/** Checks the header line: a steward export of a format and schema this code can read. */
export function readHeader(text: string | undefined): ExportHeader {
  let header: Partial<ExportHeader>;
  try {
    header = JSON.parse(text ?? '') as Partial<ExportHeader>;
  } catch {
    throw bad(1, 'not a steward export (the first line is not JSON)');
  }
  if (header?.format !== EXPORT_FORMAT) throw bad(1, `not a steward export (format ${JSON.stringify(header?.format)}, expected "${EXPORT_FORMAT}")`);
  if (!Number.isInteger(header.version) || !Number.isInteger(header.schema) || typeof header.tables !== 'object' || header.tables === null) {
    throw bad(1, 'the header needs version, schema and tables');
  }
  if (header.version! > EXPORT_FORMAT_VERSION) {
    throw new StewardError('UNSUPPORTED_VERSION', `the export is format version ${header.version}; this steward reads up to ${EXPORT_FORMAT_VERSION}: import it with a newer steward`, {
      version: header.version, supported: EXPORT_FORMAT_VERSION,
    });
  }
  if (header.schema! > SCHEMA_VERSION) {
    throw new StewardError('UNSUPPORTED_VERSION', `the export comes from a queue at schema ${header.schema}; this steward knows up to ${SCHEMA_VERSION}: import it with a newer steward`, {
      schema: header.schema, supported: SCHEMA_VERSION,
    });
  }
  if (header.schema! < 1) throw bad(1, `schema ${header.schema} is not a version`);
  return header as ExportHeader;
}

/** Options of importQueue. */
export interface ImportOptions {
  /** Delete what the target queue holds first (otherwise a queue with rows is refused with CONFLICT). */
  replace?: boolean;
  /** Where the staging database goes (removed afterwards). Default: beside the target, `<target>.import-<pid>`. */
  stagingPath?: string;
}

/**
 * Reads an export (its lines, in order) into `target`, which must be empty unless `replace`. The rows go first into a
 * staging database at the export's schema, which is then migrated to this code's schema (so an older export gets every
 * later migration's own changes), and copied into the target in one transaction: the target gets all of it or nothing.
 */
export function importQueue(target: Store, lines: Iterable<string>, options: ImportOptions = {}): QueueCopyReport {
  const it = lines[Symbol.iterator]();
  const first = it.next();
  const header = readHeader(first.done ? undefined : first.value);
  if (!options.replace && !target.read(() => queueIsEmpty(target.db))) {
    throw new StewardError('CONFLICT', `the queue at ${target.path} is not empty: import goes into an empty workspace (\`steward init\` a new one), or pass --replace to drop what it holds`, { path: target.path });
  }
  // A Postgres target has no folder of its own: its staging file goes to the temp folder.
  const stagingPath = options.stagingPath ?? (isPg(sql(target.db)) ? join(tmpdir(), `steward-import-${process.pid}-${Date.now()}.db`) : `${target.path}.import-${process.pid}`);
  removeDb(stagingPath);
  const stage = new Database(stagingPath, { nativeBinding: sqliteNativeBinding() });
  try {
    stage.pragma('journal_mode = OFF');
    stage.pragma('synchronous = OFF');
    // Rows arrive table by table (a task's archive row before the task); references are checked in the target.
    stage.pragma('foreign_keys = OFF');
    stage.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    MIGRATIONS.slice(0, header.schema).forEach((sql, i) => {
      stage.exec(sql);
      stage.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(i + 1);
    });
    const report = fillStage(stage, header, it);
    migrate(stage);
    if (isPg(sql(target.db))) copyIntoPg(target, stage, options.replace ?? false);
    else copyInto(target, stagingPath, options.replace ?? false);
    return report;
  } catch (err) {
    throw translateSqliteError(err);
  } finally {
    if (stage.open) stage.close();
    removeDb(stagingPath);
  }
}

function removeDb(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true });
}

/** What is wrong with a (non-null) value of a column, or undefined when nothing is. */
type ValueCheck = (v: unknown) => string | undefined;

/** The columns holding a list: steward reads each as a JSON array. */
const LIST_COLUMNS = new Set(['after_json', 'then_json', 'requires_json', 'verify_json']);

/**
 * The check of a column's values by its declared type: an edited or hostile file must not leave rows steward cannot read
 * back (a text priority, a number too large for JSON, JSON that does not parse would break list, show, the board and
 * the next export). SQLite stores what it is given whatever the column's type, so this is the only check they get.
 */
function valueCheck(table: string, column: string, type: string): ValueCheck {
  if (column.endsWith('_json')) {
    const list = LIST_COLUMNS.has(column) && (table === 'tasks' || table === 'proposals');
    return (v) => {
      if (typeof v !== 'string') return 'must be JSON text';
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        return 'must be JSON text';
      }
      return list && !Array.isArray(parsed) ? 'must be a JSON array' : undefined;
    };
  }
  if (type === 'INTEGER' || type === 'REAL') return (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a number');
  if (type === 'TEXT') return (v) => (typeof v === 'string' ? undefined : 'must be text');
  return () => undefined;
}

/** Inserts every row line into the staging database (at the export's schema); checks the end line's count. */
function fillStage(stage: Database.Database, header: ExportHeader, it: Iterator<string>): QueueCopyReport {
  const known = new Set(queueTables(stage));
  const report: QueueCopyReport = { schema: header.schema, rows: 0, tables: {} };
  const inserts = new Map<string, { columns: string[]; checks: ValueCheck[]; stmt: Database.Statement }>();
  const insertFor = (table: string, lineNo: number) => {
    let ins = inserts.get(table);
    if (ins) return ins;
    if (!known.has(table)) throw bad(lineNo, `table ${table} is not in a schema ${header.schema} queue`);
    const types = new Map((stage.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string }>).map((c) => [c.name, c.type]));
    const columns: unknown = header.tables[table];
    if (!Array.isArray(columns) || columns.length === 0 || columns.some((c) => typeof c !== 'string') || new Set(columns).size !== columns.length) {
      throw bad(lineNo, `the header does not list the columns of table ${table} (a list of distinct names)`);
    }
    const unknown = (columns as string[]).find((c) => !types.has(c));
    if (unknown !== undefined) throw bad(lineNo, `column ${table}.${unknown} is not in a schema ${header.schema} queue`);
    const stmt = stage.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    ins = { columns: columns as string[], checks: (columns as string[]).map((c) => valueCheck(table, c, types.get(c)!)), stmt };
    inserts.set(table, ins);
    return ins;
  };
  let ended: number | undefined;
  let lineNo = 1;
  stage.transaction(() => {
    for (let next = it.next(); !next.done; next = it.next()) {
      lineNo++;
      const text = next.value;
      if (text.trim() === '') continue;
      if (ended !== undefined) throw bad(lineNo, 'a line after the end line');
      let parsed: { table?: unknown; row?: unknown; end?: unknown; rows?: unknown };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        throw bad(lineNo, 'not JSON (a cut or edited file?)');
      }
      if (parsed.end === true) {
        if (parsed.rows !== report.rows) throw bad(lineNo, `the end line counts ${String(parsed.rows)} rows, the file holds ${report.rows}`);
        ended = report.rows;
        continue;
      }
      if (typeof parsed.table !== 'string' || typeof parsed.row !== 'object' || parsed.row === null || Array.isArray(parsed.row)) {
        throw bad(lineNo, 'expected {"table": ..., "row": {...}}');
      }
      const { columns, checks, stmt } = insertFor(parsed.table, lineNo);
      const row = parsed.row as Row;
      const extra = Object.keys(row).find((k) => !columns.includes(k));
      if (extra !== undefined) throw bad(lineNo, `column ${parsed.table}.${extra} is not in the header`);
      columns.forEach((c, i) => {
        const v = row[c];
        const wrong = v === undefined || v === null ? undefined : checks[i]!(v);
        if (wrong !== undefined) throw bad(lineNo, `${parsed.table}.${c} ${wrong}, not ${(typeof v === 'number' ? String(v) : JSON.stringify(v)).slice(0, 60)}`);
      });
      try {
        stmt.run(columns.map((c) => (row[c] === undefined ? null : row[c])) as unknown[]);
      } catch (err) {
        throw bad(lineNo, `${parsed.table}: ${(err as Error).message}`);
      }
      report.tables[parsed.table] = (report.tables[parsed.table] ?? 0) + 1;
      report.rows++;
    }
  })();
  if (ended === undefined) throw bad(lineNo, 'the file ends without its end line (cut short?)');
  return report;
}

/** Copies every table of the migrated staging database into the target store, in one transaction. */
function copyInto(target: Store, stagingPath: string, replace: boolean): void {
  const db = target.db;
  db.prepare('ATTACH DATABASE ? AS stage').run(stagingPath);
  try {
    target.tx(() => {
      // Rows arrive table by table; references (a task's parent, a proposal's task) are checked at the commit.
      db.pragma('defer_foreign_keys = ON');
      if (!replace && !queueIsEmpty(db)) throw new StewardError('CONFLICT', `the queue at ${target.path} is not empty`, { path: target.path });
      const tables = queueTables(db);
      for (const t of [...tables].reverse()) db.prepare(`DELETE FROM main.${quote(t)}`).run();
      for (const t of tables) {
        const cols = columnsOf(db, t).map((c) => quote(c.name)).join(', ');
        db.prepare(`INSERT INTO main.${quote(t)} (${cols}) SELECT ${cols} FROM stage.${quote(t)}`).run();
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length) throw new StewardError('VALIDATION', `the export's rows refer to rows it does not hold (${broken.length} broken references)`, { broken: broken.slice(0, 5) });
    });
  } finally {
    db.prepare('DETACH DATABASE stage').run();
  }
}

/** Rows per INSERT statement when copying into Postgres (each statement is one round trip). */
const PG_INSERT_ROWS = 200;

/**
 * Copies every table of the migrated staging database into a Postgres store, in one transaction: references are
 * checked at the commit (the schema's foreign keys are DEFERRABLE), and each identity sequence is moved past the
 * highest id copied so the next task, run, proposal or event gets a fresh id.
 */
function copyIntoPg(target: Store, stage: Database.Database, replace: boolean): void {
  const db = sql(target.db);
  target.tx(() => {
    db.prepare('SET CONSTRAINTS ALL DEFERRED').run();
    if (!replace && !queueIsEmpty(db)) throw new StewardError('CONFLICT', `the queue at ${target.path} is not empty`, { path: target.path });
    const tables = queueTables(db);
    const staged = new Set(queueTables(stage));
    for (const t of [...tables].reverse()) db.prepare(`DELETE FROM ${quote(t)}`).run();
    for (const t of tables) {
      if (!staged.has(t)) continue;
      const have = new Set(columnsOf(db, t).map((c) => c.name));
      const cols = columnsOf(stage, t).map((c) => c.name);
      const missing = cols.find((c) => !have.has(c));
      if (missing !== undefined) throw new StewardError('INTERNAL', `the Postgres queue has no column ${t}.${missing}`, { table: t, column: missing });
      const list = cols.map(quote).join(', ');
      const one = `(${cols.map(() => '?').join(', ')})`;
      const insertOf = (n: number) => db.prepare(`INSERT INTO ${quote(t)} (${list}) VALUES ${Array.from({ length: n }, () => one).join(', ')}`);
      const full = insertOf(PG_INSERT_ROWS);
      let batch: unknown[][] = [];
      const flush = () => {
        if (!batch.length) return;
        (batch.length === PG_INSERT_ROWS ? full : insertOf(batch.length)).run(...batch.flat());
        batch = [];
      };
      for (const row of stage.prepare(`SELECT ${list} FROM ${quote(t)} ORDER BY ${orderOf(stage, columnsOf(stage, t))}`).raw(true).iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length === PG_INSERT_ROWS) flush();
      }
      flush();
    }
    const identities = db.prepare(`SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES'`).all() as Array<{ t: string; c: string }>;
    for (const { t, c } of identities) {
      db.prepare(`SELECT setval(pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(?), ?),
        COALESCE((SELECT MAX(${quote(c)}) FROM ${quote(t)}), 0) + 1, false)`).get(t, c);
    }
  });
  // Statistics for the planner now, not when autovacuum next looks (up to a minute): without them it guesses that the
  // claim's filters match almost nothing and sorts every ready task on each claim (docs/BENCHMARKS.md §9, session 7).
  db.exec(`ANALYZE ${queueTables(db).map(quote).join(', ')}`);
}
