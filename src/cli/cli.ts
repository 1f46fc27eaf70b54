// The `steward` command line: global flags, dispatch, output and exit codes (main.ts is the executable).
// Start-up matters (agents and heartbeats call the CLI all day): what every command needs is imported here; the
// config (yaml, zod), the store (better-sqlite3) and each command's module load only when the command runs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { visibleText } from '../core/visible-text.js';
import type { Config } from '../config/schema.js';
import { StewardError, exitCodeOf, toStewardError } from '../core/errors.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import type { CliContext, Command, Values } from './command.js';
import { loadCommand, loadCommands } from './commands/index.js';
import { loadSchemas, SchemasNotLoaded } from '../core/input-schemas.js';
import { writeOut } from './write-out.js';
import { databaseOf } from './database-of.js';
import { CONFIG_CHILD_ARG } from './config-child-arg.js';

/**
 * Commands whose input is checked by hand when it is plainly valid (core/fast-input.ts): they run without zod, and
 * load it only for input the hand check passes on. Every other command gets the zod schemas before it runs. `work`
 * (the babysitter) loads them itself on the paths that need them (work.ts).
 */
const HAND_CHECKED = new Set(['list', 'show', 'claim', 'complete', 'tick', 'work']);

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  dir: { type: 'string' },
  actor: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function helpText(): Promise<string> {
  const COMMANDS = await loadCommands();
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'steward — a durable work queue for AI agents',
    '',
    'usage: steward <command> [args] [--json] [--dir PATH] [--actor NAME]    steward --version',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'steward <command> --help shows its flags. Exit codes: 0 ok, 1 internal, 2 usage, 3 not found, 4 conflict, 5 unavailable.',
  ].join('\n');
}

/**
 * The modules a command's context needs, loaded together once the command is known (not for --version or help). Not
 * the config's yaml and zod schema: a current .steward/config.cache.json stands for them (configLoader).
 */
async function contextModules() {
  const [cache, file, policy, store, workspace, wake] = await Promise.all([
    import('../config/config-cache.js'),
    import('../config/config-file.js'),
    import('../config/config-policy.js'),
    import('../store/open-store.js'),
    import('../workspace/workspace.js'),
    import('../workspace/wake-socket.js'),
  ]);
  return { ...cache, ...file, backoffPolicyOf: policy.backoffPolicyOf, openStore: store.openStore, findWorkspace: workspace.findWorkspace, wakePinger: wake.wakePinger };
}
type ContextModules = Awaited<ReturnType<typeof contextModules>>;
/** The command's store once opened, and how many write transactions it committed. */
interface Opened {
  store?: Store;
  commits?: number;
}
type LoadConfig = (root: string) => Config;

/**
 * How this command gets its config: the cached one when it is current for the workspace (no yaml, no zod), else the
 * full load (load-config.ts, which also refreshes the cache). Without a workspace there is nothing to load yet.
 */
async function configLoader(m: ContextModules, ctx: CliContext, apart: boolean): Promise<LoadConfig> {
  let root: string | undefined;
  try {
    root = ctx.workspace().root;
  } catch {
    // no workspace: ctx.workspace() says so when the command asks for it
  }
  if (root !== undefined) {
    // A babysitter's config is made without the server secrets it never uses, so it is cacheable (config-env.ts).
    const env = apart ? m.withoutServerSecrets(process.env) : process.env;
    const key = m.configCacheKey(m.readConfigText(root), env);
    const cached = m.readCachedConfig(root, key);
    if (cached) return () => cached; // ctx.workspace() is the one root this command has
    if (apart) {
      // A babysitter: the config loads in a child process; an error is thrown where the config is first asked for.
      const { loadConfigApart } = await import('../config/config-apart.js');
      const loaded = await loadConfigApart(root, env).then((config) => ({ config }), (error: unknown) => ({ error }));
      return () => {
        if ('error' in loaded) throw loaded.error;
        return loaded.config;
      };
    }
  }
  const { loadConfig } = await import('../config/load-config.js');
  return (at) => loadConfig({ root: at, env: process.env });
}

function makeContext(m: ContextModules, json: boolean, dir: string | undefined, actor: string | undefined, opened: Opened, loader: { load?: LoadConfig }): CliContext {
  const { findWorkspace, openStore, backoffPolicyOf } = m;
  /** Every committed write pings the workspace's `steward up` (if one runs), so it dispatches at once (src/workspace/wake-socket.ts). */
  const withWakeUp = (store: Store, stewardDir: string): Store => {
    const { ping } = m.wakePinger(stewardDir);
    store.afterCommit = () => {
      opened.commits = (opened.commits ?? 0) + 1;
      ping();
    };
    return store;
  };
  let ws: Workspace | undefined;
  let config: Config | undefined;
  const ctx: CliContext = {
    json,
    dir,
    env: process.env,
    cwd: process.cwd(),
    actor: actor ?? process.env.STEWARD_ACTOR ?? 'cli',
    workspace: () => (ws ??= findWorkspace({ dir, env: process.env, cwd: process.cwd() })),
    config: () => (config ??= loader.load!(ctx.workspace().root)),
    store: () => (opened.store ??= withWakeUp(openStore(ctx.workspace().dbPath, { mustExist: true, watchFile: true, ...databaseOf(ctx) }), ctx.workspace().stewardDir)),
    // The clock is read after the config (loaded on first use): a write's timestamps are as close to its commit as they can be.
    // On Postgres it is the database server's clock (Store.now()).
    op: () => {
      const config = ctx.config();
      return { now: opened.store?.now() ?? Date.now(), actor: ctx.actor, backoff: backoffPolicyOf(config), agents: config.agents };
    },
    log: (line) => writeOut(2, `${visibleText(line)}\n`),
  };
  return ctx;
}

