// Backups and moves: `steward export`, `steward import`, `steward migrate` (docs/SCALING.md).
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { StewardError } from '../../core/errors.js';
import { openStore } from '../../store/open-store.js';
import { exportQueue, importQueue, type QueueCopyReport } from '../../store/queue-export.js';
import { translateSqliteError } from '../../store/sqlite-errors.js';
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

/** `steward migrate --from DB --to DB`: copies one queue into another, losslessly (SQLite to SQLite for now). */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'copy a queue database into a new one, row for row (--from .steward/queue.db --to other.db; Postgres targets are not built yet)',
  usage: 'steward migrate --from PATH.db --to PATH.db [--replace] [--json]',
  options: { from: { type: 'string' }, to: { type: 'string' }, replace: { type: 'boolean' } },
  needsConfig: false,
  run(ctx, values) {
    const from = values.from as string | undefined;
    const to = values.to as string | undefined;
    if (!from || !to) throw new StewardError('USAGE', `migrate needs --from and --to\nusage: ${this.usage}`);
    if (/^postgres(ql)?:\/\//i.test(to) || /^postgres(ql)?:\/\//i.test(from)) {
      throw new StewardError('USAGE', 'Postgres is not supported yet (docs/SCALING.md): migrate copies SQLite to SQLite for now');
    }
    const fromPath = resolve(ctx.cwd, from);
    const toPath = resolve(ctx.cwd, to);
    if (fromPath === toPath) throw new StewardError('USAGE', '--from and --to are the same file');
    if (!existsSync(fromPath)) throw new StewardError('NOT_FOUND', `no database at ${fromPath}`, { path: fromPath });
    const lines: string[] = [];
    let source: Database.Database;
    try {
      source = new Database(fromPath, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw translateSqliteError(err);
    }
    try {
      exportQueue(source, (line) => lines.push(line.slice(0, -1)));
    } finally {
      source.close();
    }
    const target = openStore(toPath);
    try {
      const report = importQueue(target, lines, { replace: values.replace === true });
      return { json: { from: fromPath, to: toPath, ...report }, text: `copied ${summary(report)} from ${fromPath} to ${toPath}` };
    } finally {
      target.close();
    }
  },
};
