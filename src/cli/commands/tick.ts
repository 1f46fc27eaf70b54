// `steward tick`, alone in its module: an LLM heartbeat runs it every cycle, so it loads the tick and nothing else of
// the workspace commands (init's config loader and YAML parser, the OpenClaw installer, the adapters' table).
import { parseInput, zName } from '../../core/schemas.js';
import { digestText } from '../../tick/digest-text.js';
import { workspaceTick } from '../../tick/workspace-tick.js';
import type { Command } from '../command.js';

/** `steward tick`: one pass under the lock; prints the digest. */
export const tick: Command = {
  name: 'tick',
  summary: "run one triage pass and print the digest since this reader's last one (--reader NAME; default the heartbeat's)",
  usage: 'steward tick [--reader NAME] [--json]',
  options: { reader: { type: 'string' } },
  async run(ctx, values) {
    const pending: Array<Promise<void>> = [];
    const reader = values.reader === undefined ? undefined : parseInput(zName, values.reader, 'reader');
    const digest = workspaceTick({ workspace: ctx.workspace(), config: ctx.config(), store: ctx.store(), log: ctx.log, pending, reader })(ctx.op());
    await Promise.all(pending);
    return { json: digest, text: digestText(digest as Parameters<typeof digestText>[0]) };
  },
};

