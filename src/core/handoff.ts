// dispatch: openclaw — what marks a run handed to the triage agent, and the rules for one whose babysitter never started.
import type { Run } from './types.js';

/** A hand-off claim is recorded as `claimed_by: "handoff:<actor>"` (the run row is the claim's audit record). */
export const HANDOFF_ACTOR_PREFIX = 'handoff:';

/** The actor a hand-off claim is made as: the tick's own actor, marked. */
export function handOffActor(actor: string): string {
  return actor.startsWith(HANDOFF_ACTOR_PREFIX) ? actor : `${HANDOFF_ACTOR_PREFIX}${actor}`;
}

/** A running run that was handed off and that no babysitter took yet: no process is recorded on it. */
export function handOffNotStarted(run: Pick<Run, 'status' | 'pid' | 'claimed_by'>): boolean {
  return run.status === 'running' && run.pid == null && (run.claimed_by ?? '').startsWith(HANDOFF_ACTOR_PREFIX);
}

/**
 * A re-offer's lease: the hand-off lease again from now, so the heartbeat that spawns the re-offer gets a whole window
 * — but never past twice the hand-off lease from the claim, so a run nobody spawns still frees its task. Never shorter
 * than the lease it has. `leaseMs` is handoffLeaseSeconds in ms.
 */
export function reofferLeaseUntil(run: Pick<Run, 'started_at' | 'lease_expires_at'>, now: number, leaseMs: number): number {
  return Math.max(run.lease_expires_at, Math.min(now + leaseMs, run.started_at + 2 * leaseMs));
}

/** The reap's record of a hand-off whose lease ended before any babysitter took it. */
export function handOffExpiredReason(run: Pick<Run, 'id' | 'lease_ms'>): string {
  return `run ${run.id} was handed off but no worker started it within its hand-off lease (${Math.round(run.lease_ms / 1000)} s); back to ready, no strike`;
}
