// Backups and moves: `steward export`, `steward import`, `steward migrate` (docs/SCALING.md).
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { StewardError } from '../../core/errors.js';
import { openStore, type Store } from '../../store/open-store.js';
import { safeUrl } from '../../store/pg/pg-store.js';
import { exportQueue, importQueue, type QueueCopyReport } from '../../store/queue-export.js';
import { translateSqliteError } from '../../store/sqlite-errors.js';
import { sqliteNativeBinding } from '../../store/native-binding.js';
import type { Command } from '../command.js';

const summary = (r: QueueCopyReport): string =>
  `${r.rows} rows (schema ${r.schema}): ${Object.entries(r.tables).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ') || 'empty queue'}`;

/** Writes `fill`'s lines to `path` atomically (temp file, fsync, rename), readable by this user only. */
function writeFileAtomically(path: string, fill: (write: (line: string) => void) => QueueCopyReport): QueueCopyReport {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    let buffered = '';
    const report = fill((line) => {
      buffered += line;
      if (buffered.length >= 1 << 20) {
        writeSync(fd, buffered);
        buffered = '';
      }
    });
    writeSync(fd, buffered);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
    return report;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Whether `path` is a SQLite database file (its first 16 bytes are SQLite's magic string). */
function isSqliteFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses an --out that would replace a database (the queue's own file or its WAL, a typo away: `--out
 * .steward/queue.db` put the export where the queue was, and `up` kept writing into the unlinked file).
 */
function refuseDatabaseOut(path: string, queuePath: string): void {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
  const queue = real(queuePath);
  const target = real(path);
  if ([queue, `${queue}-wal`, `${queue}-shm`, `${queue}-journal`].includes(target) || isSqliteFile(target)) {
    throw new StewardError('USAGE', `export --out ${path}: that is a database file, not a place for the export (it would be replaced); name a .jsonl file`, { path });
  }
}

/** `steward export [--out FILE]`: the whole queue as JSONL, on stdout or into FILE. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write the whole queue (every table, row for row) as JSONL to stdout or --out FILE: a backup `steward import` reads back',
  usage: 'steward export [--out FILE] [--json]',
  options: { out: { type: 'string' } },
  run(ctx, values) {
    const store = ctx.store();
    const out = values.out as string | undefined;
    if (out === undefined) {
      if (ctx.json) throw new StewardError('USAGE', 'export --json needs --out FILE (stdout carries the export itself)');
      const lines: string[] = [];
      exportQueue(store.db, (line) => lines.push(line));
      return { json: null, text: lines.join('').replace(/\n$/, ''), raw: true };
    }
    const path = resolve(ctx.cwd, out);
    refuseDatabaseOut(path, store.path);
    const report = writeFileAtomically(path, (write) => exportQueue(store.db, write));
    return { json: { out: path, ...report }, text: `exported ${summary(report)} to ${path}` };
  },
};

/** The lines of a file, without their newlines. */
function* linesOf(text: string): Generator<string> {
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    yield text.slice(at, end);
    at = end + 1;
  }
}

/** `steward import FILE [--replace]`: an export read back into this workspace's (empty) queue. */
export const importCommand: Command = {
  name: 'import',
  summary: 'read a `steward export` file into this workspace\'s queue, which must be empty (--replace drops what it holds first)',
  usage: 'steward import FILE [--replace] [--json]',
  options: { replace: { type: 'boolean' } },
  positionals: ['file'],
  run(ctx, values, positionals) {
    const file = positionals[0];
    if (!file) throw new StewardError('USAGE', `import needs the export file\nusage: ${this.usage}`);
    const path = resolve(ctx.cwd, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new StewardError('NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, { path });
    }
    const report = importQueue(ctx.store(), linesOf(text), { replace: values.replace === true });
    return { json: { file: path, ...report }, text: `imported ${summary(report)} from ${path}` };
  },
};

const PG_URL = /^postgres(ql)?:\/\//i;

/** One side of a migrate: a SQLite file path, or a Postgres URL with the schema (namespace) the queue lives in. */
interface Side { kind: 'sqlite'; path: string; shown: string } 
interface PgSide { kind: 'postgres'; url: string; schema: string | undefined; shown: string }

function sideOf(arg: string, cwd: string, schema: string | undefined): Side | PgSide {
  if (PG_URL.test(arg)) return { kind: 'postgres', url: arg, schema, shown: `${safeUrl(arg)} (schema ${schema ?? process.env.STEWARD_DATABASE_SCHEMA ?? 'steward'})` };
  const path = resolve(cwd, arg);
  return { kind: 'sqlite', path, shown: path };
}

/**
 * The store of a Postgres side: openStore with a URL (src/store/pg/). `path` is this workspace's queue path; it only
 * matters for STEWARD_DATABASE_SCHEMA=@path (the test suite's one-schema-per-path mode).
 */
function openPgSide(side: PgSide, path: string, readonly: boolean): Store {
  return openStore(path, { url: side.url, schema: side.schema, readonly, mustExist: readonly });
}

/** The export lines (without newlines) of the queue at `side`. */
function exportLines(side: Side | PgSide, workspacePath: string): string[] {
  const lines: string[] = [];
  if (side.kind === 'postgres') {
    const store = openPgSide(side, workspacePath, true);
    try {
      exportQueue(store.db, (line) => lines.push(line.slice(0, -1)));
    } finally {
      store.close();
    }
    return lines;
  }
  if (!existsSync(side.path)) throw new StewardError('NOT_FOUND', `no database at ${side.path}`, { path: side.path });
  let source: Database.Database;
  try {
    source = new Database(side.path, { readonly: true, fileMustExist: true, nativeBinding: sqliteNativeBinding() });
  } catch (err) {
    throw translateSqliteError(err);
  }
  try {
    exportQueue(source, (line) => lines.push(line.slice(0, -1)));
  } finally {
    source.close();
  }
  return lines;
}

/** `steward migrate --from DB --to DB`: copies one queue into another, losslessly, between SQLite files and Postgres. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'copy a queue into another, row for row: SQLite file ↔ Postgres (--from .steward/queue.db --to postgres://…, and back; docs/SCALING.md)',
  usage: 'steward migrate --from PATH.db|postgres://… --to PATH.db|postgres://… [--schema NAME] [--from-schema NAME] [--to-schema NAME] [--replace] [--json]',
  options: {
    from: { type: 'string' }, to: { type: 'string' }, replace: { type: 'boolean' },
    schema: { type: 'string' }, 'from-schema': { type: 'string' }, 'to-schema': { type: 'string' },
  },
  needsConfig: false,
  run(ctx, values) {
    const fromArg = values.from as string | undefined;
    const toArg = values.to as string | undefined;
    if (!fromArg || !toArg) throw new StewardError('USAGE', `migrate needs --from and --to\nusage: ${this.usage}`);
    const schema = values.schema as string | undefined;
    const from = sideOf(fromArg, ctx.cwd, (values['from-schema'] as string | undefined) ?? schema);
    const to = sideOf(toArg, ctx.cwd, (values['to-schema'] as string | undefined) ?? schema);
    if (from.kind === 'sqlite' && to.kind === 'sqlite' && from.path === to.path) throw new StewardError('USAGE', '--from and --to are the same file');
    if (from.kind === 'postgres' && to.kind === 'postgres' && from.url === to.url && from.schema === to.schema) {
      throw new StewardError('USAGE', '--from and --to are the same Postgres queue (give --from-schema / --to-schema to copy between schemas)');
    }
    const workspacePath = resolve(ctx.cwd, '.steward', 'queue.db');
    const lines = exportLines(from, workspacePath);
    const target = to.kind === 'postgres' ? openPgSide(to, workspacePath, false) : openStore(to.path);
    try {
      const report = importQueue(target, lines, { replace: values.replace === true });
      return { json: { from: from.shown, to: to.shown, ...report }, text: `copied ${summary(report)} from ${from.shown} to ${to.shown}` };
    } finally {
      target.close();
    }
  },
};
