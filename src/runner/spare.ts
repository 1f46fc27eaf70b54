// Warm babysitters for `steward up` (issue 18): a `steward work --spare` process started before there is a run for
// it — Node up, steward's modules loaded, the store open — that waits on an IPC channel. When the tick's dispatch
// claims a run, `up` hands it the run id instead of starting a fresh Node (~0.3 s quiet, seconds under load), then
// starts the next spare. The tick alone still decides what runs; a spare writes nothing before it is handed a run,
// and then exactly what `work --run N --here` writes. A spare whose `up` goes away (the channel closes) exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { BABYSITTER_NODE_FLAGS, babysitterEnv, CLI_MAIN } from './detach.js';

/** The message a spare sends once it is loaded and waits for a run. */
export interface SpareReady {
  spare: 'ready';
}

/** The message `up` sends a spare: the run it babysits from now on. */
export interface SpareAssign {
  run: number;
}

/** Where spares write their own lines (before and after they take a run; the CLI's output goes to the run's log). */
export const spareLogPath = (logsDir: string): string => join(logsDir, 'babysitter-spares.log');

/** The argv (after node) of a spare. */
export function spareArgs(root: string): string[] {
  return [...BABYSITTER_NODE_FLAGS, CLI_MAIN, 'work', '--spare', '--dir', root];
}

/** Counts of the pool's work, for `up`'s stats and the tests. */
export interface SpareStats {
  /** Spares started. */
  started: number;
  /** Runs handed to a warm spare. */
  handed: number;
  /** Runs started cold because no spare was ready. */
  cold: number;
  /** Spares that exited before they were handed a run (up's drain closes them). */
  exited: number;
}

export interface SparePoolOptions {
  root: string;
  logsDir: string;
  /** How many spares to keep ready. */
  size: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

interface Spare {
  child: ChildProcess;
  ready: boolean;
}

/** A pool of warm babysitters. `take` hands a run to a ready one (its pid), or returns undefined (start one cold). */
export class SparePool {
  readonly stats: SpareStats = { started: 0, handed: 0, cold: 0, exited: 0 };
  private spares: Spare[] = [];
  private closed = false;
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly opts: SparePoolOptions) {}

  /** Spares loaded and waiting. */
  get ready(): number {
    return this.spares.filter((s) => s.ready).length;
  }

  /** Starts spares until `size` are alive (loading or ready). */
  fill(): void {
    while (!this.closed && this.spares.length < this.opts.size) this.spawnOne();
  }

  /** Resolves once at least `n` spares are ready (tests and the bench; bounded by the caller). */
  whenReady(n = 1): Promise<void> {
    if (this.ready >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.ready >= n || this.closed) resolve();
        else this.readyWaiters.push(check);
      };
      this.readyWaiters.push(check);
    });
  }

  /** Hands run `runId` to a ready spare; its pid, or undefined when none is ready. Starts its replacement. */
  take(runId: number): number | undefined {
    const i = this.spares.findIndex((s) => s.ready && s.child.connected);
    if (i < 0) {
      this.stats.cold++;
      setImmediate(() => this.fill());
      return undefined;
    }
    const [spare] = this.spares.splice(i, 1);
    const child = spare!.child;
    child.removeAllListeners('message');
    child.removeAllListeners('exit');
    child.on('error', () => undefined);
    // The spare disconnects itself once it has the run; until then the channel must not keep `up` alive either.
    child.send({ run: runId } satisfies SpareAssign, () => undefined);
    this.stats.handed++;
    // The replacement starts after this tick: its Node start-up must not delay the run it was taken for.
    setImmediate(() => this.fill());
    return child.pid!;
  }

  /** Closes the channel of every waiting spare: each exits. */
  close(): void {
    this.closed = true;
    for (const s of this.spares) {
      try {
        s.child.disconnect();
      } catch {
        /* already gone */
      }
    }
    this.spares = [];
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private spawnOne(): void {
    const logPath = spareLogPath(this.opts.logsDir);
    mkdirSync(this.opts.logsDir, { recursive: true });
    const fd = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, spareArgs(this.opts.root), {
        cwd: this.opts.root,
        detached: true,
        stdio: ['ignore', fd, fd, 'ipc'],
        env: babysitterEnv(this.opts.env ?? process.env),
      });
    } finally {
      closeSync(fd);
    }
    const spare: Spare = { child, ready: false };
    this.spares.push(spare);
    this.stats.started++;
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    child.on('error', (err) => this.opts.log?.(`steward up: a spare babysitter could not start: ${err.message}`));
    child.on('message', (m: unknown) => {
      if ((m as SpareReady | undefined)?.spare !== 'ready') return;
      spare.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
    });
    child.once('exit', () => {
      this.stats.exited++;
      this.spares = this.spares.filter((s) => s !== spare);
      // A spare that died on its own is replaced at the next take or fill, never in a loop here.
    });
  }
}
