// What a babysitter writes about its run besides heartbeats: its processes, and its outcome exactly once.
import { StewardError } from '../core/errors.js';
import type { OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { completeRun, failRun } from './runs.js';

/** Where a run's processes live and where its log is (any subset). */
export interface RunProcessInfo {
  host?: string;
  pid?: number;
  pgid?: number;
  proc_start?: string | null;
  log_path?: string;
  /** The model the run was started with (routing). */
  model?: string | null;
}

/**
 * Records process facts on a run that is still running; false when it has finished. With
 * `pgidIfUnset`, a pgid already recorded (by the babysitter, which knows its CLI's group) is kept. With
 * `ifNoProcess`, nothing is written (false) when another process is already recorded on the run: a starter
 * never overwrites the babysitter that won the run (see claimRunProcess).
 */
export function recordRunProcess(store: Store, runId: number, info: RunProcessInfo, opts: { pgidIfUnset?: boolean; ifNoProcess?: boolean } = {}): boolean {
  const patch: Partial<Run> = {};
  for (const key of ['host', 'pid', 'pgid', 'proc_start', 'log_path', 'model'] as const) {
    if (info[key] !== undefined) (patch as Record<string, unknown>)[key] = info[key];
  }
  return store.tx(() => {
    const run = store.runs.get(runId);
    if (run?.status !== 'running') return false;
    if (opts.ifNoProcess && run.pid != null && !(run.pid === info.pid && run.host === info.host)) return false;
    const { pgid, ...rest } = patch;
    const now = opts.pgidIfUnset ? rest : patch;
    if (Object.keys(now).length) store.runs.update(runId, now, true);
    if (opts.pgidIfUnset && typeof pgid === 'number') store.runs.setPgidIfUnset(runId, pgid);
    return true;
  });
}

/** Whether a process became a run's babysitter. */
export type ClaimProcessResult =
  | { status: 'claimed' }
  /** The run has finished. */
  | { status: 'not_live' }
  /** Another process is recorded on the run (alive or not): a run is babysat at most once. */
  | { status: 'taken'; pid: number; host: string | null };

/**
 * Makes process `info` the babysitter of a running run, in one transaction: only when no process is recorded on it
 * yet, or this very one (its starter recorded it). Two `steward work --run N` started at once (an exec retried, a
 * person and a sub-agent) thus never run the CLI twice; a run whose babysitter died is reaped, not restarted.
 */
export function claimRunProcess(store: Store, runId: number, info: RunProcessInfo & { pid: number; host: string }): ClaimProcessResult {
  return store.tx((): ClaimProcessResult => {
    const run = store.runs.get(runId);
    if (run?.status !== 'running') return { status: 'not_live' };
    if (run.pid != null && !(run.pid === info.pid && run.host === info.host)) return { status: 'taken', pid: run.pid, host: run.host };
    recordRunProcess(store, runId, info);
    return { status: 'claimed' };
  });
}

/** A finished run's outcome as a babysitter decided it: the input of complete or fail. */
export interface RunOutcomeRecord {
  run_id: number;
  verb: 'complete' | 'fail';
  /** completeInput or failInput without run_id. */
  input: Record<string, unknown>;
  /** The task the outcome is for (an outbox entry names it): a run of another task is CONFLICT, nothing recorded. */
  task_id?: number;
}

/** How recording an outcome went. */
export type RecordOutcomeResult =
  | { status: 'applied'; task: Pick<Task, 'id' | 'status'> }
  /** The run already ended with this kind of outcome (this record, or its worker, wrote it before). */
  | { status: 'duplicate'; run: Run }
  /** The run was no longer live (cancelled, superseded, expired): the outcome is kept on the run as late. */
  | { status: 'lease_lost'; reason: string; run: Run };

/**
 * Applies an outcome at most once: in one transaction, a run that already finished with the same
 * outcome is a duplicate (nothing is written); otherwise complete/fail decide, and a run that is no
 * longer live keeps the outcome as a late result. Safe to call again after a crash, from any process.
 */
export function recordRunOutcome(store: Store, record: RunOutcomeRecord, ctx: OpContext): RecordOutcomeResult {
  return store.tx((): RecordOutcomeResult => {
    const run = store.runs.get(record.run_id);
    if (!run) throw new StewardError('NOT_FOUND', `no run ${record.run_id}`, { run_id: record.run_id });
    // An entry of another queue (a remote worker's folder pointed at another server, an outbox copied between
    // workspaces) names a run id that is some other task's run here: it must not finish that run.
    if (record.task_id !== undefined && record.task_id !== run.task_id) {
      throw new StewardError('CONFLICT', `the outcome is for task #${record.task_id}, but run ${run.id} here is task #${run.task_id}'s (an outcome of another queue?): nothing recorded`, { run_id: run.id, task_id: record.task_id, run_task_id: run.task_id });
    }
    const same = record.verb === 'complete' ? 'completed' : 'failed';
    if (run.status === 'finished' && run.outcome === same) return { status: 'duplicate', run };
    const input = { ...record.input, run_id: record.run_id };
    try {
      const out = record.verb === 'complete' ? completeRun(store, input, ctx) : failRun(store, input, ctx);
      return { status: 'applied', task: { id: out.task.id, status: out.task.status } };
    } catch (err) {
      // completeRun/failRun kept the late result in a savepoint of this transaction; commit it.
      if (err instanceof StewardError && err.code === 'LEASE_LOST') {
        return { status: 'lease_lost', reason: String(err.details.reason ?? 'not live'), run: store.runs.get(run.id)! };
      }
      throw err;
    }
  });
}
