// One merge at a time on a host: the tick's merge step, a babysitter's merge after its run and `steward approve` each
// run git in the task's worktree and in the person's checkout of the base. Two at once raced there: two babysitters
// whose runs ended together fast-forwarded the same checkout together, and one left its branch's new file behind in
// the person's checkout, untracked, then blocked its task on it ("git will not overwrite … files").
import { hostname } from 'node:os';
import type { Store } from '../store/open-store.js';
import { acquireMetaLock, defaultLockOwner, releaseTickLock, type LockRecord } from '../tick/tick-lock.js';

/** How long a merge lock holds if its holder dies on another host's clock (same-host holders are checked by pid). */
export const MERGE_LOCK_MS = 15 * 60_000;

/** The meta key of this host's merge lock (git's files are per host: another host's merges never touch them). */
export const mergeLockKey = (host = hostname()): string => `merge.lock@${host}`;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` holding the merge lock, waiting up to `waitMs` for it (polled every 50 ms: git is synchronous here; `onWait`
 * is told once when the wait begins). When
 * another process still holds it then, `fn` does not run and the holder is returned: its merges go on, and a task
 * left queued is merged by the next tick.
 */
export function withMergeLock<T>(
  store: Store,
  now: () => number,
  wait: { waitMs: number; onWait?: (holder: LockRecord) => void },
  fn: () => T,
): { ran: true; value: T } | { ran: false; holder: LockRecord } {
  const key = mergeLockKey();
  const owner = defaultLockOwner();
  const until = Date.now() + wait.waitMs;
  for (let first = true; ; first = false) {
    const got = acquireMetaLock(store, key, owner, now(), MERGE_LOCK_MS);
    if ('lock' in got) {
      try {
        return { ran: true, value: fn() };
      } finally {
        releaseTickLock(store, got.lock);
      }
    }
    if (Date.now() >= until) return { ran: false, holder: got.busy };
    if (first) wait.onWait?.(got.busy);
    Atomics.wait(pause, 0, 0, Math.min(50, Math.max(1, until - Date.now())));
  }
}
