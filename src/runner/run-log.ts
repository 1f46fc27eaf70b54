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

/** An append-only log (O_APPEND, so a dispatcher and the babysitter may share the file). */
export class RunLog {
  private fd: number | null;
  private atLineStart = true;

  constructor(
    readonly path: string,
    private readonly tee: Tee | null = null,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Raw output of a child: to the file, and to the tee when there is one. */
  write(chunk: Buffer | string): void {
    if (this.fd !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let done = 0; done < buf.length; ) done += writeSync(this.fd, buf, done, buf.length - done);
      if (buf.length) this.atLineStart = buf[buf.length - 1] === 10;
    }
    this.tee?.write(chunk);
  }

  /** One line of steward's own, marked so it stands out from the CLI's output. */
  line(text: string): void {
    this.write(`${this.atLineStart ? '' : '\n'}=== steward ${new Date().toISOString()} ${text}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
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
