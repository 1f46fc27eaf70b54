// Loads .steward/config.yaml (read in config-file.ts, cached by config-cache.ts).
import { join } from 'node:path';
import { configCacheKey, readCachedConfig, writeCachedConfig } from './config-cache.js';
import { CONFIG_FILE, readConfigText } from './config-file.js';
import { envConfigLayer, flagsConfigLayer, mergeConfigLayers, readConfigLayer, type ConfigLayer } from './config-layers.js';
import type { Config } from './schema.js';

export { CONFIG_FILE, configPermissionWarning } from './config-file.js';

export interface LoadConfigOptions {
  /** The workspace root (the folder holding .steward/). */
  root: string;
  /** Environment to read STEWARD_* overrides from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides that beat everything else, e.g. from CLI flags: a partial config object. */
  flags?: Record<string, unknown>;
}

/**
 * The workspace config: defaults < config.yaml < STEWARD_* env < flags. A missing file means all defaults. Without
 * flags it comes from .steward/config.cache.json when config.yaml, the variables and the build are those it was
 * validated from (config-cache.ts), and is cached after a full load.
 */
export function loadConfig({ root, env = process.env, flags }: LoadConfigOptions): Config {
  const text = readConfigText(root);
  const key = flags === undefined ? configCacheKey(text, env) : undefined;
  const cached = readCachedConfig(root, key);
  if (cached) return cached;
  const layers: ConfigLayer[] = [];
  if (text !== undefined) layers.push(readConfigLayer(text, join(root, CONFIG_FILE)));
  layers.push(envConfigLayer(env), flagsConfigLayer(flags));
  const config = mergeConfigLayers(layers);
  writeCachedConfig(root, key, config);
  return config;
}
