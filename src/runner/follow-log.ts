// Reading a run's log as it grows, until its run ends (`steward logs --follow`).
import { readFrom } from '../files/read-from.js';

/** How to follow: the file, whether its run still runs, where new bytes go. */
export interface FollowOptions {
  path: string;
  /** False once the run finished (checked every poll). */
  isRunning: () => boolean;
  write: (chunk: Buffer) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Writes the log so far, then what is appended, until the run ends (one last read after it did). */
export async function followLog(o: FollowOptions): Promise<number> {
  let offset = 0;
  const drain = () => {
    const chunk = readFrom(o.path, offset);
    if (chunk.length) o.write(chunk);
    offset += chunk.length;
  };
  for (;;) {
    const running = o.isRunning();
    drain();
    if (!running || o.signal?.aborted) return offset;
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 250));
  }
}
