// A run's log file, `.steward/logs/<task>-<run>.log`: the CLI's raw output plus steward's own lines.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quoteWord } from '../core/adapters/index.js';
import { DEFAULT_LOG_MAX_MB } from '../config/config-constants.js';
import type { Workspace } from '../workspace/workspace.js';

/** Where the log of run `runId` of task `taskId` lives. */
export function runLogPath(ws: Workspace, taskId: number, runId: number): string {
  return join(ws.logsDir, `${taskId}-${runId}.log`);
}

/** The size cap of a run's log (bytes): its agent profile's logMaxMb (MiB), or the default without a profile. */
export function logCapBytes(profile: { logMaxMb?: number } | undefined): number {
  return (profile?.logMaxMb ?? DEFAULT_LOG_MAX_MB) * 1024 * 1024;
}

/** Something output can be copied to live (a terminal). */
export interface Tee {
  write(chunk: Buffer | string): unknown;
}

/** What a capped log still keeps of the output it leaves out: its last bytes before each of steward's lines. */
export const LOG_KEPT_TAIL_BYTES = 64 * 1024;

/**
 * An append-only log (O_APPEND, so a dispatcher and the babysitter may share the file). Logging never
 * fails a run: the first write that throws (ENOSPC on a full disk, EIO, …) stops logging to the file,
 * and `truncated` says why and after how many bytes; the tee still gets the output.
 *
 * Capped at `maxBytes`: past it the CLI's output is left out of the file (a runaway CLI cannot fill the disk), counted,
 * and its last LOG_KEPT_TAIL_BYTES are written, with the count, before steward's next line and at close. steward's own
 * lines are always written. The tee gets all of it.
 */
export class RunLog {
  private fd: number | null = null;
  private atLineStart = true;
  /** Bytes written to the file by this writer. */
  bytes = 0;
  /** Why the file stopped being written, or null while it is whole. */
  truncated: string | null = null;
  /** Output left out since the cap was reached and not yet accounted for in the file. */
  private leftOut = 0;
  /** The last bytes of that output (at most LOG_KEPT_TAIL_BYTES in all). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private capped = false;

  constructor(
    readonly path: string,
    private readonly tee: Tee | null = null,
    private readonly maxBytes = DEFAULT_LOG_MAX_MB * 1024 * 1024,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a');
    } catch (err) {
      this.stop(err);
    }
  }

  /** Raw output of a child: to the file (up to the cap), and to the tee when there is one. */
  write(chunk: Buffer | string): void {
    if (this.fd !== null) this.toFile(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.tee?.write(chunk);
  }

  /** One line of steward's own, marked so it stands out from the CLI's output. */
  line(text: string): void {
    this.flushHeld();
    this.append(this.mark(text));
  }

  close(): void {
    this.flushHeld();
    this.closeFile();
  }

  /** Output up to the cap; past it, held. */
  private toFile(buf: Buffer): void {
    if (this.capped) return this.hold(buf);
    const room = this.maxBytes - this.bytes;
    if (buf.length <= room) return this.append(buf);
    this.append(buf.subarray(0, Math.max(0, room)));
    this.capped = true;
    this.append(this.mark(`the log reached its cap of ${mib(this.maxBytes)} (the profile's logMaxMb): further output is left out; its last ${LOG_KEPT_TAIL_BYTES / 1024} KiB are written before steward's next line`));
    this.hold(buf.subarray(Math.max(0, room)));
  }

  private mark(text: string): Buffer {
    return Buffer.from(`${this.atLineStart ? '' : '\n'}=== steward ${new Date().toISOString()} ${text}\n`);
  }

  /** Writes all of `buf` to the file, or gives up on the file. */
  private append(buf: Buffer): void {
    if (this.fd === null || !buf.length) return;
    try {
      for (let done = 0; done < buf.length; ) {
        const n = writeSync(this.fd, buf, done, buf.length - done);
        done += n;
        this.bytes += n;
      }
      this.atLineStart = buf[buf.length - 1] === 10;
    } catch (err) {
      this.stop(err);
    }
  }

  /** Output past the cap: counted, and its last LOG_KEPT_TAIL_BYTES kept. */
  private hold(buf: Buffer): void {
    if (!buf.length) return;
    this.leftOut += buf.length;
    const keep = Buffer.from(buf.subarray(Math.max(0, buf.length - LOG_KEPT_TAIL_BYTES)));
    this.held.push(keep);
    this.heldBytes += keep.length;
    while (this.heldBytes - this.held[0]!.length >= LOG_KEPT_TAIL_BYTES) this.heldBytes -= this.held.shift()!.length;
  }

  /** Writes what the cap left out since the last flush: how much, then its kept tail. */
  private flushHeld(): void {
    if (!this.leftOut) return;
    const tail = Buffer.concat(this.held);
    const kept = tail.subarray(Math.max(0, tail.length - LOG_KEPT_TAIL_BYTES));
    const skipped = this.leftOut - kept.length;
    this.leftOut = 0;
    this.held = [];
    this.heldBytes = 0;
    this.append(this.mark(`output past the log cap (${mib(this.maxBytes)}): ${skipped} bytes left out, the last ${kept.length} follow`));
    this.append(kept);
  }

  /** Gives up on the file after a failed open or write. */
  private stop(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    this.truncated = `${e.code ?? 'error'} after ${this.bytes} bytes: ${e.message}`;
    this.closeFile();
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch (err) {
      this.truncated ??= `closing the log failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }
}

const mib = (bytes: number): string => `${+(bytes / 1024 / 1024).toFixed(2)} MiB`;

/** The command line for a log: argv quoted, the prompt (and any huge word) shortened. */
export function describeCommand(file: string, args: string[], prompt: string): string {
  const show = (word: string): string => {
    if (word === prompt) return `<prompt: ${prompt.length} chars>`;
    return quoteWord(word.length > 200 ? `${word.slice(0, 200)}…(${word.length} chars)` : word);
  };
  return [quoteWord(file), ...args.map(show)].join(' ');
}
