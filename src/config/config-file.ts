// Where the config file is and whether its mode keeps its tokens private; no yaml or zod (the CLI's hot path).
import { readFileSync, statSync } from 'node:fs';
import { StewardError } from '../core/errors.js';
import { join } from 'node:path';
import type { Config } from './schema.js';

/** The config file, relative to the workspace root. */
export const CONFIG_FILE = join('.steward', 'config.yaml');

/** The text of the workspace's config.yaml; undefined when there is none. */
export function readConfigText(root: string): string | undefined {
  const file = join(root, CONFIG_FILE);
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
