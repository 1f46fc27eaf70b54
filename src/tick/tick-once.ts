// One triage pass. Steps so far: reap lost runs, promote/block by dependencies.
import type { OpContext, Run } from '../core/types.js';
import { promoteTasks, reapRuns } from '../ops/index.js';
import type { Store } from '../store/open-store.js';

export interface TickInput {
  store: Store;
  ctx: OpContext;
  /** True when a run's worker process is known to be gone (checked on this host). */
  isDead?: (run: Run) => boolean;
}

export interface TickResult {
  reaped: Array<{ run_id: number; task_id: number; to: string }>;
  promoted: number[];
  blocked: number[];
  unblocked: number[];
}

/** Runs one tick; each step is idempotent and safe to run from two processes. */
export function tickOnce(input: TickInput): TickResult {
  const { store, ctx } = input;
  const reap = reapRuns(store, ctx, input.isDead);
  const promote = promoteTasks(store, ctx);
  return {
    reaped: reap.lost.map(({ run_id, task_id, to }) => ({ run_id, task_id, to })),
    ...promote,
  };
}
