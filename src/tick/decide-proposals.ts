// Tick step 3: accept the proposals the policy lets through without a decision (`triage.accept: auto`).
import type { Config } from '../config/schema.js';
import { toStewardError } from '../core/errors.js';
import type { OpContext, Proposal } from '../core/types.js';
import { acceptInTx } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { isStoreFailure } from '../store/sqlite-errors.js';
import { autoAcceptCandidates } from './accept-rule.js';

/** The actor the tick decides as. */
export const TRIAGE_ACTOR = 'triage';
/** Proposals looked at per tick; the rest wait for the next one. */
export const DECIDE_BATCH = 500;

/** What the decide step did. */
export interface DecideResult {
  accepted: Array<{ proposal_id: number; task_id: number }>;
  /**
   * Proposals the policy would accept but that cannot be (a missing dependency, a key taken): left for a person, with
   * the reason in their `auto_refused`, and not tried again by the tick.
   */
  refused: Array<{ proposal_id: number; code: string; message: string }>;
}

/** Accepts every new proposal the policy allows, each in its own transaction, as actor `triage`. */
export function decideProposals(store: Store, ctx: OpContext, config: Config): DecideResult {
  const result: DecideResult = { accepted: [], refused: [] };
  const triage = { ...ctx, actor: TRIAGE_ACTOR };
  const candidates = autoAcceptCandidates(store, config, DECIDE_BATCH);
  for (const p of candidates) {
    try {
      const out = store.tx(() => {
        // Re-read inside the write lock: another tick (or a person) may have decided it meanwhile.
        if (store.proposals.get(p.id)?.status !== 'new') return undefined;
        return acceptInTx(store, { proposal_id: p.id }, triage);
      });
      if (out) result.accepted.push({ proposal_id: p.id, task_id: out.task.id });
    } catch (err) {
      // Recorded against the proposal (left for a person); only the database's own failure stops the tick.
      if (isStoreFailure(err)) throw err;
      const e = toStewardError(err);
      result.refused.push({ proposal_id: p.id, code: e.code, message: e.message });
      // Not tried again by the tick (autoAcceptCandidates passes it over): a person decides.
      store.tx(() => store.proposals.update(p.id, { auto_refused: `${e.code}: ${e.message}` }, 'new'));
    }
  }
  return result;
}
