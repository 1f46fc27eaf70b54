// The long poll of the worker API's claim (`wait_seconds`): a claim that finds nothing parks here until the queue may
// have changed — a wake() from what wakes `steward up` (its own commits, wake-socket pings, a Postgres NOTIFY) or this
// lot's own change poll (Store.changeMark, once a second while anyone is parked) — or until a task may have become
// claimable with time alone (its due time: a ready task's run_after passing, the agent's pause ending; nothing commits
// then, so no mark moves), or its deadline, or its client goes away. Parking never claims: the caller claims again (the same claim), so no task can be handed out twice. One timer
// and one abort listener per parked request, both gone when it leaves; at most `max` parked at once (BUSY past it).
import { StewardError } from '../core/errors.js';

/**
 * Why a parked claim woke: the queue moved, a task came due (time alone: a run_after passed, a pause ended), its
 * deadline came, its client went away, the server is closing.
 */
export type ParkEnd = 'changed' | 'due' | 'deadline' | 'gone' | 'closing';

export interface ParkingLot {
  /**
   * Waits until the queue's change mark is no longer `mark` (as a wake() or the change poll finds it), `dueMs`
   * ('due': when a task may become claimable with time alone; ignored unless before `untilMs`), `untilMs`
   * ('deadline'), `gone` aborts, or close(). Times are Date.now() times. Throws BUSY when `max` requests are parked.
   */
  park(mark: string | undefined, untilMs: number, gone: AbortSignal, dueMs?: number): Promise<ParkEnd>;
  /** The queue may have changed: parked claims whose mark moved try again (coalesced, after the current call stack). */
  wake(): void;
  /** Ends every parked wait ('closing') and refuses new ones; the change poll stops. */
  close(): void;
  /** Requests parked now. */
  readonly parked: number;
  /** Parked waits ended so far, by why (metrics; a test tells a wake-up from a deadline by it). */
  readonly ended: Readonly<Record<ParkEnd, number>>;
}

export interface ParkingLotOptions {
  /** The queue's change mark (Store.changeMark); undefined when it cannot be read now (then every wake-up counts). */
  changeMark: () => string | undefined;
  /** The change poll while anyone is parked (ms). Default 1000, as `steward up`'s. */
  pollMs?: number;
  /** Parked requests at once. */
  max: number;
}

interface Parked {
  mark: string | undefined;
  end: (why: ParkEnd) => void;
}

export function createParkingLot(o: ParkingLotOptions): ParkingLot {
  const parked = new Set<Parked>();
  const pollMs = o.pollMs ?? 1000;
  let poll: NodeJS.Timeout | undefined;
  let queued = false;
  let closed = false;
  const ended: Record<ParkEnd, number> = { changed: 0, due: 0, deadline: 0, gone: 0, closing: 0 };
  const check = () => {
    queued = false;
    if (parked.size === 0) return;
    const mark = o.changeMark();
    for (const p of [...parked]) if (mark === undefined || p.mark === undefined || p.mark !== mark) p.end('changed');
  };
  const stopPoll = () => {
    if (parked.size > 0 || poll === undefined) return;
    clearInterval(poll);
    poll = undefined;
  };
  return {
    get parked() {
      return parked.size;
    },
    ended,
    park(mark, untilMs, gone, dueMs) {
      if (closed) return Promise.resolve('closing');
      if (gone.aborted) return Promise.resolve('gone');
      if (parked.size >= o.max) {
        throw new StewardError('BUSY', `${parked.size} claims are waiting on this server already (the most it holds at once); ask again later`, { parked: parked.size, max: o.max });
      }
      return new Promise<ParkEnd>((resolve) => {
        const p: Parked = {
          mark,
          end: (why) => {
            if (!parked.delete(p)) return;
            ended[why]++;
            clearTimeout(timer);
            gone.removeEventListener('abort', onGone);
            stopPoll();
            resolve(why);
          },
        };
        const onGone = () => p.end('gone');
        // One timer: the due time when it comes first, else the deadline.
        const due = dueMs !== undefined && dueMs < untilMs;
        const timer = setTimeout(() => p.end(due ? 'due' : 'deadline'), Math.max(0, (due ? dueMs : untilMs) - Date.now()));
        gone.addEventListener('abort', onGone, { once: true });
        parked.add(p);
        if (poll === undefined) {
          poll = setInterval(check, pollMs);
          poll.unref();
        }
      });
    },
    wake() {
      if (queued || parked.size === 0) return;
      queued = true;
      setImmediate(check);
    },
    close() {
      closed = true;
      for (const p of [...parked]) p.end('closing');
    },
  };
}
