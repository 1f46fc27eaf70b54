// Loads .steward/config.yaml: the only config module that touches the file system.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../core/errors.js';
import { envConfigLayer, flagsConfigLayer, mergeConfigLayers, readConfigLayer, type ConfigLayer } from './config-layers.js';
import type { Config } from './schema.js';

/** The config file, relative to the workspace root. */
export const CONFIG_FILE = join('.steward', 'config.yaml');

export interface LoadConfigOptions {
  /** The workspace root (the folder holding .steward/). */
  root: string;
  /** Environment to read STEWARD_* overrides from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides that beat everything else, e.g. from CLI flags: a partial config object. */
  flags?: Record<string, unknown>;
}

/** The workspace config: defaults < config.yaml < STEWARD_* env < flags. A missing file means all defaults. */
export function loadConfig({ root, env = process.env, flags }: LoadConfigOptions): Config {
  const file = join(root, CONFIG_FILE);
  const layers: ConfigLayer[] = [];
  const text = readConfigFile(file);
  if (text !== undefined) layers.push(readConfigLayer(text, file));
  layers.push(envConfigLayer(env), flagsConfigLayer(flags));
  return mergeConfigLayers(layers);
}

function readConfigFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StewardError('UNAVAILABLE', `cannot read ${file}: ${(err as Error).message}`, { file }, err);
  }
}

/** A warning when `config.yaml` holds MCP tokens yet is readable by group or others (it should be 0600), else null. */
export function configPermissionWarning(root: string, config: Config): string | null {
  if (Object.keys(config.mcp.tokens).length === 0) return null;
  const file = join(root, CONFIG_FILE);
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `warning: ${file} holds bearer tokens but is readable by ${mode & 0o007 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`;
  } catch {
    return null;
  }
}
