// Reading a run's log as it grows, until its run ends (`steward logs --follow`).
import { StewardError } from '../core/errors.js';
import { isSymlink, readAppended } from '../files/read-from.js';

/** How to follow: the file, whether its run still runs, where new bytes go. */
export interface FollowOptions {
  path: string;
  /** False once the run finished (checked every poll). */
  isRunning: () => boolean;
  write: (chunk: Buffer) => void;
  /** Said to a person (stderr): the log was truncated and is followed again from its start. */
  note?: (line: string) => void;
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

/**
 * The refusal of a run's log that is a symbolic link: steward's own file was replaced, and what the link names (a key,
 * /etc/passwd) is never shown. FORBIDDEN, with `reason: 'symlink'`.
 */
export function symlinkLogError(path: string, details: Record<string, unknown> = {}): StewardError {
  return new StewardError('FORBIDDEN', `the log at ${path} is a symbolic link: not followed (a run's log is steward's own file in .steward/logs; something replaced it)`, { ...details, log_path: path, reason: 'symlink' });
}

/**
 * Writes the log so far, then what is appended, until the run ends (one last read after it did). A log that shrinks
 * below what was read (truncated, or replaced by a new file) is said on `note` and read again from its start, as
 * `tail -F` does; a symbolic link at the path is refused (symlinkLogError).
 */
export async function followLog(o: FollowOptions): Promise<number> {
  let offset = 0;
  const drain = () => {
    const chunk = readAppended(o.path, offset, () => {
      o.note?.(`${o.path}: file truncated`);
      offset = 0;
    });
    if (chunk === null) {
      if (isSymlink(o.path)) throw symlinkLogError(o.path);
      return;
    }
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
