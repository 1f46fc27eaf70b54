// Reading a run's log as it grows, until its run ends (`steward logs --follow`).
import { closeSync, openSync, readSync } from 'node:fs';

/** How to follow: the file, whether its run still runs, where new bytes go. */
export interface FollowOptions {
  path: string;
  /** False once the run finished (checked every poll). */
  isRunning: () => boolean;
  write: (chunk: Buffer) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Bytes of `path` from `offset` to its current end (none when it does not exist yet). */
function readFrom(path: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      offset += n;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
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
