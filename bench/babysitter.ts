// The babysitter's own overhead while its CLI runs: a real `steward work --run N --here` supervising the fake CLI
// (`slow` mode: a stream line every `intervalMs` for `seconds`), sampled beside the CLI it supervises from
// /proc/<pid>/stat (CPU ticks) and /proc/<pid>/status (VmRSS, VmHWM). Linux only (the report says so elsewhere).
// The CPU share counts only the window in which the CLI runs (from the pgid the babysitter records to the CLI's
// exit): start-up and the after-run bookkeeping are one-off costs, not overhead per second of agent work.
// Run alone: npm run build && node dist/bench/babysitter.js [seconds] [interval-ms] [other-build/dist/src/cli/steward.cjs]
// (an other build's bin is started without node flags, as builds before BABYSITTER_NODE_FLAGS started it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { addTask, claimTask } from '../src/ops/index.js';
import { BABYSITTER_NODE_FLAGS } from '../src/runner/dispatch.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/steward.cjs');
const FAKE = join(ROOT, 'test/fixtures/fake-cli.mjs');

/** The goal of issue 18 for one babysitter beside a running CLI. */
export const BABYSITTER_GOALS = { rssMb: 60, cpuPct: 1 } as const;

interface ProcSample {
  at: number;
  ticks: number;
  rssKb: number;
  hwmKb: number;
}

/** utime+stime and memory of a live process; undefined once it is gone (or a zombie without status). */
function sample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') return undefined;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { at: performance.now(), ticks: Number(f[11]) + Number(f[12]), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** One process's figures over the CLI's run. */
export interface ProcFigures {
  /** CPU while the CLI ran, in % of one core. */
  cpuPct: number;
  /** Peak RSS (VmHWM) seen by the end of the CLI's run, MB (2^20 bytes). */
  peakMb: number;
  /** Median VmRSS while the CLI ran, MB. */
  rssMb: number;
}

export interface BabysitterResult {
  seconds: number;
  intervalMs: number;
  /** The window measured: from the CLI's start to its exit, seconds. */
  windowS: number;
  babysitter: ProcFigures;
  cli: ProcFigures;
  /** An idle `node -e` process's RSS on this machine, MB. */
  idleNodeMb: number;
  /** The run's outcome and the babysitter's exit code (a correctness check: the run completes). */
  outcome: string | null;
  exitCode: number | null;
}

const TICK_HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mb = (kb: number) => kb / 1024;

function figures(samples: ProcSample[]): ProcFigures {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.at - first.at) / 1000;
  return {
    cpuPct: seconds > 0 ? ((last.ticks - first.ticks) / TICK_HZ / seconds) * 100 : 0,
    peakMb: mb(Math.max(...samples.map((s) => s.hwmKb))),
    rssMb: mb(median(samples.map((s) => s.rssKb))),
  };
}

async function idleNodeMb(): Promise<number> {
  // Sampled once the process says it is up (a loaded machine may take seconds to start node).
  const child = spawn(process.execPath, ['-e', "setTimeout(() => {}, 60000); process.stdout.write('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  await sleep(300);
  const s = sample(child.pid!);
  child.kill();
  return mb(s?.hwmKb ?? 0);
}

/** Runs one babysitter over a fake CLI for `seconds`, a stream line every `intervalMs`, and measures both. */
export async function measureBabysitter(opts: {
  seconds: number;
  intervalMs: number;
  progress?: (line: string) => void;
  /** Another build's bin and node flags (to compare builds); default this build's, started as steward starts it. */
  cli?: string;
  nodeFlags?: readonly string[];
  /**
   * Whether a steward command ran in the workspace before (as `steward up` has when it dispatches, and the waiter of
   * `steward work --run`): then .steward/config.cache.json is current and the babysitter reads its config without
   * yaml (config-cache.ts). False: the babysitter is the first steward process there (a child process loads config.yaml for it: config-apart.ts).
   */
  configCached?: boolean;
}): Promise<BabysitterResult> {
  const root = mkdtempSync(join(tmpdir(), 'steward-bench-babysitter-'));
  try {
    const { workspace } = createWorkspaceDirs(root);
    const env = { FAKE_CLI: 'claude', FAKE_MODE: 'slow', FAKE_INTERVAL_MS: String(opts.intervalMs), FAKE_DURATION_MS: String(opts.seconds * 1000) };
    writeFileSync(workspace.configPath, JSON.stringify({ agents: { coder: { cli: 'claude', bin: FAKE, env, leaseSeconds: 30 } } }));
    const childEnv = { ...process.env, STEWARD_DIR: '' };
    const store = openStore(workspace.dbPath);
    try {
      if (opts.configCached) {
        const list = spawnSync(process.execPath, [opts.cli ?? CLI, 'list', '--dir', root], { env: childEnv, encoding: 'utf8' });
        if (list.status !== 0 || !existsSync(join(root, '.steward', 'config.cache.json'))) throw new Error(`steward list wrote no config cache: ${list.stderr}`);
      }
      addTask(store, { title: 'babysitter overhead' }, { now: Date.now(), actor: 'bench' });
      const claimed = claimTask(store, { agent: 'coder', lease_seconds: 30 }, { now: Date.now(), actor: 'bench' });
      if (!claimed.task) throw new Error('nothing claimed');
      const runId = claimed.run.id;
      // Started as `steward up` and `steward work --run` start one (the same node flags).
      const child = spawn(process.execPath, [...(opts.nodeFlags ?? BABYSITTER_NODE_FLAGS), opts.cli ?? CLI, 'work', '--run', String(runId), '--here', '--dir', root], { stdio: 'ignore', env: childEnv });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      let done = false;
      void exited.then(() => (done = true));
      // The CLI leads its own group: the pgid the babysitter records is the CLI's pid.
      let cliPid: number | null = null;
      while (!done && cliPid === null) {
        cliPid = store.runs.get(runId)?.pgid ?? null;
        if (cliPid === null) await sleep(20);
      }
      const sitter: ProcSample[] = [];
      const cli: ProcSample[] = [];
      if (cliPid !== null) {
        for (;;) {
          const c = sample(cliPid);
          const b = sample(child.pid!);
          if (!c || !b) break;
          cli.push(c);
          sitter.push(b);
          await sleep(200);
        }
        // The CLI is gone: one last reading of the babysitter closes the window.
        const b = sample(child.pid!);
        if (b) sitter.push(b);
      }
      opts.progress?.(`[babysitter] CLI ran ${((sitter.at(-1)?.at ?? 0) - (sitter[0]?.at ?? 0)) / 1000} s; waiting for the babysitter to finish`);
      const exitCode = await exited;
      const outcome = store.runs.get(runId)?.outcome ?? null;
      if (sitter.length < 2 || cli.length < 1) throw new Error(`the CLI of run ${runId} was not seen running (babysitter exit ${exitCode}, outcome ${outcome})`);
      return {
        seconds: opts.seconds,
        intervalMs: opts.intervalMs,
        windowS: (sitter.at(-1)!.at - sitter[0]!.at) / 1000,
        babysitter: figures(sitter),
        cli: figures(cli),
        idleNodeMb: await idleNodeMb(),
        outcome,
        exitCode,
      };
    } finally {
      store.close();
    }
  } finally {
    if (existsSync(root)) rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 20);
  const intervalMs = Number(process.argv[3] ?? 500);
  const other = process.argv[4];
  const r = await measureBabysitter({ seconds, intervalMs, progress: (l) => process.stderr.write(`${l}\n`), ...(other ? { cli: other, nodeFlags: [] } : {}) });
  console.log(JSON.stringify(r, null, 2));
}
