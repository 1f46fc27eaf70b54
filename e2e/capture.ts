// Records what a real CLI prints in one scenario (stdout, stderr, exit code), run directly with the argv its
// steward adapter builds, so the adapters' unit tests replay real outputs (test/fixtures/samples/real/).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAdapter } from '../src/core/adapters/index.js';
import { RETRY_KNOBS } from '../src/runner/child-env.js';
import { qwenDebugLogPath } from '../src/runner/cli-log.js';
import { groupsByEnv, signalGroup } from '../src/runner/process-group.js';
import { codexProviderOf, settingsDefaultsEnv } from '../src/runner/retry-knobs.js';
import { E2E_DIR, setupCli, type CliName } from './clis.js';
import { goalOf } from './row.js';
import { forTarget, targetOf, type Target } from './targets.js';
import type { Scenario } from './mock-model.js';

export const SAMPLES_OUT = new URL('../../test/fixtures/samples/real/', import.meta.url).pathname;

/** A capture outside the scenarios' usual setup: its name in the file names, and env variables to drop. */
export interface CaptureVariant {
  name: string;
  dropEnv?: string[];
  /**
   * First starts at once: `copies` of the CLI start together on one fresh home (each in its own workdir), and the
   * first output `wanted` accepts is kept. A race shows on some tries only: up to `tries` fresh homes.
   */
  race?: { copies: number; tries: number; wanted: (r: Captured) => boolean };
}

/** What one run of a CLI printed, and how it ended. */
export interface Captured {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

/**
 * Runs the CLI once (bounded by `timeoutMs`) and writes <cli>-<version>-<scenario or variant>.{stdout,stderr,json}.
 * The CLI gets the retry knobs steward gives it (src/runner/retry-knobs.ts), so the sample is what steward reads.
 */
export async function captureSample(cli: CliName, version: string, scenario: Scenario, root: string, mockUrl: string, timeoutMs: number, target: Target = targetOf(cli), variant?: CaptureVariant): Promise<string> {
  const race = variant?.race ?? { copies: 1, tries: 1, wanted: () => true };
  for (let attempt = 1; attempt <= race.tries; attempt++) {
    const dir = join(root, `capture-${target.name}-${variant?.name ?? scenario}${race.tries > 1 ? `-${attempt}` : ''}`);
    const { profile } = forTarget(setupCli(cli, join(dir, 'home'), mockUrl), target);
    // E2E_CAPTURE marks every process of this capture, also those the CLI starts in another session.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', TERM: 'dumb', ...settingsDefaultsEnv(cli, dir, {}), ...profile.env, ...RETRY_KNOBS[cli], E2E_CAPTURE: dir };
    for (const name of variant?.dropEnv ?? []) delete env[name];
    const provider = cli === 'codex' ? codexProviderOf(env) : undefined;
    const started = Date.now();
    const copies = Array.from({ length: race.copies }, (_, i) => {
      const workdir = join(dir, race.copies > 1 ? `proj-${i + 1}` : 'proj');
      mkdirSync(workdir, { recursive: true });
      const inv = getAdapter(cli).build({ ...profile, permissions: 'bypass', args: [] }, { prompt: goalOf(scenario), taskId: 1, workdir, ...(provider ? { provider } : {}) });
      return { workdir, inv, result: runOnce(inv, workdir, env, timeoutMs) };
    });
    const results = await Promise.all(copies.map((c) => c.result));
    // Whatever any copy left behind (also in another session) goes once they all ended.
    for (const g of groupsByEnv({ E2E_CAPTURE: dir }, 'E2E_CAPTURE').get(dir) ?? []) signalGroup(g, 'SIGKILL');
    const kept = results.findIndex((r) => race.wanted(r));
    if (kept < 0) continue;
    return writeSample(cli, version, variant?.name ?? scenario, dir, env, copies[kept]!.workdir, copies[kept]!.inv, results[kept]!, Date.now() - started);
  }
  throw new Error(`no try of ${race.tries} printed what the ${variant?.name ?? scenario} sample needs`);
}

/** Runs the CLI once in its own process group, killed after `timeoutMs`. */
function runOnce(inv: { file: string; args: string[]; stdin?: string }, workdir: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Captured> {
  return new Promise<Captured>((resolve) => {
    const child = spawn(inv.file, inv.args, { cwd: workdir, env, stdio: [inv.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
    if (inv.stdin !== undefined) child.stdin!.end(inv.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
      resolve({ stdout, stderr, exitCode, signal });
    });
  });
}

/** Writes <name>.{stdout,stderr,json} (and Qwen Code's debug log) with the capture's temp paths made stable. */
function writeSample(cli: CliName, version: string, scenario: string, dir: string, env: NodeJS.ProcessEnv, workdir: string, inv: { file: string; args: string[] }, result: Captured, ms: number): string {
  mkdirSync(SAMPLES_OUT, { recursive: true });
  const name = `${cli}-${version}-${scenario}`;
  // The temp paths and the checkout's path differ on every run: replace them so the samples are stable.
  const clean = (s: string) => s.split(dir).join('/tmp/e2e').split(E2E_DIR).join('e2e/');
  writeFileSync(join(SAMPLES_OUT, `${name}.stdout`), clean(result.stdout));
  writeFileSync(join(SAMPLES_OUT, `${name}.stderr`), clean(result.stderr));
  const meta = { cli, version, scenario, exitCode: result.exitCode, signal: result.signal, ms, argv: [inv.file.replace(/.*\//, ''), ...inv.args.map(clean)] };
  writeFileSync(join(SAMPLES_OUT, `${name}.json`), `${JSON.stringify(meta, null, 2)}\n`);
  // Qwen Code's retry lines are in its session's debug log, not on stderr (src/runner/cli-log.ts): keep that log too.
  const session = getAdapter(cli).parse({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode }).session_id;
  const debugLog = cli === 'qwen' && session ? qwenDebugLogPath(env, workdir, session) : undefined;
  if (debugLog && existsSync(debugLog)) writeFileSync(join(SAMPLES_OUT, `${name}.debug.txt`), clean(readFileSync(debugLog, 'utf8')));
  return name;
}
