// A tick under the tick lock: two ticks at once never both act; the loser reports `skipped: busy`.
import { advisoryKey } from '../store/pg/lock-keys.js';
import { postgresOf } from '../store/pg/notify.js';
import { acquireTickLock, defaultLockOwner, parseLock, releaseTickLock, tickGate, tickJournal, TICK_LOCK_KEY, TICK_LOCK_MS } from './tick-lock.js';
import { dispatchStepOnce, tickOnce, type DispatchStepResult, type TickInput, type TickResult } from './tick-once.js';

/** What a tick that found another one running returns (a quiet digest). */
export interface TickSkipped {
  skipped: 'busy';
  quiet: true;
  /** Who holds the lock, and until when (ISO) it holds if that tick died. */
  holder: string;
  until: string;
}

/** A tick's input plus who takes the lock and for how long. */
export interface RunTickInput extends TickInput {
  /** Who takes the lock (default host:pid:random). */
  owner?: string;
  lockMs?: number;
}

export { defaultLockOwner };

/**
 * Takes the tick lock, runs one tick, releases the lock; returns the tick or that it was skipped.
 * On Postgres the tick also holds a session advisory lock on its connection (pg_try_advisory_lock) for its whole
 * length: several `steward up` on several machines, one ticks at a time, and a ticker that dies (SIGKILL, a lost
 * machine) drops its connection and with it the lock at once. Whoever holds that lock knows no other tick runs, so
 * it takes a lock row another process left (its owner is gone, whatever machine it was on) without waiting for the
 * row to expire.
 */
export function runTick(input: RunTickInput): TickResult | TickSkipped {
  return underTickLock(input, tickOnce);
}

/** The tick's dispatch step alone (dispatchStepOnce), under the same tick lock: a tick running elsewhere skips it. */
export function runDispatchStep(input: RunTickInput): DispatchStepResult | TickSkipped {
  return underTickLock(input, dispatchStepOnce);
}

/** Takes the tick lock (runTick says how), runs `pass`, releases the lock; returns what it returned or that it was skipped. */
function underTickLock<T>(input: RunTickInput, pass: (input: RunTickInput) => T): T | TickSkipped {
  const owner = input.owner ?? defaultLockOwner();
  const ttl = input.lockMs ?? TICK_LOCK_MS;
  const session = tickSessionLock(input.store);
  if (!session) return underRowLock(input, pass, owner, ttl);
  if (!session.take()) {
    const row = parseLock(input.store.read(() => input.store.meta.get(TICK_LOCK_KEY)));
    const holder = row ?? { owner: 'another steward (it holds the Postgres tick lock)', expires_at: input.ctx.now + ttl };
    return { skipped: 'busy', quiet: true, holder: holder.owner, until: new Date(holder.expires_at).toISOString() };
  }
  try {
    // The row is let go after the session is unpinned: on a connection the server dropped mid-tick, the release
    // reconnects and compares-and-sets our own row only (a tick that took it over since has written its own).
    return underRowLock(input, pass, owner, ttl, () => true, session.unpin);
  } finally {
    session.release();
  }
}

/** The tick under the lock row (meta `tick.lock`); `beforeRelease` runs before the row is let go. */
function underRowLock<T>(
  input: RunTickInput,
  pass: (input: RunTickInput) => T,
  owner: string,
  ttl: number,
  ownerGone?: (owner: string) => boolean,
  beforeRelease?: () => void,
): T | TickSkipped {
  const got = acquireTickLock(input.store, owner, input.ctx.now, ttl, ownerGone);
  if ('busy' in got) {
    return { skipped: 'busy', quiet: true, holder: got.busy.owner, until: new Date(got.busy.expires_at).toISOString() };
  }
  tickJournal(`begin ${owner}`);
  try {
    const out = pass(input);
    tickGate(owner);
    return out;
  } finally {
    tickJournal(`end ${owner}`);
    beforeRelease?.();
    releaseTickLock(input.store, got.lock);
  }
}

/** What the tick's session lock is called in errors (a statement on a connection that lost it fails, naming it). */
export const TICK_SESSION_LOCK = "the tick's session advisory lock";

/**
 * The tick's session advisory lock of a Postgres queue, on the store's own connection; undefined on SQLite.
 * `take` pins the connection's session (PgDatabase.pinSession) while the lock is held: if the server drops the
 * connection mid-tick (a restart, a network cut, pg_terminate_backend), the lock is gone at once and another `up` may
 * take the tick — so every later statement of this tick fails UNAVAILABLE instead of reconnecting and writing on
 * without the lock. `unpin` ends that (before the lock row is let go); `release` unpins and unlocks.
 */
export function tickSessionLock(store: RunTickInput['store']): { take(): boolean; unpin(): void; release(): void } | undefined {
  const pg = postgresOf(store);
  if (!pg) return undefined;
  const key = advisoryKey('tick', pg.schema);
  const ask = (fn: string) => Boolean((store.read(() => store.db.prepare(`SELECT ${fn}(${key}) AS ok`).get()) as { ok: unknown }).ok);
  let unpin: (() => void) | undefined;
  const session = {
    take: () => {
      const got = ask('pg_try_advisory_lock');
      if (got) unpin = pg.pinSession(TICK_SESSION_LOCK);
      return got;
    },
    unpin: () => {
      unpin?.();
      unpin = undefined;
    },
    release: () => {
      session.unpin();
      try {
        ask('pg_advisory_unlock');
      } catch {
        // the connection is gone, and the lock with it
      }
    },
  };
  return session;
}

/** True when a tick result is a skip. */
export function isSkipped<T extends object>(result: T | TickSkipped): result is TickSkipped {
  return 'skipped' in result;
}
