// Qwen Code: `qwen -o stream-json` with the prompt on stdin, Claude-like JSONL events ending in a result (also reads `-o json`'s array).
import { finishVerdict } from './classify.js';
import { readResultEvent } from './result-event.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { cliRetryLines } from './signals.js';
import type { CliAdapter } from './types.js';

/**
 * Qwen Code headless; exit 55 means its session budget ran out. API errors may come success-shaped (0.15). stream-json,
 * so that a run that prints nothing (a hung model call) is a stall whatever CPU the CLI keeps busy meanwhile.
 * The prompt goes on stdin (not bound by the OS argument limit): with no prompt argument and stdin not a terminal
 * Qwen Code runs headless and takes stdin as the prompt (0.15 appends a blank line: `${stdin}\n\n`).
 */
export const qwenAdapter: CliAdapter = {
  cli: 'qwen',
  defaultBin: 'qwen',
  versionArgs: ['--version'],
  streamsEvents: true,
  // Its first line (stderr) comes 20-30 s after its start on a loaded 2-core machine (measured with e2e/).
  startSeconds: 120,
  build(profile, ctx) {
    const own = profile.args ?? [];
    const args = [
      ...unlessOverridden('qwen', 'output format', ['-o', 'stream-json'], own),
      ...permissionArgs('qwen', profile.permissions, own),
      ...modelArgs('qwen', '-m', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'qwen', args, stdin: ctx.prompt };
  },
  parse(out) {
    const reading = readResultEvent('qwen', out, { cacheInInput: true, successShapedErrors: true });
    // A fork of Gemini CLI: it logs "Attempt N failed with status 429" while it retries, in its debug log (the runner
    // hands those lines over as retryLog) rather than on stderr.
    reading.retry = cliRetryLines([out.stderr, out.retryLog ?? ''].join('\n'));
    if (out.exitCode === 55) {
      reading.ok = false;
      reading.kind = 'transient';
      reading.error = `qwen stopped at its session budget (exit 55)${reading.error ? `: ${reading.error}` : ''}`;
    }
    return finishVerdict(reading, out);
  },
};
