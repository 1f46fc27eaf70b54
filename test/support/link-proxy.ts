// A TCP proxy between a remote worker and its server, to cut the link in tests without stopping either side:
// `pass` forwards both ways; `drop` closes every connection (open ones at once, new ones as they come), as a cable
// pulled out; `loseAnswers(n)` lets the next n outcome requests (or claim requests) reach the server but loses its
// answers on the way back (the first answer not at all, the next cut after its headers), as a link that drops just
// after the server acted.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LinkProxy {
  port: number;
  /** Forward everything. */
  pass(): void;
  /** Close every connection, open and new. */
  drop(): void;
  /** The next `n` requests of `route` reach the server; their answers are lost (alternately whole, then cut mid-body). */
  loseAnswers(n: number, route?: LossyRoute): void;
  /** Outcome requests that reached the server, and how many of their answers were lost. */
  readonly outcomes: { sent: number; lost: number };
  /** The same for claim requests. */
  readonly claims: { sent: number; lost: number };
  close(): Promise<void>;
}

type LossyRoute = 'outcome' | 'claim';

/** Starts a proxy on 127.0.0.1 (a free port) in front of 127.0.0.1:`target`. */
export async function linkProxy(target: number): Promise<LinkProxy> {
  let mode: 'pass' | 'drop' = 'pass';
  const toLose: Record<LossyRoute, number> = { outcome: 0, claim: 0 };
  const outcomes = { sent: 0, lost: 0 };
  const claims = { sent: 0, lost: 0 };
  const counts: Record<LossyRoute, { sent: number; lost: number }> = { outcome: outcomes, claim: claims };
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (mode === 'drop') return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // An answer to lose: 'whole' (nothing of it arrives) or 'cut' (its headers and a few bytes, then the link drops).
    let losing: 'whole' | 'cut' | null = null;
    let lossOf: LossyRoute = 'outcome';
    client.on('data', (chunk: Buffer) => {
      for (const route of ['outcome', 'claim'] as const) {
        if (!chunk.includes(`POST /api/worker/${route}`)) continue;
        counts[route].sent++;
        if (toLose[route] > 0) {
          losing = counts[route].lost % 2 === 0 ? 'whole' : 'cut';
          lossOf = route;
          toLose[route]--;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) return void client.write(chunk);
      counts[lossOf].lost++;
      if (losing === 'cut') {
        const head = chunk.indexOf('\r\n\r\n');
        client.write(chunk.subarray(0, head < 0 ? chunk.length : head + 6));
      }
      losing = null;
      // Let what was written leave before the connection drops.
      setTimeout(end, 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    outcomes,
    claims,
    pass() {
      mode = 'pass';
    },
    drop() {
      mode = 'drop';
      for (const s of open) s.destroy();
      open.clear();
    },
    loseAnswers(n: number, route: LossyRoute = 'outcome') {
      toLose[route] += n;
    },
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
