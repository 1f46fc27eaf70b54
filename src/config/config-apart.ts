// The config of a long-lived process (a babysitter waits beside its CLI for minutes to hours) without the YAML parser
// and the zod config schema in its own memory: from .steward/config.cache.json when that is current, else loaded by a
// short-lived child process (`steward --config-child ROOT`: the full load-config.ts, which refreshes the cache when
// the config may be cached) and handed back as JSON on a pipe. A config error is the child's StewardError, re-thrown
// here with its code, message and details. The babysitters pass an environment without the server secrets
// (config-env.ts withoutServerSecrets), so their config is cacheable; one made with secrets is never written to disk.
// Why: loading yaml and zod and validating a config took a babysitter's peak RSS from ~54 to ~66 MB (issue 18 goal 4,
// docs/BENCHMARKS.md); the child costs one Node start-up, once, and only when the cache does not hold the config.
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { StewardError, type ErrorCode } from '../core/errors.js';
import { CLI_MAIN } from '../runner/detach.js';
import { configCacheKey, readCachedConfig } from './config-cache.js';
import { CONFIG_CHILD_ARG } from '../cli/config-child-arg.js';
import { readConfigText } from './config-file.js';
import type { Config } from './schema.js';


/** What a config child prints: the config, the error loading it failed with, or that the config does not survive JSON. */
type ChildAnswer = { config: Config } | { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } | { unfit: true };

/** The workspace's config loaded in a child process; undefined when it does not survive JSON (load it here then). */
export function loadConfigInChild(root: string, env: NodeJS.ProcessEnv = process.env): Config | undefined {
  const r = spawnSync(process.execPath, [CLI_MAIN, CONFIG_CHILD_ARG, root], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  let answer: ChildAnswer | undefined;
  try {
    answer = JSON.parse(r.stdout) as ChildAnswer;
  } catch {
    answer = undefined;
  }
  if (answer && 'config' in answer && answer.config) return answer.config;
  if (answer && 'unfit' in answer) return undefined;
  if (answer && 'error' in answer && answer.error) throw new StewardError(answer.error.code, answer.error.message, answer.error.details ?? {});
  const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
  throw new StewardError('INTERNAL', `loading the config in a child process failed (${why})`, { root });
}

/**
 * The workspace's config: the cached one when it is current (config-cache.ts), else loaded in a child process; a
 * config that does not survive JSON (e.g. an empty YAML value kept as an undefined key) is loaded here after all.
 */
export async function loadConfigApart(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const cached = readCachedConfig(root, configCacheKey(readConfigText(root), env));
  if (cached) return cached;
  const config = loadConfigInChild(root, env);
  if (config) return config;
  const { loadConfig } = await import('./load-config.js');
  return loadConfig({ root, env });
}

/** The child's side (`steward --config-child ROOT`): the config or its error as one JSON line on stdout. */
export async function runConfigChild(root: string | undefined, write: (text: string) => void): Promise<number> {
  if (!root) {
    write(`${JSON.stringify({ error: { code: 'USAGE', message: `usage: steward ${CONFIG_CHILD_ARG} ROOT` } })}\n`);
    return 2;
  }
  let answer: ChildAnswer;
  try {
    const { loadConfig } = await import('./load-config.js');
    const config = loadConfig({ root, env: process.env });
    answer = isDeepStrictEqual(JSON.parse(JSON.stringify(config)), config) ? { config } : { unfit: true };
  } catch (err) {
    answer = { error: (err instanceof StewardError ? err : new StewardError('INTERNAL', err instanceof Error ? err.message : String(err))).toJSON() };
  }
  write(`${JSON.stringify(answer)}\n`);
  return 0;
}
