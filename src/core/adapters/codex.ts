// Codex: `codex exec --json ... -` with the prompt on stdin, JSONL events; the last agent_message is the answer.
import { finishVerdict, type Reading } from './classify.js';
import { describeUnreadable, isObject, num, parseJsonEvents, str, sum, type JsonObject } from './parse-util.js';
import { modelArgs, permissionArgs, unlessOverridden } from './flags.js';
import { kindOfErrorType, statusInCliError } from './signals.js';
import type { CliAdapter, RunOutput } from './types.js';

function errorMessage(event: JsonObject): string {
  const error = event.error;
  return str(event.message) ?? str(isObject(error) ? error.message : error) ?? JSON.stringify(error ?? event);
}

function readCodex(out: RunOutput): Reading {
  const parsed = parseJsonEvents(out.stdout);
  const { events } = parsed;
  let text = '';
  let tokensIn: number | undefined;
  let tokensOut: number | undefined;
  let turns: number | undefined;
  const errors: string[] = [];
  const errorTypes: string[] = [];
  let session_id: string | undefined;
  for (const event of events) {
    const item = isObject(event.item) ? event.item : undefined;
    if (event.type === 'thread.started') session_id = str(event.thread_id) ?? session_id;
    else if (event.type === 'item.completed' && item?.type === 'agent_message') text = str(item.text) ?? text;
    else if (event.type === 'turn.completed' && isObject(event.usage)) {
      // Codex's input_tokens already include cached_input_tokens (OpenAI counting).
      tokensIn = sum(tokensIn, num(event.usage.input_tokens));
      tokensOut = sum(tokensOut, num(event.usage.output_tokens));
      turns = (turns ?? 0) + 1;
    } else if (event.type === 'turn.failed' || event.type === 'error') {
      errors.push(errorMessage(event));
      const info = isObject(event.error) ? (event.error.codex_error_info ?? event.error.type) : undefined;
      if (typeof info === 'string') errorTypes.push(info);
    }
  }
  const reading: Reading = { ok: false, text, session_id, tokens_in: tokensIn, tokens_out: tokensOut, turns, silent: parsed.empty };
  const last = events[events.length - 1];
  if (errors.length) {
    reading.error = [...new Set(errors)].join('\n');
    // Codex's own error messages: "unexpected status 401 …", "exceeded retry limit, last status: 429 …".
    const status = errors.map((e) => statusInCliError(e)).filter((s) => s !== undefined).pop();
    if (status !== undefined) reading.status = status;
    const type = errorTypes.find((t) => kindOfErrorType(t) !== undefined);
    if (type !== undefined) reading.errorType = type;
  } else if (!events.length || parsed.truncated) {
    reading.error = describeUnreadable('codex', out.stdout, parsed);
  } else if (last.type !== 'turn.completed') {
    const how = out.exitCode === 0 ? 'output ended' : `exited with code ${out.exitCode}`;
    reading.error = `codex ${how} without turn.completed (last event: ${String(last.type)})`;
  }
  else if (out.exitCode !== 0) reading.error = `codex exited with code ${out.exitCode}`;
  else reading.ok = true;
  return reading;
}

/** Codex's own retries of a failed model request and of a dropped stream, kept small so steward's backoff decides. */
export const CODEX_RETRY_CAPS = { request_max_retries: 1, stream_max_retries: 1 } as const;

/**
 * `-c model_providers.<p>.<knob>=N` for each retry knob of the provider the config selects, unless the profile's args set
 * that knob themselves. Only a provider defined in config.toml can take them (codex refuses a half-defined table, and its
 * built-in providers cannot be changed), so nothing is added without `provider`.
 */
export function codexRetryArgs(provider: string | undefined, own: readonly string[]): string[] {
  if (!provider || !/^[A-Za-z0-9_-]+$/.test(provider)) return [];
  return Object.entries(CODEX_RETRY_CAPS).flatMap(([knob, n]) => {
    const key = `model_providers.${provider}.${knob}`;
    return own.some((a) => a.includes(key)) ? [] : ['-c', `${key}=${n}`];
  });
}

/** Codex CLI `exec` mode. The runner must close stdin: `codex exec` waits on an open pipe. */
export const codexAdapter: CliAdapter = {
  cli: 'codex',
  defaultBin: 'codex',
  versionArgs: ['--version'],
  streamsEvents: true,
  build(profile, ctx) {
    const own = profile.args ?? [];
    const args = [
      'exec', '--json',
      ...unlessOverridden('codex', 'git repo check', ['--skip-git-repo-check'], own),
      ...permissionArgs('codex', profile.permissions, own),
      ...unlessOverridden('codex', 'working directory', ['-C', ctx.workdir], own),
      ...modelArgs('codex', '-m', profile.model, own),
      ...codexRetryArgs(ctx.provider, own),
      // `-` reads the prompt from stdin (then EOF: an open stdin would keep codex waiting).
      ...own, '-',
    ];
    return { file: profile.bin || 'codex', args, stdin: ctx.prompt };
  },
  parse(out) {
    return finishVerdict(readCodex(out), out);
  },
};
