// Helpers for tests with real `steward up` / `steward mcp --http` servers and remote `steward work --server` workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnceAwaited, killChildren, tracked } from '../helpers/processes.js';
import assert from 'node:assert/strict';
import { StewardError } from '../../src/core/errors.js';
import { CLI, REPO_ROOT } from './helpers.js';

export const FAKE_CLI = join(REPO_ROOT, 'test/fixtures/fake-cli.mjs');
export const WORKER_TOKEN = 'w'.repeat(8) + '-remote-worker-token-0123456789';
export const VIEWER_TOKEN = 'v'.repeat(8) + '-viewer-token-0123456789';
export const PLANNER_TOKEN = 'p'.repeat(8) + '-planner-token-0123456789';
export const TOKENS = JSON.stringify({
  [WORKER_TOKEN]: { role: 'worker', name: 'remote-box' },
  [VIEWER_TOKEN]: { role: 'viewer' },
  [PLANNER_TOKEN]: { role: 'planner' },
});

/** SIGKILLs every process `start` (or the file) started that is still alive, with its process group (call it in `afterEach`). */
export const killStarted = killChildren;

/** Awaits `p`, which must reject with a StewardError of `code`; returns that error. */
export async function rejects(p: Promise<unknown>, code: string): Promise<StewardError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StewardError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

/** Waits for `fn` to be truthy; polls, bounded by a generous safety limit that reports what it waited for. */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 240_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What `steward up` in workspace `ws` wrote to .steward/up.json (pid, host, port, url, mcp_url), once it has. */
export function upJson(ws: string): Promise<{ pid: number; host: string; port: number; url: string; mcp_url: string }> {
  const file = join(ws, '.steward/up.json');
  return until('up.json', () => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')));
}

export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Its exit code; the wait for it is capped (CHILD_CAP_MS from the first wait), failing with its stderr. */
  exited: PromiseLike<number | null>;
}

/** Starts the built CLI with `args` in `cwd` (its output collected). */
export function start(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  const child = tracked(spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEWARD_DIR: '', ...env } }));
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exit = exitOnceAwaited(child, `steward ${args.join(' ')} (pid ${child.pid}) to exit`);
  return { child, out: () => out, err: () => err, exited: { then: (onExit, onCap) => exit.then(([code]) => code).then(onExit, onCap) } };
}

/** A stand-in for the claude binary: says it started, waits for the gate file, then replays the recorded claude output. */
export function gatedClaude(dir: string): string {
  const path = join(dir, 'gated-claude.mjs');
  writeFileSync(path, [
    `#!${process.execPath}`,
    "import { existsSync } from 'node:fs';",
    "process.stderr.write('gated-claude: waiting for the gate\\n');",
    'const wait = () => new Promise((r) => setTimeout(r, 50));',
    'while (!existsSync(process.env.GATE_FILE)) await wait();',
    `await import(${JSON.stringify(FAKE_CLI)});`,
  ].join('\n'));
  chmodSync(path, 0o755);
  return path;
}

/** The config.yaml lines of the `remote` agent profile both remote tests use: the gated claude, long limits. */
export function remoteProfile(ws: string, gate: string): string[] {
  return [
    '  remote:',
    '    cli: claude',
    `    bin: ${JSON.stringify(gatedClaude(ws))}`,
    `    env: { FAKE_CLI: claude, FAKE_MODE: success, GATE_FILE: ${JSON.stringify(gate)} }`,
    '    leaseSeconds: 600',
    '    timeoutSeconds: 600',
    '    stallSeconds: 600',
  ];
}
