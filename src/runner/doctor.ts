// `steward doctor`: which coding CLIs are installed, their versions, and which agent profiles can run.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ADAPTERS, CLI_KINDS } from '../core/adapters/index.js';
import type { Config } from '../config/schema.js';
import { superviseProcess } from './supervise.js';

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
    const path = isAbsolute(bin) ? bin : resolve(cwd, bin);
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
}

/** What `steward doctor` reports. */
export interface DoctorReport {
  node: string;
  clis: CliProbe[];
  profiles: ProfileCheck[];
}

/** Runs `path versionArgs` with a short time limit; the first line of its output is the version. */
async function probe(cli: string, bin: string, versionArgs: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliProbe> {
  const path = findExecutable(bin, env);
  if (!path) return { cli, bin, path: null, version: null, error: 'not found on PATH' };
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

/** Probes every known CLI's usual executable and every profile's own, concurrently. */
export async function runDoctor(config: Config, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const wanted = new Map<string, { cli: string; bin: string }>();
  for (const cli of CLI_KINDS) if (cli !== 'command') wanted.set(`${cli}\0${ADAPTERS[cli].defaultBin}`, { cli, bin: ADAPTERS[cli].defaultBin });
  const profileBins = Object.entries(config.agents).map(([name, p]) => {
    const bin = p.cli === 'command' ? (p.command?.[0] ?? '') : p.bin || ADAPTERS[p.cli].defaultBin;
    if (p.cli !== 'command') wanted.set(`${p.cli}\0${bin}`, { cli: p.cli, bin });
    return { name, cli: p.cli, bin };
  });
  const clis = await Promise.all([...wanted.values()].map(({ cli, bin }) => probe(cli, bin, ADAPTERS[cli as keyof typeof ADAPTERS].versionArgs, env, timeoutMs)));
  const profiles = profileBins.map(({ name, cli, bin }): ProfileCheck => {
    const found = clis.find((c) => c.cli === cli && c.bin === bin);
    const path = found ? found.path : findExecutable(bin, env);
    if (!path) return { name, cli, bin, path: null, runnable: false, reason: `${bin || '(no command)'} not found` };
    if (found?.error && !found.version) return { name, cli, bin, path, runnable: false, reason: found.error };
    return { name, cli, bin, path, runnable: true };
  });
  return { node: process.version, clis, profiles };
}
