// What a CLI command is, and the context it runs in.
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config/schema.js';
import type { OpContext } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** Everything a command may use; the store is opened on first use and closed after the command. */
export interface CliContext {
  json: boolean;
  dir: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  actor: string;
  workspace(): Workspace;
  /** The workspace's resolved config (defaults < file < STEWARD_* env); loaded on first use. */
  config(): Config;
  store(): Store;
  op(): OpContext;
  /** Writes a line to stderr (progress for people; never on stdout for --json). */
  log(line: string): void;
}

/** A command prints `json` with --json, else `text`. */
export interface CommandOutput {
  json: unknown;
  text: string;
  exitCode?: number;
  /** Print nothing on stdout (servers whose stdout belonged to a protocol, e.g. `mcp` over stdio). */
  silent?: boolean;
  /** `text` is a file's content printed as it is (a run log); any other text has its hidden characters escaped. */
  raw?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options?: Options;
  /** Names given to positional arguments, in order; the last one collects the rest when `rest` is set. */
  positionals?: string[];
  rest?: boolean;
  /**
   * false for commands that run without a valid config (init); a function decides by the flags (`work --server` runs
   * outside any workspace). Every other command resolves it first, so a bad config fails at once.
   */
  needsConfig?: boolean | ((values: Values) => boolean);
  /**
   * True for a long-lived process (a babysitter): a config the cache does not hold is loaded by a short-lived child
   * process (config/config-apart.ts), so this one never holds the YAML parser and the config schema.
   */
  configApart?: (values: Values) => boolean;
  run(ctx: CliContext, values: Values, positionals: string[]): Promise<CommandOutput> | CommandOutput;
}

/** Turns parsed flags into a snake_case input object for the zod schemas (drops undefined). */
export function flagsToInput(values: Values, skip: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || skip.includes(k)) continue;
    out[k.replace(/-/g, '_')] = v;
  }
  return out;
}

/** Options every task-creating command takes (add, propose). */
export const TASK_FIELD_OPTIONS: Options = {
  goal: { type: 'string' },
  type: { type: 'string' },
  project: { type: 'string' },
  priority: { type: 'string' },
  agent: { type: 'string' },
  after: { type: 'string' },
  then: { type: 'string' },
  key: { type: 'string' },
  review: { type: 'boolean' },
  verify: { type: 'string', multiple: true },
  'max-attempts': { type: 'string' },
  requires: { type: 'string' },
  timeout: { type: 'string' },
  complexity: { type: 'string' },
};

/** The usage text of TASK_FIELD_OPTIONS but --key and --verify (add names them; a schedule keys by slot, a proposal runs nothing). */
export const TASK_FIELD_USAGE =
  '[--goal T] [--type T] [--project P] [--priority N|urgent|high|normal|low] [--agent A] [--after ID,..] [--then JSON] [--review] [--max-attempts N] [--requires CAP,..] [--timeout S] [--complexity low|normal|high]';

/** A task's run caps (add, edit, accept — never propose): docs/BUDGETS.md. */
export const BUDGET_OPTIONS: Options = {
  'max-cost-usd': { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-turns': { type: 'string' },
  'max-minutes': { type: 'string' },
};
/** The usage text of BUDGET_OPTIONS. */
export const BUDGET_USAGE = '[--max-cost-usd N] [--max-tokens N] [--max-turns N] [--max-minutes N]';

/** Maps task-field flags to the add/propose input. */
export function taskFieldsInput(values: Values, title: string): Record<string, unknown> {
  const { timeout, ...rest } = values;
  return { ...flagsToInput(rest), title, ...(timeout !== undefined ? { timeout_seconds: timeout } : {}) };
}
