// Batches for workers that drain many short tasks (pg-boss's `fetch` with batchSize and `complete` with many ids;
// graphile-worker's batched completions): several claims or completions share one transaction, so one commit.
// Nothing else is shared: every task still gets its own run, lease, fencing token and audit events.
import type { StewardError } from '../core/errors.js';
import { claimBatchInput, type ClaimBatchInput, completeBatchInput, parseInput } from '../core/schemas.js';
import type { OpContext, Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { claimInTx, type ClaimLimits, type Completed, completeInTx, type WorkerInfo } from './runs.js';

/** The tasks one batch claim opened runs for, in claim order; `paused_until` when the agent is paused. */
export interface ClaimBatch {
  claims: Array<{ task: Task; run: Run }>;
  paused_until?: number;
}

/** One run's completion in a batch: done, or why not (LEASE_LOST with the result kept as late, NOT_FOUND). */
export type CompletedItem = ({ ok: true } & Completed) | { ok: false; run_id: number; error: StewardError };

/** Claims up to `limit` ready tasks in one transaction, each with its own run, in the order single claims take them. */
export function claimTasks(store: Store, input: unknown, ctx: OpContext, worker: WorkerInfo = {}, limits: ClaimLimits = {}): ClaimBatch {
  const q = parseInput(claimBatchInput, input, 'claim');
  return store.tx(() => claimBatchInTx(store, q, ctx, worker, limits));
}

function claimBatchInTx(store: Store, q: ClaimBatchInput, ctx: OpContext, worker: WorkerInfo, limits: ClaimLimits): ClaimBatch {
  const claims: ClaimBatch['claims'] = [];
  while (claims.length < q.limit) {
    const out = claimInTx(store, q, ctx, worker, limits);
    if (!out.task) return out.paused_until === undefined ? { claims } : { claims, paused_until: out.paused_until };
    claims.push(out);
  }
  return { claims };
}

/**
 * Completes several runs in one transaction, each exactly as `completeRun` would; with `next` (a batch claim) the
 * worker's next batch is claimed in the same transaction. A run that is no longer live or does not exist is reported
 * in its item — a late result is kept on its run as always — and the others complete. Input is validated whole
 * first (VALIDATION writes nothing); any other error rolls the whole batch back.
 */
export function completeRuns(
  store: Store,
  inputs: unknown,
  ctx: OpContext,
  options: { next?: unknown; worker?: WorkerInfo } = {},
): { results: CompletedItem[]; next?: ClaimBatch } {
  const items = parseInput(completeBatchInput, inputs, 'complete batch');
  const next = options.next === undefined ? undefined : parseInput(claimBatchInput, options.next, 'claim');
  return store.tx(() => {
    const results = items.map((q): CompletedItem => {
      const out = completeInTx(store, q, ctx);
      if (!out.ok) return { ok: false, run_id: q.run_id, error: out.error };
      return { ok: true, task: out.value.task, run: out.value.run, spawned: out.value.spawned };
    });
    return next ? { results, next: claimBatchInTx(store, next, ctx, options.worker ?? {}, {}) } : { results };
  });
}
