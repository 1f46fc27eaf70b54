// Shapes shared by the CLI adapters: what a profile asks for, the argv to run, the verdict.
import type { FailureKind } from '../policy.js';
import type { PermissionMode } from './flags.js';
import type { RetrySignal } from './signals.js';

/** The coding CLIs steward knows how to drive; `command` is any argv with placeholders. */
export const CLI_KINDS = ['claude', 'codex', 'gemini', 'opencode', 'qwen', 'aider', 'command'] as const;
export type CliKind = (typeof CLI_KINDS)[number];

/** The part of an agent profile (config `agents.<name>`) that decides the command line. */
export interface AgentProfileLike {
  cli: CliKind;
  /** Executable to run instead of the CLI's usual name (ignored by `command`). */
  bin?: string;
  /** For `cli: command`: argv whose elements may hold {prompt}, {task_id}, {workdir}. */
  command?: string[];
  model?: string;
  /** Extra arguments, placed after the adapter's own flags (before a trailing prompt); they override the adapter's flags for the same setting. */
  args?: string[];
  /** How much the CLI may do unasked (flags.ts); undefined = acceptEdits. */
  permissions?: PermissionMode;
}

/** What one run is about: the prompt text and where it runs. */
export interface InvocationContext {
  prompt: string;
  taskId: number;
  workdir: string;
  /**
   * codex: the user-defined model provider its config.toml selects (`model_provider = "x"` with a
   * `[model_providers.x]` table), read by the runner (runner/retry-knobs.ts): the adapter caps that provider's own retries.
   */
  provider?: string;
  /** Where the runner writes the prompt (0600, removed after the run) when the invocation asks for a prompt file. */
  promptFile?: string;
}

/** An executable and its arguments: never a shell string. */
export interface Invocation {
  file: string;
  args: string[];
  /** The prompt on stdin (then closed) instead of in argv: byte-exact and not bound by the OS argument limit. */
  stdin?: string;
  /** Write the prompt to this file (ctx.promptFile) before the start: a command profile's {prompt_file}. */
  promptFile?: string;
}

/** What the runner captured from a finished process. */
export interface RunOutput {
  stdout: string;
  stderr: string;
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  /**
   * The CLI's own retry lines the runner read from where the CLI logs them instead of stderr (Qwen Code's debug log,
   * runner/cli-log.ts), one a line; read like stderr retry lines, never anything else of that log.
   */
  retryLog?: string;
  signal?: string | null;
}

/** The adapter's reading of a run: success, or a failure with its kind. */
export interface Verdict {
  ok: boolean;
  summary: string;
  kind?: FailureKind;
  error?: string;
  question?: string;
  retry_after_seconds?: number;
  cost_usd?: number;
  tokens_in?: number;
  tokens_out?: number;
  /** Model turns (requests) the CLI reported. */
  turns?: number;
  session_id?: string;
  /** 'config': the CLI refused to start (non-zero exit, none of its output, a reason on stderr). */
  cause?: 'config';
  /**
   * The CLI's own retry lines (Gemini CLI, Qwen Code), kept on a kill: a timeout while it retried a rate limit is no
   * strike, one while it retried a 5xx is a transient failure with that status, not a bare timeout.
   */
  retrying?: RetrySignal;
}

/** One coding CLI: how to start it headless and how to read its result. */
export interface CliAdapter {
  cli: CliKind;
  defaultBin: string;
  versionArgs: string[];
  /**
   * True when the CLI prints an event as it works (stream-json, JSONL): a stall is then no output for stallSeconds,
   * whatever the CPU does. Otherwise (a CLI that prints only at the end) CPU use of its group counts as progress too.
   */
  streamsEvents?: boolean;
  /**
   * Seconds the CLI may take to print its first output (its start-up) before the stall clock runs, when the profile has
   * no startSeconds; the stall limit then applies from the first output on. Undefined: stallSeconds alone.
   */
  startSeconds?: number;
  build(profile: AgentProfileLike, ctx: InvocationContext): Invocation;
  parse(out: RunOutput): Verdict;
}

/** Usage numbers an adapter found in the output (all optional). */
export interface Metrics {
  cost_usd?: number;
  tokens_in?: number;
  tokens_out?: number;
  /** Model turns (requests) the CLI reported. */
  turns?: number;
  session_id?: string;
}
