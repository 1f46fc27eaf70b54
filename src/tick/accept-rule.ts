// Which new proposals the tick accepts on its own (`triage.accept: auto`, per source): the rule, apart from the
// accepting (decide-proposals.ts), so the quiet tick (quiet-tick.ts) can ask whether there is any without the ops.
import { TRIAGE_SOURCES, type TriageSource } from '../config/config-constants.js';
import { acceptPolicy } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import type { Proposal } from '../core/types.js';
import type { Store } from '../store/open-store.js';

/** Whether a proposal is accepted by the tick itself; sources the config does not name follow `triage.accept`. */
export function isAutoAccepted(config: Config, proposal: Pick<Proposal, 'source'>): boolean {
  const known = (TRIAGE_SOURCES as readonly string[]).includes(proposal.source);
  const mode = known ? acceptPolicy(config, proposal.source as TriageSource) : config.triage.accept;
  return mode === 'auto';
}

/** Up to `limit` new proposals the tick would accept, oldest first. */
export function autoAcceptCandidates(store: Store, config: Config, limit: number): Proposal[] {
  // Only proposals from auto sources are read, so a backlog of manual ones never hides them.
  const auto = TRIAGE_SOURCES.filter((s) => acceptPolicy(config, s) === 'auto');
  const others = config.triage.accept === 'auto' ? TRIAGE_SOURCES : null;
  return store.read(() => store.proposals.newFrom(auto, others, limit)).filter((p) => isAutoAccepted(config, p));
}
