// `steward doctor`: which coding CLIs are installed, their versions, and which agent profiles can run.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ADAPTERS, CLI_KINDS, describePermissions, type CliKind } from '../core/adapters/index.js';
import type { Config } from '../config/schema.js';
import { superviseProcess } from './supervise.js';

/**
 * The file a profile's executable runs as: a relative path with a slash (`./scripts/agent.sh`) is the workspace's, as a
 * project's relative workdir is; a bare name stays a PATH lookup. (It was spawned from the run's cwd — a task's git
 * worktree, where an untracked script is not — while doctor and dispatch looked in their own cwd.)
 */
export function binOf(bin: string, root: string): string {
  return bin.includes('/') && !isAbsolute(bin) ? resolve(root, bin) : bin;
}

/** The absolute path `bin` runs as (a PATH lookup unless it holds a slash), or null when not executable. */
export function findExecutable(bin: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  if (!bin) return null;
  const runnable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (bin.includes('/')) {
    const path = binOf(bin, cwd);
    return runnable(path) ? path : null;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, bin);
    if (runnable(path)) return path;
  }
  return null;
}

/** One executable: where it is and what `--version` said. */
export interface CliProbe {
  cli: string;
  bin: string;
  path: string | null;
  version: string | null;
  error?: string;
}

/** One agent profile: can it run here? */
export interface ProfileCheck {
  name: string;
  cli: string;
  bin: string;
  path: string | null;
  runnable: boolean;
  reason?: string;
  /** The permission mode it runs with, and the flags that carry it. */
  permissions: string;
  /** Paused by a rate limit (filled in from the workspace). */
  paused?: { until: string; reason: string };
  /** Its last run's CLI refused to start (filled in from the workspace). */
  config_error?: { since: string; error: string };
}

/** What `steward doctor` reports. */
export interface DoctorReport {
  node: string;
  clis: CliProbe[];
  profiles: ProfileCheck[];
}

/** Version checks running at once: a few, so a slow CLI start (Gemini's `--version` takes seconds) is not starved. */
export const DOCTOR_CONCURRENCY = 2;
/** Default time limit of one version check. */
export const DOCTOR_TIMEOUT_MS = 20_000;

/** Runs `path versionArgs` with a time limit; the first line of its output is the version. */
async function probe(cli: string, bin: string, path: string | null, versionArgs: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliProbe> {
  // A bin with a slash is a path, not looked up on PATH: missing, a folder or not executable.
  if (!path) return { cli, bin, path: null, version: null, error: bin.includes('/') ? 'no executable file there' : 'not found on PATH' };
  if (versionArgs.length === 0) return { cli, bin, path, version: null };
  // Its own process group, killed whole on timeout: a wrapper script's children do not outlive the probe.
  const r = await superviseProcess({ file: path, args: versionArgs, cwd: process.cwd(), env, timeoutMs, graceMs: 500, captureBytes: 64 * 1024 });
  const first = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  const version = first.length > 120 ? `${first.slice(0, 119)}…` : first;
  if (r.ended === 'timeout') return { cli, bin, path, version: null, error: `no answer to ${versionArgs.join(' ')} within ${timeoutMs} ms` };
  if (r.ended === 'spawn_error') return { cli, bin, path, version: null, error: r.error ?? 'could not start' };
  if (r.exitCode !== 0) return { cli, bin, path, version: version || null, error: `${versionArgs.join(' ')} exited with ${r.exitCode ?? r.signal}` };
  return { cli, bin, path, version: version || null };
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping their order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Probes each coding CLI once: the executables the profiles run (or, for a CLI no profile uses, its usual
 * name), one per resolved path, at most DOCTOR_CONCURRENCY at a time.
 */
export async function runDoctor(
  config: Config,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; concurrency?: number; root?: string } = {},
): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? DOCTOR_TIMEOUT_MS;
  const profileBins = Object.entries(config.agents).map(([name, p]) => {
    const bin = p.cli === 'command' ? (p.command?.[0] ?? '') : p.bin || ADAPTERS[p.cli].defaultBin;
    return { name, profile: p, cli: p.cli, bin, path: findExecutable(bin, env, opts.root) };
  });
  const wanted = new Map<string, { cli: CliKind; bin: string; path: string | null }>();
  for (const cli of CLI_KINDS) {
    if (cli === 'command') continue;
    const used = profileBins.filter((p) => p.cli === cli);
    const bins = used.length ? used : [{ cli, bin: ADAPTERS[cli].defaultBin, path: findExecutable(ADAPTERS[cli].defaultBin, env) }];
    for (const b of bins) {
      const key = `${cli}\0${b.path ?? b.bin}`;
      if (!wanted.has(key)) wanted.set(key, { cli, bin: b.bin, path: b.path });
    }
  }
  const clis = await mapLimited([...wanted.values()], opts.concurrency ?? DOCTOR_CONCURRENCY, ({ cli, bin, path }) =>
    probe(cli, bin, path, ADAPTERS[cli].versionArgs, env, timeoutMs));
  const profiles = profileBins.map(({ name, profile, cli, bin, path }): ProfileCheck => {
    const permissions = describePermissions(cli, profile.permissions, profile.args);
    const found = clis.find((c) => c.cli === cli && (c.path ?? c.bin) === (path ?? bin));
    if (!path) return { name, cli, bin, path: null, runnable: false, reason: `${bin || '(no command)'} ${bin.includes('/') ? 'is no executable file' : 'not found'}`, permissions };
    if (found?.error && !found.version) return { name, cli, bin, path, runnable: false, reason: found.error, permissions };
    return { name, cli, bin, path, runnable: true, permissions };
  });
  return { node: process.version, clis, profiles };
}
