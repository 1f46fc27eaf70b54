// Claude Code: `claude -p --output-format stream-json --verbose` with the prompt on stdin; the result event decides (is_error).
import { finishVerdict } from './classify.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { readResultEvent } from './result-event.js';
import type { CliAdapter } from './types.js';

/** Claude Code in print mode, streaming its events (also reads `--output-format json` output). */
export const claudeAdapter: CliAdapter = {
  cli: 'claude',
  defaultBin: 'claude',
  versionArgs: ['--version'],
  streamsEvents: true,
  build(profile, ctx) {
    // -p is --print (a boolean); without a positional prompt Claude reads it from stdin. stream-json needs --verbose.
    const own = profile.args ?? [];
    const args = [
      '-p',
      ...unlessOverridden('claude', 'output format', ['--output-format', 'stream-json', '--verbose'], own),
      ...permissionArgs('claude', profile.permissions, own),
      ...modelArgs('claude', '--model', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'claude', args, stdin: ctx.prompt };
  },
  parse(out) {
    return finishVerdict(readResultEvent('claude', out, { cacheInInput: false }), out);
  },
};
