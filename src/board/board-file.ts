// TASKS.md on disk: read it with a fingerprint, write it atomically, never over an edit made since the read.
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What was read, so a later write can tell whether the file changed meanwhile. */
export interface BoardRead {
  /** The text (null when there is no file, or when it was too large to read). */
  text: string | null;
  /** Set when the file was larger than the limit: it was not read; its size and identity. */
  oversize?: { bytes: number; stamp: string };
}

function stampOf(path: string): { bytes: number; stamp: string } | null {
  try {
    const st = statSync(path);
    // A FIFO would block the read (and the tick) forever, a device like /dev/zero never end: never read either.
    if (!st.isFile() && !st.isDirectory()) {
      throw Object.assign(new Error(`${basename(path)} is not a regular file (a FIFO, socket or device): it is never read`), { code: 'ENOTREG' });
    }
    return { bytes: st.size, stamp: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads TASKS.md (null when absent); a file over `maxBytes` is not read at all. Bytes that are not UTF-8 become U+FFFD. */
export function readBoardFile(path: string, maxBytes = Number.POSITIVE_INFINITY): BoardRead {
  const stamp = stampOf(path);
  if (stamp === null) return { text: null };
  if (stamp.bytes > maxBytes) return { text: null, oversize: stamp };
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: null };
    throw err;
  }
}

/** Whether the file still holds what `read` saw. */
function unchangedSince(path: string, read: BoardRead): boolean {
  if (read.oversize) return stampOf(path)?.stamp === read.oversize.stamp;
  const now = stampOf(path);
  if (read.text === null) return now === null;
  // A file much larger than the text read cannot hold it: no need to read it whole again.
  if (now === null || now.bytes > Buffer.byteLength(read.text, 'utf8')) return false;
  return readBoardFile(path).text === read.text;
}

/** The permission bits of the file at `path`, or null when there is none to keep. */
function modeOf(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.mode & 0o7777 : null;
  } catch {
    return null;
  }
}

/** Writes `text` to `path` via a temp file + rename in the same folder, unless the file no longer holds what was read. */
export function writeBoardFile(path: string, text: string, read: BoardRead): { written: boolean; reason?: string } {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let renamed = false;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      // The rename replaces the file: it keeps the mode the person gave it (a chmod 600 stays 600).
      const mode = modeOf(path);
      if (mode !== null) fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The check sits right before the rename: an edit saved between them is the only window left.
    if (!unchangedSince(path, read)) return { written: false, reason: 'TASKS.md changed after it was read; it is read again on the next tick' };
    renameSync(tmp, path);
    renamed = true;
    return { written: true };
  } finally {
    // Not written (changed, or a failure: a full disk, TASKS.md turned into a FIFO): no temp file is left behind.
    if (!renamed) rmSync(tmp, { force: true });
  }
}
