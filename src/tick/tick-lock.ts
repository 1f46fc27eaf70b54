// The tick's short lock: one row in meta with an owner and an expiry, taken by compare-and-set.
import { appendFileSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Store } from '../store/open-store.js';

/** The meta key of the lock row. */
export const TICK_LOCK_KEY = 'tick.lock';
/** How long a lock holds if its tick dies without releasing it. */
export const TICK_LOCK_MS = 30_000;

/**
 * This process's lock owner name: host:pid:nonce. The nonce tells two ticks of one process apart; it needs no
 * cryptographic strength (so no node:crypto on the quiet tick's path, src/tick/quiet-tick.ts).
 */
export function defaultLockOwner(): string {
  const nonce = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return `${hostname()}:${process.pid}:${nonce}`;
}

/**
 * STEWARD_TICK_JOURNAL=FILE (the chaos runs' probe, bench/chaos-queue.ts): each tick appends `begin OWNER` once it holds
 * the lock and `end OWNER` before it lets go, one O_APPEND write each, so the file orders every tick of every process
 * on the machine and shows whether two ever overlapped.
 */
export function tickJournal(line: string): void {
  const file = process.env.STEWARD_TICK_JOURNAL;
  if (file) appendFileSync(file, `${line}\n`);
}

/**
 * STEWARD_TICK_GATE=FIFO (a test knob, test/up-wake-race.test.ts): a tick that has done its work waits there, still
 * holding the lock, until something writes to the FIFO (one write releases one tick); it says so first in the journal
 * (`gate OWNER`). So a test holds another process's tick at a known point without timing anything.
 */
export function tickGate(owner: string): void {
  const fifo = process.env.STEWARD_TICK_GATE;
  if (!fifo) return;
  tickJournal(`gate ${owner}`);
  readFileSync(fifo);
}

/** What the lock row holds. */
export interface LockRecord {
  owner: string;
  expires_at: number;
}

/** Why a tick may take the lock: no row, the row ended, nobody can read it, it is ours, or its owner process is gone. */
export type TakeReason = 'free' | 'expired' | 'unreadable' | 'mine' | 'abandoned';

/** Whether a tick may take the lock, given the row as stored (undefined = no row). */
export type LockDecision =
  | { take: true; why: TakeReason }
  | { take: false; holder: LockRecord };

/** Reads a stored lock row; undefined when it is not a lock record. */
export function parseLock(value: string | undefined): LockRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const v = JSON.parse(value) as Partial<LockRecord>;
    if (typeof v?.owner === 'string' && typeof v.expires_at === 'number' && Number.isFinite(v.expires_at)) {
      return { owner: v.owner, expires_at: v.expires_at };
    }
  } catch {
    // fall through: a row nobody can read is taken over
  }
  return undefined;
}

/**
 * The lock rule: free, expired, unreadable or our own row may be taken, and so may a row whose owner
 * `ownerGone` says has died (a SIGKILLed `steward up` would otherwise stop every tick until the expiry);
 * anyone else's live row may not.
 */
export function decideLock(stored: string | undefined, me: string, now: number, ownerGone: (owner: string) => boolean = () => false): LockDecision {
  if (stored === undefined) return { take: true, why: 'free' };
  const held = parseLock(stored);
  if (!held) return { take: true, why: 'unreadable' };
  if (held.owner === me) return { take: true, why: 'mine' };
  if (held.expires_at <= now) return { take: true, why: 'expired' };
  if (ownerGone(held.owner)) return { take: true, why: 'abandoned' };
  return { take: false, holder: held };
}

/**
 * True when a lock owner named `host:pid:nonce` (see defaultLockOwner) is a process of this host that no
 * longer exists. Any other name, another host, or a live pid (also one reused by another process) is not gone.
 */
export function lockOwnerGone(owner: string, host = hostname()): boolean {
  const m = /^(.+):(\d+):[0-9a-f]+$/.exec(owner);
  if (!m || m[1] !== host || Number(m[2]) <= 1) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A held lock: release it when the tick (or the merge: src/git/merge-lock.ts) ends. */
export interface TickLock {
  /** The meta key of its row. */
  key: string;
  owner: string;
  value: string;
  why: TakeReason;
}

/**
 * Takes the lock row `key` in one IMMEDIATE transaction (a dead owner's too, see decideLock), or returns who holds it.
 * The tick's lock is one; the merge step's (src/git/merge-lock.ts) another.
 */
export function acquireMetaLock(
  store: Store,
  key: string,
  owner: string,
  now: number,
  ttlMs: number,
  ownerGone: (owner: string) => boolean = lockOwnerGone,
): { lock: TickLock } | { busy: LockRecord } {
  return store.tx(() => {
    const stored = store.meta.get(key);
    const decision = decideLock(stored, owner, now, ownerGone);
    if (!decision.take) return { busy: decision.holder };
    const value = JSON.stringify({ owner, expires_at: now + ttlMs } satisfies LockRecord);
    if (!store.meta.compareAndSet(key, stored, value)) {
      return { busy: parseLock(store.meta.get(key)) ?? { owner: 'unknown', expires_at: now + ttlMs } };
    }
    return { lock: { key, owner, value, why: decision.why } };
  });
}

/** Takes the tick lock (acquireMetaLock on TICK_LOCK_KEY). */
export function acquireTickLock(
  store: Store,
  owner: string,
  now: number,
  ttlMs = TICK_LOCK_MS,
  ownerGone: (owner: string) => boolean = lockOwnerGone,
): { lock: TickLock } | { busy: LockRecord } {
  return acquireMetaLock(store, TICK_LOCK_KEY, owner, now, ttlMs, ownerGone);
}

/** Releases the lock if it is still the row this holder wrote (one that took it over keeps it). */
export function releaseTickLock(store: Store, lock: TickLock): boolean {
  return store.tx(() => store.meta.compareAndSet(lock.key, lock.value, undefined));
}
