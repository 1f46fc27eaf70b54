// A task's `verify` commands: argv words (no shell), run in the workdir, exit codes as evidence.
import { splitCommandLine } from '../core/adapters/index.js';
import { toStewardError } from '../core/errors.js';
import type { ProcessResult, SuperviseOptions } from './supervise.js';

/** One verify command's evidence. */
export interface VerifyResult {
  command: string;
  exit_code: number | null;
  signal?: string;
  /** timeout, or aborted (the run stopped being live), or the reason it could not run. */
  problem?: string;
  duration_ms: number;
  /** The last lines of its stdout and stderr. */
  output_tail: string;
}

/** All verify results; ok when every command exited 0. Stops at the first failure (the rest are `skipped`). */
export interface VerifyReport {
  ok: boolean;
  results: VerifyResult[];
  skipped: string[];
  /** A stop was requested while verifying (the run is no longer ours, or we were told to stop). */
  aborted: boolean;
}

/** How verify commands run: the supervisor and the common options. */
export interface VerifyOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  graceMs: number;
  signal?: AbortSignal;
  supervise: (o: SuperviseOptions) => Promise<ProcessResult>;
  onOutput?: SuperviseOptions['onOutput'];
  /** Called before each command, e.g. to write a header in the log. */
  onCommand?: (command: string, argv: string[]) => void;
  onStart?: (pid: number) => void;
}

const TAIL = 2000;
const tailOf = (text: string): string => (text.length <= TAIL ? text : `…${text.slice(-TAIL)}`);

/** Runs `commands` one after another; each is split with splitCommandLine and never passed to a shell. */
export async function runVerify(commands: string[], o: VerifyOptions): Promise<VerifyReport> {
  const results: VerifyResult[] = [];
  for (const [i, command] of commands.entries()) {
    let argv: string[];
    try {
      argv = splitCommandLine(command);
      if (argv.length === 0) throw new Error('empty command');
    } catch (err) {
      results.push({ command, exit_code: null, problem: toStewardError(err).message, duration_ms: 0, output_tail: '' });
      return { ok: false, results, skipped: commands.slice(i + 1), aborted: false };
    }
    o.onCommand?.(command, argv);
    const r = await o.supervise({
      file: argv[0]!, args: argv.slice(1), cwd: o.cwd, env: o.env, timeoutMs: o.timeoutMs, graceMs: o.graceMs,
      signal: o.signal, onOutput: o.onOutput, onStart: o.onStart, captureBytes: 64 * 1024,
    });
    const result: VerifyResult = {
      command,
      exit_code: r.exitCode,
      duration_ms: r.durationMs,
      output_tail: tailOf([r.stdout.trimEnd(), r.stderr.trimEnd()].filter(Boolean).join('\n')),
    };
    if (r.signal) result.signal = r.signal;
    if (r.ended === 'timeout') result.problem = `timed out after ${Math.round(o.timeoutMs / 1000)} s`;
    else if (r.ended === 'aborted') result.problem = 'stopped: the run ended while verifying';
    else if (r.ended === 'spawn_error') result.problem = r.error ?? 'could not start';
    results.push(result);
    if (r.ended === 'aborted') return { ok: false, results, skipped: commands.slice(i + 1), aborted: true };
    if (r.exitCode !== 0) return { ok: false, results, skipped: commands.slice(i + 1), aborted: false };
  }
  return { ok: true, results, skipped: [], aborted: false };
}

/** One line naming the first failed check, for the run's error. */
export function describeVerifyFailure(report: VerifyReport): string {
  const bad = report.results.find((r) => r.exit_code !== 0) ?? report.results[report.results.length - 1];
  if (!bad) return 'verify failed';
  const how = bad.problem ?? (bad.exit_code === null ? `killed by ${bad.signal ?? 'a signal'}` : `exited with code ${bad.exit_code}`);
  const tail = bad.output_tail.trim().split('\n').slice(-5).join('\n');
  return `verify failed: \`${bad.command}\` ${how}${tail ? `\n${tail}` : ''}`;
}
