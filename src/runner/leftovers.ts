// What a run leaves running after its CLI ended: processes that carry the run's STEWARD_RUN_ID but left its group.
import { groupsByEnv, ownPgid, signalGroup, terminateGroup } from './process-group.js';

/**
 * The process groups (not ours) of live processes whose environment carries this workspace's STEWARD_DIR and this
 * run's STEWARD_RUN_ID. A coding CLI that runs its shell tool in a new session (Claude Code, opencode, Gemini CLI)
 * puts a `nohup sleep &` outside its own group, so killing the CLI's group does not reach it; the environment does.
 */
export function runLeftoverGroups(root: string, runId: number): number[] {
  const mine = new Set([ownPgid(), process.pid]);
  const key = String(runId);
  return (groupsByEnv({ STEWARD_DIR: root, STEWARD_RUN_ID: key }, 'STEWARD_RUN_ID').get(key) ?? []).filter((g) => !mine.has(g));
}

/** SIGTERM, then SIGKILL after `graceMs`, to every leftover group of the run; a second scan SIGKILLs late forks. Returns the groups. */
export async function killRunLeftovers(root: string, runId: number, graceMs: number): Promise<number[]> {
  const groups = runLeftoverGroups(root, runId);
  if (groups.length === 0) return [];
  await Promise.all(groups.map((g) => terminateGroup(g, graceMs)));
  for (const g of runLeftoverGroups(root, runId)) signalGroup(g, 'SIGKILL');
  return groups;
}

/** killRunLeftovers, said in the run's log: `after` names what just ended (the CLI, the verify commands). */
export async function sweepRunLeftovers(root: string, runId: number, graceMs: number, after: string, line: (text: string) => void): Promise<void> {
  const left = await killRunLeftovers(root, runId, graceMs);
  if (left.length) line(`killed ${left.length} leftover process group(s) of run ${runId} after ${after}: ${left.join(', ')}`);
}
