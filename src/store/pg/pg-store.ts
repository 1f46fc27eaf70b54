// The Postgres side of openStore(): which schema, the connection (pgbridge's synchronous PgDatabase), the migration,
// and the database clock the operations use on a shared queue.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { nodeCrypto } from '../../core/adapters/lazy-builtins.js';
import { StewardError } from '../../core/errors.js';
import type { StoreBackend } from '../open-store.js';
import type { SqlDatabase } from '../sql-database.js';
import { connectPg } from './pg-connect.js';
import { migratePg, pgVersion, quoteIdent } from './pg-migrations.js';

/** The openStore options the Postgres side reads. */
export interface PgStoreOptions {
  busyTimeoutMs?: number;
  readonly?: boolean;
  mustExist?: boolean;
  schema?: string;
}

/** The schema a queue uses when nothing names one. */
export const DEFAULT_SCHEMA = 'steward';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** How often the server clock is read again (the offset drifts slowly). */
const CLOCK_REFRESH_MS = 60_000;

/**
 * The schema of the queue at `path`: `requested` (option, else STEWARD_DATABASE_SCHEMA, else 'steward'); `@path` means
 * one schema per database path, 's_' + the first 16 hex digits of sha256(realpath of path) — the test suite's mode, so
 * every test workspace is its own queue and the CLI processes a test starts (same env, same path) find it.
 */
export function resolveSchema(path: string, requested?: string): string {
  const name = requested || process.env.STEWARD_DATABASE_SCHEMA || DEFAULT_SCHEMA;
  if (name === '@path') return `s_${nodeCrypto().createHash('sha256').update(realPathOf(path)).digest('hex').slice(0, 16)}`;
  if (!SCHEMA_NAME.test(name)) {
    throw new StewardError('VALIDATION', `Postgres schema ${JSON.stringify(name)} is not a lower-case identifier (letters, digits, _; at most 63) or @path`, { schema: name });
  }
  return name;
}

/** realpath of `path`, also when it (or folders above it) does not exist yet: the nearest existing folder resolved. */
function realPathOf(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  if (parent === path) return path;
  return join(realPathOf(parent), basename(path));
}

/** A URL with its password left out, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable database URL)';
  }
}

/**
 * The server clock as seen from here: offset = server − local, measured around one round trip (the server's reading
 * is taken as the midpoint). `STEWARD_TEST_CLOCK_SKEW_MS` shifts this process's local clock (a test knob: a worker on a
 * machine whose clock is off must still agree with the others on lease expiry).
 */
export class ServerClock {
  private offset = 0;
  private measuredAt = -Infinity;
  private readonly skew = Number(process.env.STEWARD_TEST_CLOCK_SKEW_MS ?? 0) || 0;

  constructor(private readonly db: SqlDatabase) {}

  private local(): number {
    return Date.now() + this.skew;
  }

  /** Reads the server clock now (also done by now() every 60 s). */
  measure(): void {
    const before = this.local();
    const row = this.db.prepare('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms').get() as { ms: number | string };
    const after = this.local();
    this.offset = Number(row.ms) - Math.round((before + after) / 2);
    this.measuredAt = after;
  }

  now(): number {
    const local = this.local();
    if (local - this.measuredAt > CLOCK_REFRESH_MS || local < this.measuredAt) {
      // Inside a transaction a failed read would abort it: keep the last offset and measure at the next chance.
      if (!this.db.inTransaction) this.measure();
    }
    return this.local() + this.offset;
  }
}

/** Opens the queue in Postgres; `make` builds the Store (open-store.ts) around the connection and its backend. */
export function openPgStore<S>(path: string, url: string, options: PgStoreOptions, make: (db: SqlDatabase, backend: StoreBackend) => S): S {
  const schema = resolveSchema(path, options.schema);
  // A store that must find an existing queue creates nothing: a command refused for want of a queue leaves no empty
  // schema behind (as on SQLite it leaves no empty queue.db).
  const existing = Boolean(options.mustExist || options.readonly);
  const db = connectPg(url, schema, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, createSchema: !existing });
  try {
    if (existing) {
      if (pgVersion(db, schema) === null) {
        throw new StewardError('UNAVAILABLE', `no steward queue in schema ${schema} of ${safeUrl(url)} (run \`steward init\` to start an empty queue there)`, { schema });
      }
    }
    if (!options.readonly) migratePg(db, schema);
    // A read-only store refuses writes as SQLite's read-only connection does (25006 → UNAVAILABLE).
    else db.exec('SET default_transaction_read_only = on');
    const clock = new ServerClock(db);
    clock.measure();
    return make(db, {
      schema,
      now: () => clock.now(),
      check: () => {
        db.prepare(`SELECT 1 FROM ${quoteIdent(schema)}.schema_migrations LIMIT 1`).get();
        return 'ok';
      },
    });
  } catch (err) {
    db.close();
    throw err;
  }
}
