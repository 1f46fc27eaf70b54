// `steward work --run N` from a shell (OpenClaw's exec): start or adopt a detached babysitter and only wait on it,
// so that killing this process (exec's timeout, a closed terminal) never kills the run.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StewardError } from '../core/errors.js';
import { runLiveness } from '../core/lease.js';
import type { Run, Task } from '../core/types.js';
import { recordRunProcess } from '../ops/run-records.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { babysitterLogPath, startDetached } from './detach.js';
import type { StartRequest } from './dispatch.js';
import { hasOutboxEntry } from './outbox.js';
import { processGone, procIdentity } from './process-group.js';
import { runLogPath } from './run-log.js';

/** The waiter's I/O, passed in. */
export interface WaitDeps {
  store: Store;
  workspace: Workspace;
  now?: () => number;
  /**
   * Starts a detached babysitter (or hands over the one the early waiter already started, src/cli/early-waiter.ts);
   * default: startDetached. Its output goes to .steward/logs/babysitter-RUN.log; the CLI's to the run's log.
   */
  start?: (req: StartRequest) => number | Promise<number>;
  /** How often the run is read (default 1000 ms). */
  pollMs?: number;
  /** Told once which babysitter is waited on. */
  log?: (line: string) => void;
  /** Called once the run's babysitter is out of this process's reach (started or adopted), before the long wait. */
  onDetached?: () => void;
}

/** How waiting ended: the run's final record, or why there is none yet. */
export interface WaitResult {
  run_id: number;
  task_id: number;
  /** finished: the run has its outcome; deferred: the outcome waits in the outbox; lease_lost: the run stopped being
   * live (expired) and the babysitter left it; orphaned: its babysitter died first. */
  status: 'finished' | 'deferred' | 'lease_lost' | 'orphaned';
  /** The babysitter waited on, and whether it was already recorded on the run (adopted) or started here. */
  babysitter: { pid: number; adopted: boolean };
  run: Run;
  task_status?: string;
  log_path: string;
}

/**
 * The process recorded on the run if it is alive (a babysitter, or one being started); one on another host is taken
 * as alive (its lease says when it is not).
 */
function liveProcess(run: Run): number | undefined {
  if (!run.pid || run.pid === process.pid) return undefined;
  if (run.host !== hostname()) return run.pid;
  return processGone(run.pid, run.proc_start) ? undefined : run.pid;
}

/**
 * Waits until run `runId` is finished. A run with a live babysitter is adopted; a run with none gets one (started
 * detached; two waiters at once may start two, and the run keeps the first to claim it: claimRunProcess). A run whose
 * recorded babysitter is dead is not restarted (orphaned: the tick reaps it). A run that has finished is reported as
 * it ended (so the command is safe to repeat); LEASE_LOST when it is running but not live (expired, superseded);
 * NOT_FOUND when there is no such run.
 */
export async function waitRun(deps: WaitDeps, runId: number): Promise<WaitResult> {
  const { store } = deps;
  const now = deps.now ?? (() => store.now());
  const read = () => store.read(() => {
    const run = store.runs.get(runId);
    return { run, task: run ? store.tasks.get(run.task_id) : undefined };
  });
  const first = read();
  if (!first.run) throw new StewardError('NOT_FOUND', `no run ${runId}`, { run_id: runId });
  const logPath = first.run.log_path ?? runLogPath(deps.workspace, first.run.task_id, runId);
  if (first.run.status !== 'running') {
    // Already recorded (the same command run again after exec killed it): the same last line.
    deps.onDetached?.();
    const babysitter = { pid: first.run.pid ?? 0, adopted: true };
    return { run_id: runId, task_id: first.run.task_id, status: 'finished', babysitter, run: first.run, task_status: first.task?.status, log_path: logPath };
  }
  const live = runLiveness(first.run, first.task, now());
  if (live !== 'live') {
    throw new StewardError('LEASE_LOST', `run ${runId} is no longer live (${live}): nothing to babysit`, { run_id: runId, reason: live });
  }
  const recorded = first.run.pid ?? undefined;
  const adoptedPid = liveProcess(first.run);
  let started: { pid: number; identity: string | null } | undefined;
  if (adoptedPid === undefined && recorded === undefined) {
    const start = deps.start ?? ((req: StartRequest) => startDetached({ runId: req.runId, root: req.root, logPath: babysitterLogPath(req.root, req.runId) }));
    let pid: number;
    try {
      pid = await start({ runId, taskId: first.run.task_id, logPath, root: deps.workspace.root });
    } catch (err) {
      throw new StewardError('INTERNAL', (err as Error).message, { run_id: runId });
    }
    started = { pid, identity: procIdentity(pid) };
    // Recorded at once (unless a babysitter got there first) so that a second waiter adopts it; it records itself too.
    try {
      recordRunProcess(store, runId, { host: hostname(), pid, pgid: pid, proc_start: started.identity, log_path: logPath }, { pgidIfUnset: true, ifNoProcess: true });
    } catch {
      // A busy database: the babysitter's own record follows.
    }
  }
  deps.onDetached?.();
  const babysitter = { pid: adoptedPid ?? started?.pid ?? recorded!, adopted: started === undefined };
  const whose = started ? 'started a detached' : adoptedPid !== undefined ? 'waiting on the running' : 'the run\'s recorded';
  deps.log?.(`run ${runId}: ${whose} babysitter, pid ${babysitter.pid} (log ${logPath})`);
  const pollMs = deps.pollMs ?? 1000;
  for (;;) {
    const { run, task } = read();
    const base = { run_id: runId, task_id: run!.task_id, babysitter, run: run!, task_status: task?.status, log_path: logPath };
    if (run!.status !== 'running') return { ...base, status: 'finished' };
    const owner = liveProcess(run!);
    if (owner !== undefined) babysitter.pid = owner;
    // Nobody alive for the run: not the recorded babysitter, and not the one started here (it may still be loading).
    const starting = started !== undefined && !processGone(started.pid, started.identity);
    if (owner === undefined && !starting) {
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
