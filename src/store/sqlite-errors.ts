// The border where driver errors (SQLITE_BUSY, SQLITE_FULL, …) become StewardErrors.
import { StewardError } from '../core/errors.js';

const UNAVAILABLE_CODES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_READONLY_DBMOVED: 'the database file was moved',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_IOERR: 'a disk I/O error occurred',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_NOTADB: 'the file is not a steward database',
  SQLITE_PERM: 'permission denied on the database',
};

/** Translates a better-sqlite3 error into a StewardError; other errors pass through unchanged. */
export function translateSqliteError(err: unknown): unknown {
  if (err instanceof StewardError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new StewardError('BUSY', `database is locked (busy timeout passed): ${message}`, { sqlite: code }, err);
  }
  const base = Object.keys(UNAVAILABLE_CODES).find((k) => code === k || code.startsWith(`${k}_`));
  if (base) {
    return new StewardError('UNAVAILABLE', `${UNAVAILABLE_CODES[base]}: ${message}`, { sqlite: code }, err);
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new StewardError('CONFLICT', `constraint failed: ${message}`, { sqlite: code }, err);
  }
  return new StewardError('INTERNAL', `sqlite: ${message}`, { sqlite: code }, err);
}

/** True when `err` is a failure of the database itself (busy, unavailable, a driver error): the tick stops for these only. */
export function isStoreFailure(err: unknown): boolean {
  const e = translateSqliteError(err);
  if (!(e instanceof StewardError)) return false;
  const driver = typeof e.details.sqlite === 'string' || typeof e.details.postgres === 'string';
  return e.code === 'BUSY' || e.code === 'UNAVAILABLE' || (e.code === 'INTERNAL' && driver);
}
