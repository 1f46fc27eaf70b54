// A tick under the tick lock: two ticks at once never both act; the loser reports `skipped: busy`.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { acquireTickLock, releaseTickLock, TICK_LOCK_MS } from './tick-lock.js';
import { tickOnce, type TickInput, type TickResult } from './tick-once.js';

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

/** This process's lock owner name. */
export function defaultLockOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * STEWARD_TICK_JOURNAL=FILE (the chaos runs' probe, bench/chaos-queue.ts): each tick appends `begin OWNER` once it holds
 * the lock and `end OWNER` before it lets go, one O_APPEND write each, so the file orders every tick of every process
 * on the machine and shows whether two ever overlapped.
 */
function journal(line: string): void {
  const file = process.env.STEWARD_TICK_JOURNAL;
  if (file) appendFileSync(file, `${line}\n`);
}

/** Takes the tick lock, runs one tick, releases the lock; returns the tick or that it was skipped. */
export function runTick(input: RunTickInput): TickResult | TickSkipped {
  const owner = input.owner ?? defaultLockOwner();
  const got = acquireTickLock(input.store, owner, input.ctx.now, input.lockMs ?? TICK_LOCK_MS);
  if ('busy' in got) {
    return { skipped: 'busy', quiet: true, holder: got.busy.owner, until: new Date(got.busy.expires_at).toISOString() };
  }
  journal(`begin ${owner}`);
  try {
    return tickOnce(input);
  } finally {
    journal(`end ${owner}`);
    releaseTickLock(input.store, got.lock);
  }
}

/** True when a tick result is a skip. */
export function isSkipped(result: TickResult | TickSkipped): result is TickSkipped {
  return 'skipped' in result;
}
