// Reading what was appended to a file (a run log) since an offset: `steward logs --follow` and the web board's live log.
import { closeSync, openSync, readSync } from 'node:fs';

/** The bytes of `path` from `offset` up to its end (at most `max`); empty when the file is missing. */
export function readFrom(path: string, offset: number, max = Number.POSITIVE_INFINITY): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
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
  } finally {
    closeSync(fd);
  }
}
