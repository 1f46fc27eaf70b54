// Qwen Code: `qwen PROMPT -o json --yolo`, a JSON array whose last item is a Claude-like result.
import { finishVerdict } from './classify.js';
import { readResultEvent } from './result-event.js';
import { cliRetryLines } from './signals.js';
import type { CliAdapter } from './types.js';

/** Qwen Code headless; exit 55 means its session budget ran out. API errors may come success-shaped (0.15). */
export const qwenAdapter: CliAdapter = {
  cli: 'qwen',
  defaultBin: 'qwen',
  versionArgs: ['--version'],
  build(profile, ctx) {
    const args = [ctx.prompt, '-o', 'json', '--yolo'];
    if (profile.model) args.push('-m', profile.model);
    args.push(...(profile.args ?? []));
    return { file: profile.bin || 'qwen', args };
  },
  parse(out) {
    const reading = readResultEvent('qwen', out, { cacheInInput: true, successShapedErrors: true });
    // A fork of Gemini CLI: it logs "Attempt N failed with status 429" while it retries.
    reading.retry = cliRetryLines(out.stderr);
    if (out.exitCode === 55) {
      reading.ok = false;
      reading.kind = 'transient';
      reading.error = `qwen stopped at its session budget (exit 55)${reading.error ? `: ${reading.error}` : ''}`;
    }
    return finishVerdict(reading, out);
  },
};
