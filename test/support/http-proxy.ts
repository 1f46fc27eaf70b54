// A reverse proxy between a remote worker and its server, as Caddy or nginx would be: `pass` forwards each request to
// the server; `down` answers every request itself with a 502 HTML page, as a proxy does whose upstream is down.
import { createServer, request, type Server } from 'node:http';

export interface HttpProxy {
  port: number;
  pass(): void;
  down(): void;
  /** Requests answered 502, by path. */
  readonly refused: Record<string, number>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of 127.0.0.1:`target`. */
export async function httpProxy(target: number): Promise<HttpProxy> {
  let mode: 'pass' | 'down' = 'pass';
  const refused: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    if (mode === 'down') {
      const path = req.url ?? '/';
      refused[path] = (refused[path] ?? 0) + 1;
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html', connection: 'close' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>\n');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    refused,
    pass() {
      mode = 'pass';
    },
    down() {
      mode = 'down';
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
