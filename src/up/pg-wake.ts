// `steward up` on Postgres: LISTEN on the queue's channel (src/store/pg/notify.ts) on an async `pg` client of the main
// thread, so a write committed by any process on any machine wakes `up` as a ping on its wake socket does. The client
// reconnects after a lost connection (growing waits); each time LISTEN is in place (the first time too: a write
// committed before then was announced to nobody) it wakes `up` once for what it may have missed. Polling stays the
// fallback either way.
import pg from 'pg';
import { notifyChannel, quoteIdent } from '../store/pg/notify.js';

export interface PgWakeOptions {
  /** The server (with its password: this process's own second connection). */
  url: string;
  schema: string;
  /** This process's own store connection's origin: its notifications are not news to it. */
  origin: string;
  /**
   * A notification from another connection (`notify`), or LISTEN (again) in place: the first time (`listening`: a write
   * committed before it was is not announced to it) and after a lost connection (`reconnect`, which may have missed some).
   */
  onNotify: (why: 'notify' | 'listening' | 'reconnect') => void;
  log: (line: string) => void;
  /** Who says the log lines ('steward up' unless given) and the connection's application_name ('steward-up-listen'). */
  name?: string;
  applicationName?: string;
  /** Waits between connection attempts: from `min`, doubling up to `max` (ms). */
  retryMs?: { min: number; max: number };
}

export interface PgWake {
  /** Notifications received from other connections. */
  readonly notifications: number;
  /** Connections made after the first. */
  readonly reconnects: number;
  /** True while LISTEN is in place. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** Starts listening; never throws (a server that cannot be reached is tried again, and said once per outage). */
export function listenPg(o: PgWakeOptions): PgWake {
  const retry = o.retryMs ?? { min: 500, max: 10_000 };
  const channel = quoteIdent(notifyChannel(o.schema));
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let wait = retry.min;
  let connectedOnce = false;
  let outage: string | undefined;
  const state = { notifications: 0, reconnects: 0, listening: false };

  /** Forgets the connection and ends it; its late errors are swallowed. */
  const dropClient = async (): Promise<void> => {
    state.listening = false;
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    c?.on('error', () => undefined);
    await c?.end().catch(() => undefined);
  };

  const again = (why: string) => {
    void dropClient();
    if (closed || timer) return;
    if (outage === undefined) o.log(`${o.name ?? 'steward up'}: LISTEN ${channel} lost (${why}); polling until it is back`);
    outage = why;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, wait);
    timer.unref();
    wait = Math.min(retry.max, wait * 2);
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: o.url, application_name: o.applicationName ?? 'steward-up-listen', keepAlive: true });
    client = c;
    c.on('error', (err) => again(err.message));
    c.on('end', () => again('the connection ended'));
    c.on('notification', (n) => {
      if (n.payload === o.origin) return;
      state.notifications++;
      o.onNotify('notify');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      if (client === c) again((err as Error).message);
      return;
    }
    if (closed || client !== c) return;
    state.listening = true;
    wait = retry.min;
    if (outage !== undefined) o.log(`${o.name ?? 'steward up'}: LISTEN ${channel} is back`);
    outage = undefined;
    if (connectedOnce) state.reconnects++;
    const why = connectedOnce ? 'reconnect' : 'listening';
    connectedOnce = true;
    o.onNotify(why);
  };
  void connect();

  return {
    get notifications() {
      return state.notifications;
    },
    get reconnects() {
      return state.reconnects;
    },
    get listening() {
      return state.listening;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await dropClient();
    },
  };
}
