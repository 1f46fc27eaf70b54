// The runner's part of the tick: the outbox, which runs' babysitters died, killing orphans, and dispatch.
import { hostname } from 'node:os';
import type { OpContext, Run } from '../core/types.js';
import type { Config } from '../config/schema.js';
import type { ReapResult } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { mergeQueued } from '../git/index.js';
import { dispatchLocal, type DispatchDeps } from './dispatch.js';
import { adoptOrphanedTemps, applyOutbox, hasOutboxEntry } from './outbox.js';
import { groupsByEnv, ownPgid, processGone, signalGroup } from './process-group.js';

/**
 * `isDead` for the tick: a run's babysitter is dead when it ran on this host and its pid is gone,
 * a zombie, or now a different process (start identity differs). Runs of other hosts, runs without
 * a pid, and runs whose outcome waits in the outbox are never dead here (their lease decides) — nor
 * is a run whose babysitter died after writing its outcome but before renaming the file (it is
 * completed here, and this tick's dispatch step applies it).
 */
export function makeIsDead(workspace: Workspace, host = hostname()): (run: Run) => boolean {
  return (run) => {
    if (run.host !== host || !run.pid) return false;
    if (hasOutboxEntry(workspace.outboxDir, run.id)) return false;
    if (!processGone(run.pid, run.proc_start)) return false;
    return adoptOrphanedTemps(workspace.outboxDir, run.id).length === 0;
  };
}

/**
 * `onLost` for the tick: SIGKILLs what is left of each lost run of this host — its recorded process group, and every
 * group whose processes carry the run's STEWARD_DIR and STEWARD_RUN_ID (a CLI whose group was never recorded, or a
 * child that left it). Never the tick's own group.
 */
export function makeOnLost(workspace: Pick<Workspace, 'root'>, host = hostname()): (lost: ReapResult['lost']) => void {
  return (lost) => {
    const here = lost.filter(({ run }) => run.host === host);
    if (here.length === 0) return;
    const mine = ownPgid();
    const byRun = groupsByEnv({ STEWARD_DIR: workspace.root }, 'STEWARD_RUN_ID');
    for (const { run } of here) {
      const groups = new Set(byRun.get(String(run.id)));
      if (run.pgid) groups.add(run.pgid);
      for (const pgid of groups) if (pgid !== mine) signalGroup(pgid, 'SIGKILL');
    }
  };
}

/**
 * `outbox` for the tick: applies the outcomes waiting in the outbox. It runs before the reap, so a run whose
 * babysitter decided its outcome while the lease held is finished with that outcome, never reaped as lost.
 */
export function makeApplyOutbox(workspace: Pick<Workspace, 'outboxDir'>): (store: Store, ctx: OpContext) => Record<string, unknown> {
  return (store, ctx) => {
    const outbox = applyOutbox(store, workspace.outboxDir, ctx);
    if (!Object.values(outbox).some((list) => list.length > 0)) return {};
    // Counted in the digest's `acted` (a rejected entry is an item of its own there, from its outbox_rejected event).
    const acted = { outcomes_applied: outbox.applied.length + outbox.late.length + outbox.duplicate.length };
    return { ...outbox, acted };
  };
}

/** `dispatch` for the tick: merge approved branches back, then (dispatch: local) start work within the caps. */
export function makeDispatch(
  deps: { workspace: Workspace; config: Config } & Pick<DispatchDeps, 'start' | 'which'>,
): (store: Store, ctx: OpContext) => Record<string, unknown> {
  return (store, ctx) => {
    const result: Record<string, unknown> = { mode: deps.config.dispatch };
    // Approved task branches merge back before new work starts (docs/WORKTREES.md).
    const merges = mergeQueued({ store, config: deps.config, workspace: deps.workspace, ctx: () => ctx });
    const mergeActs: Record<string, number> = {};
    if (merges.length) {
      result.merges = merges;
      const merged = merges.filter((m) => m.status === 'merged').length;
      if (merged) mergeActs.merged = merged;
      if (merges.length - merged) mergeActs.merge_conflicts = merges.length - merged;
    }
    if (deps.config.dispatch === 'local') {
      const report = dispatchLocal({ ...deps, store, ctx });
      Object.assign(result, report, { acted: { ...mergeActs, ...(report.started.length ? { started: report.started.length } : {}) } });
    }
    if (deps.config.dispatch === 'openclaw') {
      const report = dispatchLocal({ ...deps, store, ctx, handOff: true });
      const again = report.handoff.filter((h) => h.reoffered).length;
      const fresh = report.handoff.length - again;
      Object.assign(result, report, { acted: { ...mergeActs, ...(fresh ? { handed_off: fresh } : {}), ...(again ? { reoffered: again } : {}) } });
    }
    if (deps.config.dispatch === 'none' && merges.length) result.acted = mergeActs;
    return result;
  };
}
