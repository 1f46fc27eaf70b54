// `steward work --agent A --wait`: what an idle worker waits on before it claims again. On Postgres, LISTEN on the
// queue's channel (src/up/pg-wake.ts, as `steward up` does, as graphile-worker does) — a NOTIFY of another process's
// commit that moved the queue (Store.changeMark: a heartbeat does not) wakes it at once — with a poll as the fallback;
// on SQLite the poll alone (the wake socket has one listener, `steward up`). The poll also finds work that becomes
// claimable with time alone (a retry's backoff, a paused profile's end), which no commit announces.
import type { Store } from '../store/open-store.js';
import { postgresOf } from '../store/pg/notify.js';
import type { PgWake } from '../up/pg-wake.js';

/** Default poll of an idle worker (s): SQLite has nothing else; on Postgres the NOTIFY wakes it, the poll is the net. */
export const WAIT_POLL_SECONDS = { sqlite: 2, postgres: 10 } as const;

export interface WorkWaiter {
  /** Call right before each claim: the next wait compares the queue against it (nothing committed after is missed). */
  mark(): void;
  /**
   * Resolves true when there may be new work: a NOTIFY that moved the queue since mark(), LISTEN made again, the poll,
   * or `untilMs` (a paused profile's end); false when `signal` aborted (a stop signal while idle).
   */
  wait(signal?: AbortSignal, untilMs?: number): Promise<boolean>;
  /** How it waits, for the log line: "LISTEN …, polling every N s" or "polling every N s". */
  readonly how: string;
  close(): Promise<void>;
}

export interface WaiterOptions {
  /** Poll every this many ms (default WAIT_POLL_SECONDS by backend). */
  pollMs?: number;
  log: (line: string) => void;
  /** Clock of `untilMs` (the store's: the database's on Postgres). */
  now?: () => number;
}

/** Opens the waiter of an idle worker on `store`; on Postgres it returns once LISTEN is in place (or after one poll). */
export async function openWorkWaiter(store: Store, o: WaiterOptions): Promise<WorkWaiter> {
  const pg = postgresOf(store);
  const pollMs = o.pollMs ?? WAIT_POLL_SECONDS[pg ? 'postgres' : 'sqlite'] * 1000;
  const now = o.now ?? (() => store.now());
  let seen: string | undefined;
  let pending = false;
  let wake: (() => void) | undefined;
  const moved = (): boolean => {
    try {
      return store.changeMark() !== seen;
    } catch {
      return true; // a busy database: try the claim, it says
    }
  };
  let listener: PgWake | undefined;
  if (pg) {
    let ready!: () => void;
    const listening = new Promise<void>((r) => (ready = r));
    const { listenPg } = await import('../up/pg-wake.js');
    listener = listenPg({
      url: pg.connectUrl,
      schema: pg.schema,
      origin: pg.origin,
      name: 'steward work',
      applicationName: 'steward-work-listen',
      log: o.log,
      onNotify: (why) => {
        if (why === 'listening') ready();
        // A commit that moves nothing a claim could take (a pause without effect, another `up`'s tick lock) is skipped.
        if (why === 'notify' && !moved()) return;
        pending = true;
        wake?.();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([listening, new Promise<void>((r) => (timer = setTimeout(r, Math.min(pollMs, 10_000))))]);
    clearTimeout(timer);
  }
  const every = `polling every ${pollMs / 1000} s`;
  return {
    how: pg ? `LISTEN on the queue's channel, ${every}` : every,
    mark() {
      pending = false;
      try {
        seen = store.changeMark();
      } catch {
        seen = undefined;
      }
    },
    wait(signal, untilMs) {
      if (signal?.aborted) return Promise.resolve(false);
      if (pending || (listener && moved())) {
        pending = false;
        return Promise.resolve(true);
      }
      const ms = untilMs === undefined ? pollMs : Math.max(0, Math.min(pollMs, untilMs - now()));
      return new Promise<boolean>((resolve) => {
        const done = (more: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          wake = undefined;
          pending = false;
          resolve(more);
        };
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(true), ms);
        wake = () => done(true);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async close() {
      await listener?.close();
    },
  };
}