/** node's parseArgs messages, said plainly (its unknown-option text ends with an unbalanced quote). */
function argsErrorText(err: NodeJS.ErrnoException): string {
  const first = err.message.split('\n')[0]!;
  const unknown = /^Unknown option '([^']+)'/.exec(first);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    return `unknown option ${unknown[1]} (a value starting with "-" goes after "--", as in: -- "${unknown[1]}")`;
  }
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(first);
  if (missing) return `${missing[2]} needs a value`;
  // `--limit -1`: node reads -1 as a flag and says only "argument is ambiguous" on the first line.
  const ambiguous = /^Option '(-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(first);
  if (ambiguous) return `${ambiguous[2]} needs a value; one starting with "-" is written ${ambiguous[2]}=-…`;
  return first;
}

/** The version in this installation's package.json. */
function versionText(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `steward ${pkg.version}`;
}

function parseCommandArgs(command: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, ...GLOBAL_OPTIONS }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new StewardError('USAGE', `${argsErrorText(err as NodeJS.ErrnoException)}\nusage: ${command.usage}`);
  }
  const names = command.positionals ?? [];
  const pos = parsed.positionals;
  if (!parsed.values.help) {
    if (pos.length < names.length) throw new StewardError('USAGE', `missing ${names[pos.length]!.toUpperCase()}\nusage: ${command.usage}`);
    if (pos.length > names.length && !command.rest) throw new StewardError('USAGE', `unexpected argument ${pos[names.length]}\nusage: ${command.usage}`);
  }
  return parsed;
}

/**
 * Runs the command; a hand-checked command that needs zod after all (its input was not plain) gets the schemas and
 * runs again. Only when it wrote nothing: validation comes before any write, and a commit in between is a bug.
 */
async function runCommand(command: Command, ctx: CliContext, values: Record<string, string>, positionals: string[], opened: Opened) {
  try {
    return await command.run(ctx, values, positionals);
  } catch (err) {
    if (!(err instanceof SchemasNotLoaded)) throw err;
    if (opened.commits) throw new StewardError('INTERNAL', `${command.name} needed the input schemas after it wrote`);
    await loadSchemas();
    return command.run(ctx, values, positionals);
  }
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  const opened: Opened = {};
  try {
    if (name === '--version' || name === '-V' || name === 'version') {
      writeOut(1, `${versionText()}\n`);
      return 0;
    }
    if (name === CONFIG_CHILD_ARG) {
      // Not a command: a babysitter's config, loaded in this short-lived process (config/config-apart.ts).
      const { runConfigChild } = await import('../config/config-apart.js');
      return await runConfigChild(rest[0], (text) => writeOut(1, text));
    }
    if (name === 'help' && rest.length > 0 && !rest[0]!.startsWith('-')) {
      // `steward help add` is `steward add --help`, as git and npm read it.
      const topic = await loadCommand(rest[0]!);
      if (!topic) throw new StewardError('USAGE', `unknown command ${rest[0]}; see steward help`);
      writeOut(1, `${topic.summary}\nusage: ${topic.usage}\n`);
      return 0;
    }
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      writeOut(1, `${await helpText()}\n`);
      return name ? 0 : 2;
    }
    const command = await loadCommand(name);
    if (!command) throw new StewardError('USAGE', `unknown command ${name}; see steward help`);
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      writeOut(1, `${command.summary}\nusage: ${command.usage}\n`);
      return 0;
    }
    const { json, dir, actor, help: _help, ...own } = values as Record<string, unknown>;
    const modules = await contextModules();
    const loader: { load?: LoadConfig } = {};
    const ctx = makeContext(modules, Boolean(json), dir as string | undefined, actor as string | undefined, opened, loader);
    loader.load = await configLoader(modules, ctx, command.configApart?.(own as Values) ?? false);
    const needsConfig = typeof command.needsConfig === 'function' ? command.needsConfig(own as Values) : command.needsConfig !== false;
    if (needsConfig) {
      ctx.config(); // once per command; a bad key fails here with its path (exit 2)
      const warning = modules.configPermissionWarning(ctx.workspace().root, ctx.config());
      if (warning) ctx.log(warning);
    }
    if (!HAND_CHECKED.has(command.name)) await loadSchemas();
    const out = await runCommand(command, ctx, own as Record<string, string>, positionals, opened);
    // Text output shows hidden characters (bidi controls, invisible ones, control codes) escaped; JSON keeps them raw.
    if (!out.silent) writeOut(1, json ? `${JSON.stringify(out.json)}\n` : `${out.raw ? out.text : visibleText(out.text)}\n`);
    return out.exitCode ?? 0;
  } catch (err) {
    const e = toStewardError(err);
    if (wantsJson) writeOut(2, `${JSON.stringify({ error: e.toJSON() })}\n`);
    else writeOut(2, `error ${e.code}: ${visibleText(e.message)}\n`);
    if (e.code === 'INTERNAL' && process.env.STEWARD_DEBUG) writeOut(2, `${(err as Error).stack}\n`);
    return exitCodeOf(e);
  } finally {
    opened.store?.close();
  }
}
