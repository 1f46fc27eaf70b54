// Claude Code: `claude -p PROMPT --output-format json`, one result object (is_error decides).
import { finishVerdict } from './classify.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { readResultEvent } from './result-event.js';
import type { CliAdapter } from './types.js';

/** Claude Code in print mode; also reads `--output-format stream-json` output. */
export const claudeAdapter: CliAdapter = {
  cli: 'claude',
  defaultBin: 'claude',
  versionArgs: ['--version'],
  build(profile, ctx) {
    // -p is --print (a boolean); the prompt is Claude's positional argument.
    const own = profile.args ?? [];
    const args = [
      '-p', ctx.prompt,
      ...unlessOverridden('claude', 'output format', ['--output-format', 'json'], own),
      ...permissionArgs('claude', profile.permissions, own),
      ...modelArgs('claude', '--model', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'claude', args };
  },
  parse(out) {
    return finishVerdict(readResultEvent('claude', out, { cacheInInput: false }), out);
  },
};
