// `steward work --run N` from a shell (OpenClaw's exec): start or adopt a detached babysitter and only wait on it,
// so that killing this process (exec's timeout, a closed terminal) never kills the run.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StewardError } from '../core/errors.js';
import { runLiveness } from '../core/lease.js';
import type { Run, Task } from '../core/types.js';
import { recordRunProcess } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { babysitterEnv, CLI_MAIN, type StartRequest } from './dispatch.js';
import { hasOutboxEntry } from './outbox.js';
import { processGone, procIdentity } from './process-group.js';
import { runLogPath } from './run-log.js';

/**
 * Spawns its argument's command in a new session with stdio to a log file, prints the pid and exits: the
 * babysitter's parent is then init (or a subreaper), not the waiter, so a kill of the waiter's process
 * tree (OpenClaw walks /proc children) cannot reach it.
 */
const LAUNCHER = `
const { spawn } = require('node:child_process');
const { openSync } = require('node:fs');
const o = JSON.parse(process.argv[1]);
const fd = openSync(o.log, 'a');
const child = spawn(o.file, o.args, { cwd: o.cwd, detached: true, stdio: ['ignore', fd, fd] });
child.on('error', (err) => { process.stderr.write(String(err)); process.exit(1); });
if (child.pid) { process.stdout.write(String(child.pid)); process.exit(0); }
`;

/** Starts `steward work --run N --here` detached and re-parented (double fork); returns its pid. */
export function startDetachedBabysitter(req: StartRequest): number {
  const args = [CLI_MAIN, 'work', '--run', String(req.runId), '--here', '--dir', req.root];
  const spec = JSON.stringify({ file: process.execPath, args, cwd: req.root, log: req.logPath });
  const out = spawnSync(process.execPath, ['-e', LAUNCHER, spec], { env: babysitterEnv(process.env), encoding: 'utf8', timeout: 60_000 });
  const pid = Number(out.stdout);
  if (out.status !== 0 || !Number.isInteger(pid) || pid <= 0) {
    throw new StewardError('INTERNAL', `could not start the babysitter: ${(out.stderr || out.error?.message || `exit ${out.status}`).trim()}`);
  }
  return pid;
}

/** The waiter's I/O, passed in. */
export interface WaitDeps {
  store: Store;
  workspace: Workspace;
  now?: () => number;
  /** Starts a detached babysitter; default: startDetachedBabysitter. */
  start?: (req: StartRequest) => number;
  /** How often the run is read (default 1000 ms). */
  pollMs?: number;
  /** Told once which babysitter is waited on. */
  log?: (line: string) => void;
}

/** How waiting ended: the run's final record, or why there is none yet. */
export interface WaitResult {
  run_id: number;
  task_id: number;
  /** finished: the run has its outcome; deferred: the outcome waits in the outbox; lease_lost: the run stopped being
   * live (expired) and the babysitter left it; orphaned: the babysitter died first. */
  status: 'finished' | 'deferred' | 'lease_lost' | 'orphaned';
  /** The babysitter waited on, and whether it was already running (adopted) or started here. */
  babysitter: { pid: number; adopted: boolean };
  run: Run;
  task_status?: string;
  log_path: string;
}

/** The live babysitter recorded on the run (this host, same process identity), if any. */
function liveBabysitter(run: Run): number | undefined {
  if (!run.pid || run.host !== hostname() || run.pid === process.pid) return undefined;
  return processGone(run.pid, run.proc_start) ? undefined : run.pid;
}

/**
 * Waits until run `runId` is finished, starting a detached babysitter for it unless one is already running.
 * LEASE_LOST when the run is not live to begin with; NOT_FOUND when there is no such run.
 */
export async function waitRun(deps: WaitDeps, runId: number): Promise<WaitResult> {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const read = () => store.read(() => {
    const run = store.runs.get(runId);
    return { run, task: run ? store.tasks.get(run.task_id) : undefined };
  });
  const first = read();
  if (!first.run) throw new StewardError('NOT_FOUND', `no run ${runId}`, { run_id: runId });
  const live = runLiveness(first.run, first.task, now());
  if (live !== 'live') {
    throw new StewardError('LEASE_LOST', `run ${runId} is no longer live (${live}): nothing to babysit`, { run_id: runId, reason: live });
  }
  const logPath = first.run.log_path ?? runLogPath(deps.workspace, first.run.task_id, runId);
  let pid = liveBabysitter(first.run);
  const adopted = pid !== undefined;
  if (pid === undefined) {
    pid = (deps.start ?? startDetachedBabysitter)({ runId, taskId: first.run.task_id, logPath, root: deps.workspace.root });
    // Recorded at once so a second waiter adopts it; the babysitter records itself too.
    try {
      recordRunProcess(store, runId, { host: hostname(), pid, pgid: pid, proc_start: procIdentity(pid), log_path: logPath }, { pgidIfUnset: true });
    } catch {
      // A busy database: the babysitter's own record follows.
    }
  }
  const identity = adopted ? first.run.proc_start : procIdentity(pid);
  deps.log?.(`run ${runId}: ${adopted ? 'waiting on the running' : 'started a detached'} babysitter, pid ${pid} (log ${logPath})`);
  const pollMs = deps.pollMs ?? 1000;
  const babysitter = { pid, adopted };
  for (;;) {
    const { run, task } = read();
    const base = { run_id: runId, task_id: run!.task_id, babysitter, run: run!, task_status: task?.status, log_path: logPath };
    if (run!.status !== 'running') return { ...base, status: 'finished' };
    if (processGone(pid, identity)) {
      // One more read: the babysitter may have finished between the two checks.
      const again = read();
      if (again.run!.status !== 'running') return { ...base, run: again.run!, task_status: again.task?.status, status: 'finished' };
      if (hasOutboxEntry(deps.workspace.outboxDir, runId)) return { ...base, status: 'deferred' };
      // The babysitter found the run expired, cancelled or superseded and left it: not ours any more.
      return { ...base, status: runLiveness(again.run!, again.task, now()) === 'live' ? 'orphaned' : 'lease_lost' };
    }
    await sleep(pollMs);
  }
}
