// Keeps a run's lease alive while its child works, and notices at once when the run stops being live.
import { StewardError, toStewardError } from '../core/errors.js';

/** The lease's I/O, passed in: a heartbeat write and a cheap liveness read. */
export interface LeaseKeeperOptions {
  /** Extends the lease; throws LEASE_LOST when the run is no longer live (cancelled, superseded, expired). */
  heartbeat: () => void;
  /** A read-only check: false when the run is no longer live. Runs every `pollMs`. */
  isLive: () => boolean;
  heartbeatMs: number;
  pollMs: number;
  /** Called once when the run is found not live. */
  onLost: (why: string) => void;
  /** A line for people (e.g. a heartbeat that met a locked database). */
  log: (line: string) => void;
}

/** A running lease keeper. */
export interface LeaseKeeper {
  stop(): void;
  readonly lost: boolean;
}

/** Heartbeats every `heartbeatMs` and polls liveness every `pollMs` until stopped or the lease is lost. */
export function keepLease(o: LeaseKeeperOptions): LeaseKeeper {
  let lost = false;
  const lose = (why: string) => {
    if (lost) return;
    lost = true;
    stop();
    o.onLost(why);
  };
  const guarded = (what: string, fn: () => void) => () => {
    try {
      fn();
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'LEASE_LOST') lose(e.message);
      // A locked or unavailable database is retried at the next beat; the lease has slack for it.
      else o.log(`${what} failed (${e.code}): ${e.message}`);
    }
  };
  const beat = setInterval(guarded('heartbeat', o.heartbeat), Math.max(10, o.heartbeatMs));
  const poll = setInterval(
    guarded('liveness check', () => {
      if (!o.isLive()) throw new StewardError('LEASE_LOST', 'the run is no longer live (cancelled, superseded or expired)');
    }),
    Math.max(10, o.pollMs),
  );
  function stop(): void {
    clearInterval(beat);
    clearInterval(poll);
  }
  return {
    stop,
    get lost() {
      return lost;
    },
  };
}
