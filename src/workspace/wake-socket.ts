// The wake-up of `steward up`: a unix socket in .steward/ that any steward process pings after it commits a write,
// so `up` ticks (and dispatches) at once instead of at its next heartbeat. Only a hint: nothing is sent but the
// connection; `up` reads what changed from the database. Without `up` (no socket) a ping fails fast and quietly.
import { existsSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { nodeNet as net } from '../core/adapters/lazy-builtins.js';

/** Where `up` listens for wake-ups. */
export const wakeSocketPath = (stewardDir: string): string => join(stewardDir, 'wake.sock');

/** A unix socket path longer than this does not fit sockaddr_un (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 103;

/**
 * Listens on the wake socket; `onWake` runs once per connection. Resolves with a close function, or with undefined
 * (and a line for `log`) when the socket cannot be made: then only the heartbeat and the change poll wake `up`.
 * The caller holds the workspace's instance lock, so a socket file left there is a dead `up`'s: it is replaced.
 */
export async function listenWake(stewardDir: string, onWake: () => void, log: (line: string) => void): Promise<{ close(): void } | undefined> {
  const path = wakeSocketPath(stewardDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    log(`steward up: no wake socket (${path} is longer than a unix socket path may be); writes wake up within the change poll`);
    return undefined;
  }
  rmSync(path, { force: true });
  const server: Server = net().createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end();
    onWake();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } catch (err) {
    log(`steward up: no wake socket at ${path}: ${(err as Error).message}; writes wake up within the change poll`);
    return undefined;
  }
  server.on('error', () => undefined);
  server.unref();
  return {
    close: () => {
      server.close();
      rmSync(path, { force: true });
    },
  };
}

/**
 * A pinger for one process: `ping()` after each committed write. At most one connection is open at a time; pings
 * while one is in flight are folded into one more after it, so the last write is always followed by a ping.
 * The connection keeps a short-lived CLI alive until it is made (well under a millisecond on a local socket).
 */
export function wakePinger(stewardDir: string): { ping(): void } {
  const path = wakeSocketPath(stewardDir);
  let inFlight = false;
  let again = false;
  let absent = true; // until the socket file is seen: a workspace without `up` costs one stat per write
  const send = () => {
    inFlight = true;
    again = false;
    const socket = net().createConnection(path);
    const done = () => {
      socket.destroy();
      inFlight = false;
      if (again) send();
    };
    socket.once('connect', done);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // No `up` listening: stop trying until the socket file appears (one stat per write, no connect).
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') absent = true;
      done();
    });
  };
  return {
    ping() {
      if (absent) {
        if (!existsSync(path)) return;
        absent = false;
      }
      if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return;
      if (inFlight) again = true;
      else send();
    },
  };
}
