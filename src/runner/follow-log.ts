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
  /**
   * Once the run finished: true when its babysitter wrote its last lines (they come after the outcome is recorded:
   * the merge, "run N: completed → task #…"). Until then the log is read on, `settleMs` at most. Default: at once.
   */
  settled?: () => boolean;
  /** The most the follower waits for `settled` after the run finished. Default 10 s. */
  settleMs?: number;
}

/** Writes the log so far, then what is appended, until the run ends (one last read after it did). */
export async function followLog(o: FollowOptions): Promise<number> {
  let offset = 0;
  const drain = () => {
    const chunk = readFrom(o.path, offset);
    if (chunk.length) o.write(chunk);
    offset += chunk.length;
  };
  let finishedAt: number | undefined;
  for (;;) {
    const running = o.isRunning();
    drain();
    if (o.signal?.aborted) return offset;
    if (!running) {
      finishedAt ??= Date.now();
      if (!o.settled || o.settled() || Date.now() - finishedAt >= (o.settleMs ?? 10_000)) {
        drain(); // what was written before `settled` said so
        return offset;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 250));
  }
}
