// aider: `aider --message-file FILE [--yes-always] --no-auto-commits --no-pretty`, plain text output.
import { finishVerdict, type Reading } from './classify.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { tailLines } from './parse-util.js';
import type { CliAdapter, RunOutput } from './types.js';

// aider exits 0 even when the model call failed; it reports that with the exception's class at the start of a
// line ("litellm.RateLimitError: …", "litellm.AuthenticationError: …"). The class name is the signal.
const MODEL_ERROR = /^litellm\.(\w+Error)\b.*$/m;

// The received count starts where a run of digits starts (the lookbehind): without it the lazy `.*?` tried every digit
// of a long run, each scanned to its end — quadratic, hours on a line of a megabyte of digits.
const TOKENS = /^Tokens: ([\d.]+)([kM]?) sent,.*?(?<![\d.])([\d.]+)([kM]?) received\./gm;
const SESSION_COST = /Cost: \$[\d.]+ message, \$([\d.]+) session\./g;

function count(value: string, suffix: string): number {
  return Math.round(Number(value) * (suffix === 'k' ? 1e3 : suffix === 'M' ? 1e6 : 1));
}

// aider prints "Tokens: 2.1k sent, 310 received. Cost: $0.01 message, $0.02 session." per model call.
function usageOf(stdout: string): Pick<Reading, 'tokens_in' | 'tokens_out' | 'cost_usd'> {
  const usage: Pick<Reading, 'tokens_in' | 'tokens_out' | 'cost_usd'> = {};
  for (const m of stdout.matchAll(TOKENS)) {
    usage.tokens_in = (usage.tokens_in ?? 0) + count(m[1], m[2]);
    usage.tokens_out = (usage.tokens_out ?? 0) + count(m[3], m[4]);
  }
  const costs = [...stdout.matchAll(SESSION_COST)];
  if (costs.length) usage.cost_usd = Number(costs[costs.length - 1][1]);
  return usage;
}

function readAider(out: RunOutput): Reading {
  const reading: Reading = { ok: false, text: out.stdout, summary: tailLines(out.stdout), ...usageOf(out.stdout) };
  const modelError = MODEL_ERROR.exec(`${out.stdout}\n${out.stderr}`);
  if (modelError) {
    reading.error = `aider reported a model error: ${modelError[0].trim()}`;
    reading.errorType = modelError[1];
  } else if (out.exitCode !== 0) {
    reading.error = tailLines(out.stderr, 1000) || `aider exited with code ${out.exitCode}`;
  } else reading.ok = true;
  return reading;
}

/**
 * aider in one-shot mode. Exit 0 does not prove work was done: verify commands should judge the diff.
 * The prompt goes in a file (`--message-file`, written 0600 by the runner and removed after the run), not bound by the
 * OS argument limit; `--message PROMPT` only when the caller has no prompt file to offer.
 */
export const aiderAdapter: CliAdapter = {
  cli: 'aider',
  defaultBin: 'aider',
  versionArgs: ['--version'],
  build(profile, ctx) {
    const own = profile.args ?? [];
    const args = [
      ...(ctx.promptFile ? ['--message-file', ctx.promptFile] : ['--message', ctx.prompt]),
      ...permissionArgs('aider', profile.permissions, own),
      ...unlessOverridden('aider', 'auto commits', ['--no-auto-commits'], own),
      ...unlessOverridden('aider', 'pretty output', ['--no-pretty'], own),
      ...modelArgs('aider', '--model', profile.model, own),
      ...own,
    ];
    return { file: profile.bin || 'aider', args, ...(ctx.promptFile ? { promptFile: ctx.promptFile } : {}) };
  },
  parse(out) {
    return finishVerdict(readAider(out), out);
  },
};
