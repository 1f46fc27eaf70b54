// Live updates: one poller of the queue's change mark (every 250 ms while a board is open) pushes `change` over SSE.
import type { ServerResponse } from 'node:http';
import type { Store } from '../store/open-store.js';

/**
 * Starts a server-sent events stream on `res` (no buffering, reconnect after a second). False for a HEAD request, which
 * gets the headers alone: a stream whose writes HEAD drops held the request open, unanswered, until the client left.
 */
export function openEventStream(res: ServerResponse): boolean {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  if (res.req.method === 'HEAD') {
    res.end();
    return false;
  }
  res.write('retry: 1000\n\n');
  return true;
}

/** Writes one SSE event; `data` may span lines. */
export function sendEvent(res: ServerResponse, event: string, data: string): void {
  res.write(`event: ${event}\n${data.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`);
}

/** The board's change feed: browsers subscribe; a change anywhere (any process) reaches them within a poll. */
export class ChangeFeed {
  private readonly clients = new Set<ServerResponse>();
  /** Clients that have not read what they were sent: each is sent the latest change once it has. */
  private readonly behind = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private mark = '';

  constructor(
    private readonly store: Store,
    private readonly pollMs = 250,
  ) {}

  /** Adds a browser's stream; it leaves when the connection closes. */
  subscribe(res: ServerResponse): void {
    if (!openEventStream(res)) return;
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      this.behind.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    if (!this.timer) this.start();
  }

  private start(): void {
    this.mark = this.readMark();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.keepAlive = setInterval(() => {
      for (const c of this.clients) if (!c.writableNeedDrain) c.write(': keep-alive\n\n');
    }, 15_000);
    this.timer.unref();
    this.keepAlive.unref();
  }

  private readMark(): string {
    try {
      return this.store.changeMark();
    } catch {
      return this.mark; // a busy database: look again at the next poll
    }
  }

  private poll(): void {
    const mark = this.readMark();
    if (mark === this.mark) return;
    this.mark = mark;
    for (const c of this.clients) this.tell(c);
  }

  /**
   * Sends the change to one browser. One that has not read what it was sent (a stalled tab, a client that never reads)
   * is sent nothing more until it has: then only the latest change, instead of every change piling up in memory.
   */
  private tell(c: ServerResponse): void {
    if (!c.writableNeedDrain) return sendEvent(c, 'change', this.mark);
    if (this.behind.has(c)) return;
    this.behind.add(c);
    c.once('drain', () => {
      this.behind.delete(c);
      if (this.clients.has(c)) sendEvent(c, 'change', this.mark);
    });
  }

  /** Stops polling and ends every stream (the server is closing). */
  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepAlive);
    this.timer = undefined;
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.behind.clear();
  }
}
