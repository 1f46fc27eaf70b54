// The CLI's own output: written to fd 1 / fd 2 with writeSync instead of through process.stdout/process.stderr.
// Those streams are made on first use, and for a pipe (how agents and `exec` read a command) that loads node:net and
// node:stream: ~6 ms and ~2 MB of every short command's start-up, for one write. A descriptor that cannot take the
// write now (EAGAIN: non-blocking, full) gets the rest through the stream, which queues it; a reader that went away
// (EPIPE, as in `steward list | head -1`) ends the output quietly.
import { writeSync } from 'node:fs';

export function writeOut(fd: 1 | 2, text: string | Buffer): void {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw err;
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
  }
}
