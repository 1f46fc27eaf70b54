// Reading what was appended to a file (a run log) since an offset: `steward logs --follow` and the web board's live log.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync } from 'node:fs';

/**
 * A run's log is steward's own file in .steward/logs: a symbolic link put at its path (by an agent, to a key or
 * /etc/passwd) is never followed (O_NOFOLLOW: the open fails with ELOOP), or `steward logs` and the board would show
 * whatever file it names.
 */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** True when `path` is a symbolic link (what a refused open of a log is told by). */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false;
  }
}

/**
 * Opens the run log `path` for reading when it is a regular file; null when it is missing, unreadable, a symbolic
 * link or anything else. A FIFO put where a log should be would block a plain open (and `steward up`'s whole event
 * loop with it) until a writer came; O_NONBLOCK makes that open return at once, and the fstat then turns it (or a
 * folder, a device) away.
 */
export function openRegular(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | NOFOLLOW);
  } catch {
    return null;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch {
    /* turned away below */
  }
  closeSync(fd);
  return null;
}

/** The bytes of `path` from `offset` up to its end (at most `max`); empty when the file is missing or not a regular file. */
export function readFrom(path: string, offset: number, max = Number.POSITIVE_INFINITY): Buffer {
  const fd = openRegular(path);
  if (fd === null) return Buffer.alloc(0);
  try {
    return readFromFd(fd, offset, max);
  } finally {
    closeSync(fd);
  }
}

/**
 * What `path` holds past `offset` (at most `max`), for a follower of a growing log; null when it is missing or not a
 * regular file (a symbolic link included). A file now shorter than `offset` (truncated, or replaced by a new one) is
 * read from its start, after `truncated` is called, as `tail -F` does.
 */
export function readAppended(path: string, offset: number, truncated: () => void, max = Number.POSITIVE_INFINITY): Buffer | null {
  const fd = openRegular(path);
  if (fd === null) return null;
  try {
    let from = offset;
    if (fstatSync(fd).size < offset) {
      truncated();
      from = 0;
    }
    return readFromFd(fd, from, max);
  } finally {
    closeSync(fd);
  }
}

/** The bytes of the open file `fd` from `offset` up to its end (at most `max`). */
export function readFromFd(fd: number, offset: number, max = Number.POSITIVE_INFINITY): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  let got = 0;
  while (got < max) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, max - got), offset + got);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    got += n;
  }
  return Buffer.concat(chunks);
}

/**
 * The bytes of `path` when it is a regular file; throws (ENOENT and the like as they are) otherwise, without blocking on
 * a FIFO. With `nofollow` (a run's log), a symbolic link at `path` is refused (ELOOP).
 */
export function readRegular(path: string, o: { nofollow?: boolean } = {}): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (o.nofollow ? NOFOLLOW : 0));
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file (a FIFO, folder or device): never read');
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The text of `path` when it is a regular file (readRegular, as UTF-8). */
export function readRegularText(path: string): string {
  return readRegular(path).toString('utf8');
}
