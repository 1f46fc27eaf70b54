// A remote worker's run belongs to the token that claimed it (its name, `claimed_by`): the worker API and the MCP worker
// tools write such a run (heartbeat, log, complete, fail) only for that name, so a worker token that learns or guesses
// another's run id (they are sequential) cannot extend, write or finish it.
import { StewardError } from '../core/errors.js';
import type { Run } from '../core/types.js';

/** The `host` recorded on a remote worker's run: never this machine's, so no pid check here ever reaps it. */
export const REMOTE_HOST_PREFIX = 'remote:';

/** True for a run a remote worker claimed through the worker API. */
export const isRemoteRun = (run: Pick<Run, 'host'>): boolean => run.host?.startsWith(REMOTE_HOST_PREFIX) ?? false;

/**
 * FORBIDDEN when `run` is a remote worker's run claimed under another name than `actor`, the name of the token asking.
 * A run whose claimer was not recorded (claimed before steward kept it) is anyone's; a run that is not remote is not
 * this check's.
 */
export function checkRemoteClaimer(run: Pick<Run, 'id' | 'host' | 'claimed_by'>, actor: string): void {
  if (!isRemoteRun(run) || run.claimed_by == null || run.claimed_by === actor) return;
  throw new StewardError('FORBIDDEN', `run ${run.id} was claimed by worker "${run.claimed_by}", not by this token's "${actor}": a worker token acts only on the runs it claimed`, { run_id: run.id, claimed_by: run.claimed_by, actor });
}
