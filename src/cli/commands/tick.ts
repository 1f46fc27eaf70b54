// `steward tick`, alone in its module: an LLM heartbeat runs it every cycle, so it loads the tick and nothing else of
// the workspace commands (init's config loader and YAML parser, the OpenClaw installer, the adapters' table). Most
// cycles find nothing to do: the quiet tick (tick/quiet-tick.ts) proves that with a few checks and takes the digest
// without zod, gray-matter, croner, the runner or git; only when a step may act is the full tick loaded and run.
import { parseNameInput } from '../../core/fast-input.js';
import type { Digest } from '../../tick/digest.js';
import { digestText } from '../../tick/digest-text.js';
import { quietTick } from '../../tick/quiet-tick.js';
import type { Command } from '../command.js';

/** `steward tick`: one pass under the lock; prints the digest. */
export const tick: Command = {
  name: 'tick',
  summary: "run one triage pass and print the digest since this reader's last one (--reader NAME; default the heartbeat's)",
  usage: 'steward tick [--reader NAME] [--json]',
  options: { reader: { type: 'string' } },
  async run(ctx, values) {
    const pending: Array<Promise<void>> = [];
    const reader = values.reader === undefined ? undefined : parseNameInput(values.reader, 'reader');
    const deps = { workspace: ctx.workspace(), config: ctx.config(), store: ctx.store() };
    const op = ctx.op();
    // STEWARD_QUIET_TICK=0: always the full tick (a switch to rule the quiet tick out; the tests compare the two).
    const quiet = ctx.env.STEWARD_QUIET_TICK === '0' ? { full: 'STEWARD_QUIET_TICK=0' } : await quietTick({ ...deps, ctx: op, reader });
    let digest: Record<string, unknown> & { quiet: boolean };
    if ('full' in quiet) {
      const { workspaceTick } = await import('../../tick/workspace-tick.js');
      digest = workspaceTick({ ...deps, log: ctx.log, pending, reader, ...(quiet.owner ? { owner: quiet.owner } : {}) })(op);
    } else if ('busy' in quiet) {
      digest = quiet.busy;
    } else {
      digest = quiet.digest as Digest & Record<string, unknown>;
      if (!digest.quiet) {
        const { notifiesFor, notifyOnce } = await import('../../tick/notify.js');
        if (notifiesFor(reader, deps.workspace.stewardDir)) pending.push(notifyOnce(deps.store, deps.config, op.now, reader, digest, ctx.log));
      }
    }
    await Promise.all(pending);
    return { json: digest, text: digestText(digest as Parameters<typeof digestText>[0]) };
  },
};
