// `steward work --run N` from a shell (OpenClaw's exec: SIGTERM to the command's tree at its timeout, SIGKILL 5 s
// later). Before the rest of steward loads, this holds SIGTERM/SIGHUP/SIGINT and starts the run's detached babysitter,
// so from the moment Node runs this module a kill can no longer keep the run from starting: a held signal ends the
// waiter only once the babysitter is out of its reach. Node built-ins and small modules only (it runs first; other
// commands load nothing more than this file).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findWorkspace } from '../workspace/workspace.js';

const HELD: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];

/** A waiter whose babysitter was started before steward loaded. */
export interface EarlyWaiter {
  runId: number;
  root: string;
  /** The babysitter's pid (a babysitter for a run that already has one leaves at once: at most one per run). */
  started: Promise<number>;
  /** The first stop signal received while held, if any. */
  held(): NodeJS.Signals | undefined;
  /**
   * Stops holding the signals: a held one (also one delivered before but not yet dispatched to JS) now ends this
   * process as it would have, and so does any later one. Idempotent.
   */
  release(): void;
}

let current: EarlyWaiter | undefined;

/** The early waiter of this process, if `beginEarlyWaiter` started one. */
export function earlyWaiter(): EarlyWaiter | undefined {
  return current;
}

/** `work --run N` without --here (and not --help): the run id and --dir; undefined for anything else. */
export function waiterArgs(argv: string[]): { runId: number; dir?: string } | undefined {
  if (argv[0] !== 'work') return undefined;
  let run: string | undefined;
  let dir: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--here' || a === '--help' || a === '-h' || a === '--agent' || a.startsWith('--agent=')) return undefined;
    if (a === '--run') run = argv[++i];
    else if (a.startsWith('--run=')) run = a.slice('--run='.length);
    else if (a === '--dir') dir = argv[++i];
    else if (a.startsWith('--dir=')) dir = a.slice('--dir='.length);
  }
  if (!run || !/^[1-9]\d{0,14}$/.test(run)) return undefined;
  return dir === undefined ? { runId: Number(run) } : { runId: Number(run), dir };
}

/**
 * For tests only (STEWARD_TEST_WAITER_GATE=DIR): at `stage`, write DIR/<stage>.reached and block (signals stay
 * queued) until DIR/<stage>.go exists, so a test can kill the waiter at exactly that point. At most 10 minutes.
 */
function testGate(env: NodeJS.ProcessEnv, stage: string): void {
  const dir = env.STEWARD_TEST_WAITER_GATE;
  if (!dir) return;
  writeFileSync(join(dir, `${stage}.reached`), String(process.pid));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 600_000;
  while (!existsSync(join(dir, `${stage}.go`)) && Date.now() < until) Atomics.wait(pause, 0, 0, 20);
}

/** Holds the stop signals and starts the detached babysitter when `argv` is `work --run N` in a workspace. */
export async function beginEarlyWaiter(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<EarlyWaiter | undefined> {
  const args = waiterArgs(argv);
  if (!args) return undefined;
  let first: NodeJS.Signals | undefined;
  let released = false;
  const stopHolding = () => {
    for (const s of HELD) process.off(s, hold);
  };
  const hold = (signal: NodeJS.Signals) => {
    if (!released) {
      first ??= signal;
      return;
    }
    // Delivered while held, dispatched only now (see release): it ends this process as it would have.
    stopHolding();
    process.kill(process.pid, signal);
  };
  for (const s of HELD) process.on(s, hold);
  const release = () => {
    if (released) return;
    released = true;
    if (first) {
      stopHolding();
      process.kill(process.pid, first);
    }
    // Otherwise the handlers stay. Node runs a signal's handler only when its event loop next polls, and the way here
    // can be all synchronous (a waiter that adopts a running babysitter awaits no I/O between the gate, loading steward,
    // the store's reads and this call): a SIGTERM the kernel delivered long ago may not have reached `hold` yet.
    // Removing the handlers now would drop it (libuv discards a signal whose handle is gone), and the waiter would wait
    // on a run that its killer meant to leave — on Postgres, where opening the store is slower and the babysitter
    // usually takes the run first, this hung the 2026-12-05 test pass. Kept, `hold` ends the process at the next poll.
  };
  let root: string;
  try {
    root = findWorkspace({ ...(args.dir !== undefined ? { dir: args.dir } : {}), env, cwd }).root;
  } catch {
    release(); // no workspace: the command itself says so
    return undefined;
  }
  const { babysitterLogPath, startDetached } = await import('../runner/detach.js');
  testGate(env, 'guarded');
  const started = startDetached({ runId: args.runId, root, logPath: babysitterLogPath(root, args.runId), env });
  started.catch(() => {}); // the waiter reports it
  testGate(env, 'launched');
  current = { runId: args.runId, root, started, held: () => first, release };
  return current;
}
