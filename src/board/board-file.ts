// TASKS.md on disk: read it with a fingerprint, write it atomically, never over an edit made since the read.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What was read, so a later write can tell whether the file changed meanwhile. */
export interface BoardRead {
  /** The text (null when there is no file). */
  text: string | null;
}

/** Reads TASKS.md (null when absent). Bytes that are not UTF-8 become U+FFFD; nothing throws for content. */
export function readBoardFile(path: string): BoardRead {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: null };
    throw err;
  }
}

/** Writes `text` to `path` via a temp file + rename in the same folder, unless the file no longer holds what was read. */
export function writeBoardFile(path: string, text: string, read: BoardRead): { written: boolean; reason?: string } {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The check sits right before the rename: an edit saved between them is the only window left.
  if (readBoardFile(path).text !== read.text) {
    rmSync(tmp, { force: true });
    return { written: false, reason: 'TASKS.md changed after it was read; it is read again on the next tick' };
  }
  renameSync(tmp, path);
  return { written: true };
}
