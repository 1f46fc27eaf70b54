// The chaos run's processes: `steward up` as a killable child, and a workspace's babysitters and fake CLIs from /proc (Linux).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** One process of the workspace under test. */
export interface WorkspaceProc {
  pid: number;
  kind: 'babysitter' | 'cli';
  /** The run it works for: `--run N` of a babysitter, STEWARD_RUN_ID of a CLI. */
  runId: number;
  /** STEWARD_TASK_ID of a CLI (undefined for a babysitter). */
  taskId?: number;
  /** /proc state letter (Z = zombie). */
  state: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function procState(pid: number): string {
  const stat = readText(`/proc/${pid}/stat`);
  return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?') : '?';
}

/**
 * Every live babysitter (`steward.cjs work --run N --dir ROOT`) and fake CLI (`fake-cli.mjs`, STEWARD_DIR=ROOT in
 * its environment) of workspace `root`. Zombies are left out: they hold no work, only an exit status.
 */
export function workspaceProcs(root: string, cliMain: string, fakeCli: string): WorkspaceProc[] {
  const out: WorkspaceProc[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const cmdline = readText(`/proc/${pid}/cmdline`);
    if (!cmdline) continue;
    const argv = cmdline.split('\0');
    if (argv.includes(cliMain) && argv.includes('work')) {
      const dir = argv[argv.indexOf('--dir') + 1];
      const run = Number(argv[argv.indexOf('--run') + 1]);
      if (dir !== root || !Number.isInteger(run)) continue;
      const state = procState(pid);
      if (state !== 'Z') out.push({ pid, kind: 'babysitter', runId: run, state });
    } else if (argv.includes(fakeCli)) {
      const env = new Map(
        (readText(`/proc/${pid}/environ`) ?? '').split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
      );
      if (env.get('STEWARD_DIR') !== root) continue;
      const state = procState(pid);
      if (state === 'Z') continue;
      out.push({ pid, kind: 'cli', runId: Number(env.get('STEWARD_RUN_ID')), taskId: Number(env.get('STEWARD_TASK_ID')), state });
    }
  }
  return out;
}

/** Tasks with more than one live CLI at this instant: each is the same task run twice at once. */
export function doubleRuns(procs: WorkspaceProc[]): Array<{ taskId: number; runs: number[]; pids: number[] }> {
  const byTask = new Map<number, WorkspaceProc[]>();
  for (const p of procs) {
    if (p.kind !== 'cli' || p.taskId === undefined) continue;
    byTask.set(p.taskId, [...(byTask.get(p.taskId) ?? []), p]);
  }
  return [...byTask].filter(([, list]) => list.length > 1).map(([taskId, list]) => ({ taskId, runs: list.map((p) => p.runId), pids: list.map((p) => p.pid) }));
}

/** True while `pid` exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procState(pid) !== 'Z';
}

/** mulberry32: a small seeded PRNG, [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `steward up --port 0` for a workspace, as a child we may kill and start again; exits we did not cause are recorded. */
export class UpProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  /** When the current process was started (ms). */
  since = 0;
  /** Exits nobody asked for. */
  readonly crashes: string[] = [];

  constructor(
    private readonly cliMain: string,
    private readonly root: string,
    private readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it (output appended to the log file). */
  start(): void {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [this.cliMain, 'up', '--port', '0', '--dir', this.root], { cwd: this.root, stdio: ['ignore', fd, fd], env: this.env });
    closeSync(fd);
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.stopping) this.crashes.push(`steward up (pid ${child.pid}) exited by itself: ${signal ?? code}`);
    });
    this.child = child;
    this.since = Date.now();
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 15 s). */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
    this.stopping = false;
  }
}
