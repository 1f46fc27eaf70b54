// Whether a run may still write: the fencing rule in one place.
import type { Run, Task } from './types.js';

/** Why a run is or is not live. Only `live` may heartbeat, complete or fail. */
export type Liveness = 'live' | 'expired' | 'superseded' | 'finished';

/** A run is live when it is the task's current run, still running, and its lease has not ended. */
export function runLiveness(run: Run, task: Task | undefined, now: number): Liveness {
  if (run.status !== 'running') return 'finished';
  if (!task || task.current_run_id !== run.id || task.status !== 'running') return 'superseded';
  if (run.lease_expires_at <= now) return 'expired';
  return 'live';
}

/** The time a run's lease is judged at: when the outcome was decided (see OpContext.decidedAt) if that is plausible, else now. */
export function leaseJudgedAt(run: Pick<Run, 'started_at'>, now: number, decidedAt?: number): number {
  return decidedAt !== undefined && decidedAt >= run.started_at && decidedAt <= now ? decidedAt : now;
}
