// The validated config, cached in .steward/config.cache.json so a CLI command does not parse YAML and run the config
// schema (yaml + zod: most of a `steward list` start-up) when nothing changed. No yaml or zod here.
//
// The key is everything the config is made from: config.yaml's text (not its mtime: two writes within one clock tick
// share one), the STEWARD_* variables that set config keys, and the steward build that validated it (the identity of
// the compiled schema module: a rebuild or an upgrade rewrites it). Any difference is a miss, and a miss is the full
// load. Not cached: configs made with flags, or while STEWARD_MCP_TOKEN_* or
// STEWARD_NOTIFY_WEBHOOK hold secrets (the cache would write them to disk); a config that does not survive JSON.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { CONFIG_ENV_VARS, isServerSecretVar } from './config-env.js';
import type { Config } from './schema.js';

export { withoutServerSecrets } from './config-env.js';

/** The cache file, relative to the workspace root. */
export const CONFIG_CACHE_FILE = join('.steward', 'config.cache.json');
const FORMAT = 1;

interface CacheFile {
  key: string;
  config: Config;
}

function fileIdentity(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/** The schema module this config was validated by (tsc's dist/src/config/schema.js; the bundle keeps that layout). */
function buildIdentity(): string {
  return fileIdentity(fileURLToPath(new URL('./schema.js', import.meta.url)));
}

/**
 * The cache key of the config made from `text` (config.yaml's, undefined when there is none) and `env`, or undefined
 * when this config must not be cached.
 */
export function configCacheKey(text: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const secrets = Object.keys(env).some((name) => isServerSecretVar(name) && env[name]?.trim());
  if (secrets) return undefined;
  try {
    const build = buildIdentity();
    if (build === 'absent') return undefined;
    const vars = Object.keys(CONFIG_ENV_VARS).map((name) => env[name]?.trim() ?? '');
    return JSON.stringify([FORMAT, build, vars, text ?? null]);
  } catch {
    return undefined;
  }
}

/** The cached config of the workspace at `root`, when the cache holds one for this exact key (configCacheKey). */
export function readCachedConfig(root: string, key: string | undefined): Config | undefined {
  if (key === undefined) return undefined;
  try {
    const cached = JSON.parse(readFileSync(join(root, CONFIG_CACHE_FILE), 'utf8')) as Partial<CacheFile>;
    return cached.key === key && cached.config ? cached.config : undefined;
  } catch {
    return undefined; // absent, unreadable or torn: the full load rewrites it
  }
}

/**
 * Remembers `config` as what the workspace at `root` loads to: `key` is the configCacheKey of the text and variables
 * it was made from. Best effort: a read-only workspace just stays uncached. Written whole (temp file and rename), 0600
 * like config.yaml (it may hold the file's tokens).
 */
export function writeCachedConfig(root: string, key: string | undefined, config: Config): void {
  if (key === undefined) return;
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(config)), config)) return;
  const file = join(root, CONFIG_CACHE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ key, config } satisfies CacheFile), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // not cached
  }
}
