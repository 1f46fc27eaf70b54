// One triage pass: ingest, reconcile, decide, promote, dispatch, render, digest (DESIGN §5).
import type { OpContext, Run } from '../core/types.js';
import { promoteTasks, reapRuns, type ReapResult } from '../ops/index.js';
import type { Store } from '../store/open-store.js';

/**
 * The tick's I/O, passed in (STYLE: loops receive their I/O). Each hook is optional so the core
 * steps run without files or processes; `buildTickHooks` (hooks.ts) wires the real ones.
 */
export interface TickHooks {
  /** Step 1: read inbox files (and TASKS.md edits) into the queue. */
  ingest?: (store: Store, ctx: OpContext) => Record<string, unknown>;
  /** Step 2: true when a run's worker process is known to be gone (checked on this host). */
  isDead?: (run: Run) => boolean;
  /** Step 2: after runs were marked lost, e.g. kill their orphaned process groups. */
  onLost?: (lost: ReapResult['lost']) => void;
  /** Step 5: claim ready work within the WIP caps and start (or list) workers for it. */
  dispatch?: (store: Store, ctx: OpContext) => Record<string, unknown>;
  /** Step 6: render TASKS.md. */
  render?: (store: Store, ctx: OpContext) => Record<string, unknown>;
}

export interface TickInput {
  store: Store;
  ctx: OpContext;
  hooks?: TickHooks;
}

export interface TickResult {
  reaped: Array<{ run_id: number; task_id: number; to: string }>;
  promoted: number[];
  blocked: number[];
  unblocked: number[];
  ingest?: Record<string, unknown>;
  dispatch?: Record<string, unknown>;
  render?: Record<string, unknown>;
}

/** Runs one tick; each step is idempotent and safe to run from two processes. */
export function tickOnce(input: TickInput): TickResult {
  const { store, ctx, hooks = {} } = input;
  const ingest = hooks.ingest?.(store, ctx);
  const reap = reapRuns(store, ctx, hooks.isDead);
  if (reap.lost.length) hooks.onLost?.(reap.lost);
  const promote = promoteTasks(store, ctx);
  const dispatch = hooks.dispatch?.(store, ctx);
  const render = hooks.render?.(store, ctx);
  return {
    reaped: reap.lost.map(({ run_id, task_id, to }) => ({ run_id, task_id, to })),
    ...promote,
    ...(ingest ? { ingest } : {}),
    ...(dispatch ? { dispatch } : {}),
    ...(render ? { render } : {}),
  };
}
