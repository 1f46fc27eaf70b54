// Any command: `command` argv with {prompt} {prompt_file} {task_id} {workdir}; success is exit code 0.
import { StewardError } from '../errors.js';
import { finishVerdict, type Reading } from './classify.js';
import { tailLines } from './parse-util.js';
import { readProtocolLine } from './signals.js';
import type { CliAdapter, InvocationContext, RunOutput } from './types.js';

const PLACEHOLDER = /\{(prompt_file|prompt|task_id|workdir)\}/g;

/**
 * Replaces {prompt}, {prompt_file}, {task_id} and {workdir} in one argv element, in a single pass (values are not
 * rescanned). {prompt_file} is the path of a file holding the prompt: not bound by the OS argument limit (128 KiB).
 */
export function substitutePlaceholders(element: string, ctx: InvocationContext): string {
  const values = { prompt: ctx.prompt, prompt_file: ctx.promptFile ?? '', task_id: String(ctx.taskId), workdir: ctx.workdir };
  return element.replace(PLACEHOLDER, (_match, key: keyof typeof values) => values[key]);
}

// Success is exit 0; a failure's kind comes from a STEWARD_RESULT line (signals.ts), else it is transient.
function readCommand(out: RunOutput): Reading {
  const reading: Reading = { ok: out.exitCode === 0, text: out.stdout, summary: tailLines(out.stdout) };
  const said = readProtocolLine(out.stdout, out.stderr);
  const stderr = out.stderr.trim() ? `: ${tailLines(out.stderr, 1000)}` : '';
  if (said) {
    reading.ok = false;
    reading.kind = said.kind;
    if (said.retry_after_seconds !== undefined) reading.retryAfterSeconds = said.retry_after_seconds;
    const why = said.message || `exited with code ${out.exitCode}`;
    reading.error = said.kind === 'rate_limit' ? `rate limited: ${why} (STEWARD_RESULT)` : `STEWARD_RESULT ${said.kind}: ${why}`;
    // needs_input: the line's text is the question (a NEEDS_INPUT: line in stdout works too).
    if (said.kind === 'needs_input') reading.text = `NEEDS_INPUT: ${said.message || 'the command asked for input'}`;
  } else if (!reading.ok) reading.error = `exited with code ${out.exitCode}${stderr}`;
  return reading;
}

/** A user-defined command; `command[0]` is the executable, elements are never re-split. */
export const commandAdapter: CliAdapter = {
  cli: 'command',
  defaultBin: '',
  versionArgs: [],
  build(profile, ctx) {
    const argv = [...(profile.command ?? []), ...(profile.args ?? [])].map((el) => substitutePlaceholders(el, ctx));
    if (!profile.command?.length || !argv[0]) {
      throw new StewardError('VALIDATION', 'an agent with cli: command needs a non-empty `command` argv', { cli: 'command' });
    }
    const wantsFile = [...(profile.command ?? []), ...(profile.args ?? [])].some((el) => el.includes('{prompt_file}'));
    if (wantsFile && !ctx.promptFile) throw new StewardError('VALIDATION', '{prompt_file} needs a prompt file from the runner', { cli: 'command' });
    return { file: argv[0], args: argv.slice(1), ...(wantsFile ? { promptFile: ctx.promptFile } : {}) };
  },
  parse(out) {
    return finishVerdict(readCommand(out), out);
  },
};
