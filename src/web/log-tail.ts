// A run's log over SSE: the last bytes first, then what is appended (polled), until the run ends.
import { closeSync, fstatSync, readSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { relative, resolve, isAbsolute } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { visibleText } from '../core/visible-text.js';
import { isSymlink, openRegular, readAppended } from '../files/read-from.js';
import { openEventStream, sendEvent } from './live.js';

/** What the board shows for a log that is a symbolic link (never followed: read-from.ts). */
export const SYMLINK_NOTE = "(not shown: this run's log is a symbolic link, not steward's own file)";

/** How much of the log a new viewer gets at once. */
const TAIL_BYTES = 16 * 1024;

/** The last `bytes` of a file as text (starting at a line), or '' when it cannot be read or is not a regular file. */
export function readTail(path: string, bytes = TAIL_BYTES): string {
  const fd = openRegular(path);
  if (fd === null) return isSymlink(path) ? SYMLINK_NOTE : '';
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    const text = buf.subarray(0, n).toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/** True when `path` lies inside `dir` (logs are read only from the workspace's log folder). */
export function insideDir(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Streams `path` on `res`: event `tail` with the end so far, `log` per appended chunk, `end` once `isRunning` is false. */
export function streamLog(res: ServerResponse, path: string, isRunning: () => boolean, pollMs = 250): void {
  if (!openEventStream(res)) return;
  let offset = 0;
  const fd = openRegular(path);
  if (fd !== null) {
    try {
      offset = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }
  // Shown as text in the page: hidden characters escaped like everywhere else on the board (a CR at the end of a
  // chunk waits for the next one, so a CRLF split between two reads is not shown as a lone CR).
  sendEvent(res, 'tail', JSON.stringify(visibleText(readTail(path))));
  const decoder = new StringDecoder('utf8');
  let heldCr = '';
  const timer = setInterval(() => {
    let running = true;
    try {
      running = isRunning();
    } catch {
      /* a busy database: keep following */
    }
    // A viewer that does not read what it was sent (a stalled tab, a hostile client) gets nothing more until it has:
    // the rest stays in the file, read from `offset` once it drains, instead of piling up in this process's memory.
    if (res.writableNeedDrain) return;
    const chunk = readAppended(path, offset, () => {
      // Truncated (or replaced by a new file) below what was sent: followed again from its start, as `tail -F` does.
      offset = 0;
      sendEvent(res, 'log', JSON.stringify('\n(the log was truncated: from its start again)\n'));
    }, 1024 * 1024) ?? Buffer.alloc(0);
    if (chunk.length) {
      offset += chunk.length;
      let text = heldCr + decoder.write(chunk);
      heldCr = text.endsWith('\r') ? '\r' : '';
      if (heldCr) text = text.slice(0, -1);
      if (text) sendEvent(res, 'log', JSON.stringify(visibleText(text)));
    }
    if (!running) {
      sendEvent(res, 'end', '"the run ended"');
      stop();
    }
  }, pollMs);
  const stop = () => {
    clearInterval(timer);
    res.end();
  };
  res.on('close', () => clearInterval(timer));
}
