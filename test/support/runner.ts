// Helpers for babysitter tests: a workspace on real files, fake-CLI agent profiles, and "nothing left running".
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configSchema, type Config } from '../../src/config/schema.js';
import './backend.js'; // first: under test:pg it points every store at Postgres
import type { OpContext, Run, Task } from '../../src/core/types.js';
import { addTask, claimTask } from '../../src/ops/index.js';
import type { BabysitDeps } from '../../src/runner/babysit.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createWorkspaceDirs, type Workspace } from '../../src/workspace/workspace.js';
import { FAKE_CLI_PATH } from '../helpers/fixtures.js';
import { isAlive, pidsIn, waitFor, waitGone } from '../helpers/processes.js';
import { cli, tempDir } from './helpers.js';

/** A workspace with its store, and the files the fake CLI writes. */
export interface Sandbox {
  root: string;
  ws: Workspace;
  store: Store;
  pidFile: string;
  echoFile: string;
}

/** A fresh workspace (real SQLite file) in a temp folder. */
export function sandbox(): Sandbox {
  const root = tempDir('steward-runner-');
  const { workspace } = createWorkspaceDirs(root);
  return { root, ws: workspace, store: openStore(workspace.dbPath), pidFile: join(root, 'fake.pid'), echoFile: join(root, 'argv.json') };
}

/** The real clock as an operation context. */
export function now(actor = 'test'): OpContext {
  return { now: Date.now(), actor, random: () => 0.5 };
}

/** An agent profile (config input) that runs the fake CLI posing as `cli` in `mode`. */
export function fakeProfile(sb: Sandbox, cli: string, mode: string, over: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const runs = cli === 'command' ? { command: [FAKE_CLI_PATH, '{prompt}'] } : { bin: FAKE_CLI_PATH };
  return {
    cli,
    ...runs,
    env: { FAKE_CLI: cli, FAKE_MODE: mode, FAKE_PID_FILE: sb.pidFile, FAKE_ECHO_FILE: sb.echoFile, ...env },
    leaseSeconds: 30,
    ...over,
  };
}

/** A validated config with these agent profiles (and any other sections). */
export function configOf(agents: Record<string, unknown>, rest: Record<string, unknown> = {}): Config {
  return configSchema.parse({ agents, ...rest });
}

/** Writes `.steward/config.yaml` (JSON is YAML) for the CLI and the tick. */
export function writeConfig(sb: Sandbox, agents: Record<string, unknown>, rest: Record<string, unknown> = {}): Config {
  writeFileSync(sb.ws.configPath, JSON.stringify({ agents, ...rest }, null, 2));
  return configOf(agents, rest);
}

/** Adds a task and claims it for `agent`. */
export function addAndClaim(sb: Sandbox, fields: Record<string, unknown> = {}, agent = 'coder', leaseSeconds = 30): { task: Task; run: Run } {
  addTask(sb.store, { title: 'a task', ...fields }, now());
  const out = claimTask(sb.store, { agent, lease_seconds: leaseSeconds }, now());
  assert.ok(out.task, 'expected a claimable task');
  return out;
}

/** Babysitter deps for in-process runs: short grace and poll so tests stay quick. */
export function depsOf(sb: Sandbox, config: Config, over: Partial<BabysitDeps> = {}): BabysitDeps {
  return { store: sb.store, workspace: sb.ws, config, graceMs: 300, pollMs: 100, ...over };
}

/** Reads a task fresh from the store. */
export function taskOf(sb: Sandbox, id: number): Task {
  return sb.store.tasks.get(id)!;
}

/** Reads a run fresh from the store. */
export function runOf(sb: Sandbox, id: number): Run {
  return sb.store.runs.get(id)!;
}

/** Every pid the fake CLI wrote (itself, and a grandchild), once at least `count` are there. */
export async function fakePids(sb: Sandbox, count = 1): Promise<number[]> {
  return waitFor('fake CLI pid file', () => pidsIn(sb.pidFile, count));
}

/** Processes whose environment names this sandbox (every fake and its children carry FAKE_PID_FILE). */
export function sandboxProcesses(sb: Sandbox): number[] {
  const marker = `FAKE_PID_FILE=${sb.pidFile}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (`${readFileSync(`/proc/${name}/environ`, 'latin1')}\0`.includes(marker) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** Asserts that no fixture process of this sandbox is left: the pid-file pids are gone, and no process carries its env. */
export async function assertNothingLeft(sb: Sandbox): Promise<void> {
  for (const pid of pidsIn(sb.pidFile, 1) ?? []) await waitGone(pid);
  await waitFor('no sandbox process left', () => (sandboxProcesses(sb).length === 0 ? true : undefined));
}

/**
 * Runs `attempt` with a timeout of 1, 2, 4 … 64 s until it returns true: for tests whose limit must fall after
 * the child reached some point, on a machine of any speed. Bounded by attempts; fails if none got there.
 */
export async function withGrowingTimeout(attempt: (seconds: number) => Promise<boolean>): Promise<void> {
  for (let seconds = 1; seconds <= 64; seconds *= 2) {
    if (await attempt(seconds)) return;
  }
  throw new Error('the child never reached the point under test, even with a 64 s timeout');
}

/** A sandbox task whose run a CLI claim started (no babysitter writes its log), and the path its log has (folder made). */
export function runningRun(title = 'log probe'): { sb: Sandbox; task: number; run: number; path: string } {
  const sb = sandbox();
  const { task } = addTask(sb.store, { title }, now());
  const claimed = cli(['claim', '--agent', 'a', '--json'], { cwd: sb.root });
  assert.equal(claimed.code, 0, claimed.stderr);
  const run = (claimed.json as { run: { id: number } }).run.id;
  const path = join(sb.root, '.steward/logs', `${task.id}-${run}.log`);
  mkdirSync(dirname(path), { recursive: true });
  return { sb, task: task.id, run, path };
}
