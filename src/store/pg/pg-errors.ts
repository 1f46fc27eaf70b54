// The border where Postgres errors become StewardErrors, with the same codes the SQLite path gives
// (src/store/sqlite-errors.ts): a constraint → CONFLICT, a lock wait that timed out → BUSY, a lost server → UNAVAILABLE.
import { StewardError } from '../../core/errors.js';
import type { BridgeError } from './bridge-protocol.js';

/** SQLSTATE classes and codes that mean "try again later" (SQLite's SQLITE_BUSY). */
const BUSY = new Set(['55P03', '40P01', '40001', '57014']);

/** Translates a Postgres error (as the bridge carries it) into a StewardError. */
export function translatePgError(e: BridgeError, url: string): StewardError {
  const code = e.code ?? '';
  const details: Record<string, unknown> = { postgres: code || null };
  if (e.constraint) details.constraint = e.constraint;
  if (e.table) details.table = e.table;
  if (e.column) details.column = e.column;
  if (e.detail) details.detail = e.detail;
  const message = e.detail ? `${e.message} (${e.detail})` : e.message;
  if (e.connection || code.startsWith('08') || code.startsWith('57P') || code === '53300') {
    return new StewardError('UNAVAILABLE', `the Postgres server at ${url} is unavailable: ${message}`, { ...details, url });
  }
  if (code === '53100') return new StewardError('UNAVAILABLE', `the Postgres server's disk is full: ${message}`, details);
  if (code === '25006') return new StewardError('UNAVAILABLE', `the database is read-only: ${message}`, details);
  if (BUSY.has(code)) return new StewardError('BUSY', `database is locked (lock wait timed out or conflicted): ${message}`, details);
  if (code.startsWith('23')) return new StewardError('CONFLICT', `constraint failed: ${message}`, details);
  return new StewardError('INTERNAL', `postgres: ${message}`, details);
}
