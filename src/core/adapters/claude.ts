// Claude Code: `claude -p PROMPT --output-format json`, one result object (is_error decides).
import { finishVerdict } from './classify.js';
import { readResultEvent } from './result-event.js';
import type { CliAdapter } from './types.js';

/** Claude Code in print mode; also reads `--output-format stream-json` output. */
export const claudeAdapter: CliAdapter = {
  cli: 'claude',
  defaultBin: 'claude',
  versionArgs: ['--version'],
  build(profile, ctx) {
    // -p is --print (a boolean); the prompt is Claude's positional argument.
    const args = ['-p', ctx.prompt, '--output-format', 'json', '--permission-mode', 'bypassPermissions'];
    if (profile.model) args.push('--model', profile.model);
    args.push(...(profile.args ?? []));
    return { file: profile.bin || 'claude', args };
  },
  parse(out) {
    return finishVerdict(readResultEvent('claude', out, { cacheInInput: false }), out);
  },
};
