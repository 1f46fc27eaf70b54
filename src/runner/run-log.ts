// A run's log file, `.steward/logs/<task>-<run>.log`: the CLI's raw output plus steward's own lines.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quoteWord } from '../core/adapters/index.js';
import type { Workspace } from '../workspace/workspace.js';

/** Where the log of run `runId` of task `taskId` lives. */
export function runLogPath(ws: Workspace, taskId: number, runId: number): string {
  return join(ws.logsDir, `${taskId}-${runId}.log`);
}

/** Something output can be copied to live (a terminal). */
export interface Tee {
  write(chunk: Buffer | string): unknown;
}

/**
 * An append-only log (O_APPEND, so a dispatcher and the babysitter may share the file). Logging never
 * fails a run: the first write that throws (ENOSPC on a full disk, EIO, …) stops logging to the file,
 * and `truncated` says why and after how many bytes; the tee still gets the output.
 */
export class RunLog {
  private fd: number | null = null;
  private atLineStart = true;
  /** Bytes written to the file by this writer. */
  bytes = 0;
  /** Why the file stopped being written, or null while it is whole. */
  truncated: string | null = null;

  constructor(
    readonly path: string,
    private readonly tee: Tee | null = null,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a');
    } catch (err) {
      this.stop(err);
    }
  }

  /** Raw output of a child: to the file, and to the tee when there is one. */
  write(chunk: Buffer | string): void {
    if (this.fd !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      try {
        for (let done = 0; done < buf.length; ) {
          const n = writeSync(this.fd, buf, done, buf.length - done);
          done += n;
          this.bytes += n;
        }
        if (buf.length) this.atLineStart = buf[buf.length - 1] === 10;
      } catch (err) {
        this.stop(err);
      }
    }
    this.tee?.write(chunk);
  }

  /** One line of steward's own, marked so it stands out from the CLI's output. */
  line(text: string): void {
    this.write(`${this.atLineStart ? '' : '\n'}=== steward ${new Date().toISOString()} ${text}\n`);
  }

  close(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch (err) {
      this.truncated ??= `closing the log failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }

  /** Gives up on the file after a failed open or write. */
  private stop(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    this.truncated = `${e.code ?? 'error'} after ${this.bytes} bytes: ${e.message}`;
    this.close();
  }
}

/** The command line for a log: argv quoted, the prompt (and any huge word) shortened. */
export function describeCommand(file: string, args: string[], prompt: string): string {
  const show = (word: string): string => {
    if (word === prompt) return `<prompt: ${prompt.length} chars>`;
    return quoteWord(word.length > 200 ? `${word.slice(0, 200)}…(${word.length} chars)` : word);
  };
  return [quoteWord(file), ...args.map(show)].join(' ');
}
