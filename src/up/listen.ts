// Port choice for the HTTP servers: the configured port, or any free one when it is taken; a port the
// person asked for by flag that is taken is a clear UNAVAILABLE naming the fix.
import { StewardError } from '../core/errors.js';

/** Where to listen: `explicit` ports (a --port flag) are never swapped for another. */
export interface PortChoice {
  host: string;
  port: number;
  explicit: boolean;
}

const inUse = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE';

/**
 * Starts a server with `start(port)`; when the port is taken it tries any free port (port 0) unless the port was
 * explicit. `onFallback` hears about the switch. Resolves with what `start` returned.
 */
export async function listenWithFallback<T>(
  choice: PortChoice,
  start: (port: number) => Promise<T>,
  onFallback?: (taken: number) => void,
): Promise<T> {
  try {
    return await start(choice.port);
  } catch (err) {
    if (!inUse(err)) throw err;
    if (choice.explicit || choice.port === 0) {
      throw new StewardError(
        'UNAVAILABLE',
        `${choice.host}:${choice.port} is already in use (another steward up or mcp --http, or another program): ` +
          'pass --port 0 for any free port, or another --port; `steward status` in a workspace shows where its up listens',
        { host: choice.host, port: choice.port },
        err,
      );
    }
    onFallback?.(choice.port);
    return start(0);
  }
}
