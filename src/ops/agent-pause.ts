// A person ends an agent profile's rate-limit pause before its time (the reset a CLI reported, or a worker's
// `fail --kind rate_limit --retry-after`, up to 7 days).
import { StewardError } from '../core/errors.js';
import { parseInput, zName } from '../core/schemas.js';
import type { OpContext } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { logEvent } from './transition.js';

/**
 * Ends the pause of agent profile `agent` now (an `agent_resumed` event records who and what the pause was). The
 * tasks its rate limit put back keep their retry time; every other task is claimable by it at once.
 * INVALID_TRANSITION when it is not paused.
 */
export function resumeAgent(store: Store, agent: unknown, ctx: OpContext): { agent: string; was_paused_until: number; reason: string | null } {
  const name = parseInput(zName, agent, 'agent');
  return store.tx(() => {
    const paused = store.agents.paused(ctx.now).find((p) => p.name === name);
    if (!paused || !store.agents.resume(name, ctx.now)) {
      throw new StewardError('INVALID_TRANSITION', `agent profile ${name} is not paused`, { agent: name });
    }
    logEvent(store, ctx, 'agent_resumed', {}, `pause until ${new Date(paused.paused_until).toISOString()} ended by hand`, { agent: name, paused_until: paused.paused_until, paused_reason: paused.reason });
    return { agent: name, was_paused_until: paused.paused_until, reason: paused.reason };
  });
}
