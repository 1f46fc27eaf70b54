// One row of the matrix: a real workspace, one task for one real CLI in one scenario, `steward work`, then checks.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupsByEnv, signalGroup } from '../src/runner/process-group.js';
import { setupCli, type CliName } from './clis.js';
import { limitationOf, type Expect } from './limits.js';
import { forTarget, targetOf, type Target } from './targets.js';
import type { MockModel, Scenario } from './mock-model.js';

const STEWARD = new URL('../src/cli/steward.cjs', import.meta.url).pathname;

/** Limits of one row (seconds). */
export interface RowLimits {
  timeoutSeconds: number;
  stallSeconds: number;
}

export interface RowResult {
  cli: CliName;
  scenario: Scenario;
  ok: boolean;
  seconds: number;
  /** Failed checks, one line each. */
  problems: string[];
  /** What steward recorded, short. */
  recorded: string;
  dir: string;
  /** Set when the row was checked against a known limitation of the CLI (limits.ts): the reason. */
  limited?: string;
  /** The matrix row's name when it is not the CLI's (e.g. claude@latest). */
  label?: string;
}

type Json = Record<string, any>;

/** The task text: quotes, $, backslashes, tabs, double spaces and non-ASCII, so a CLI that rewrites its prompt shows. */
export function goalOf(scenario: Scenario): string {
  return [
    'Create the file hello.txt in the working directory with your shell tool.',
    `Keep these exactly: "double quotes", 'single quotes', $HOME, back\\slash, a\ttab, two  spaces, ünïcödé ✓ — {braces} <angle>.`,
    `E2E-SCENARIO:${scenario}`,
  ].join('\n');
}

/** Runs the built steward CLI (asynchronously: the mock model answers from this same process). */
export function steward(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STEWARD, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every string inside a JSON value (a request body), to look for the prompt in. */
export function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** What each scenario must leave in the store. */
const EXPECT: Record<Scenario, Expect> = {
  ok: { status: 'done', attempts: 0, result: /E2E-DONE ok/, file: true },
  slow: { status: 'done', attempts: 0, result: /E2E-DONE slow/, file: true },
  bg: { status: 'done', attempts: 0, result: /E2E-DONE bg/, file: true },
  ask: { status: 'blocked', kind: 'needs_input', attempts: 0, file: true },
  e401: { status: 'failed', kind: 'fatal', attempts: 1, file: false },
  e429: { status: 'ready', kind: 'rate_limit', attempts: 0, file: false },
  e500: { status: 'ready', kind: 'transient', attempts: 1, file: false },
  hang: { status: 'ready', kind: 'stalled', attempts: 1, file: false },
  par: { status: 'done', attempts: 0, file: false }, // e2e/parallel.ts checks this row
};

/** The expectation of a row: the scenario's, with a known limitation of the CLI applied. */
function expectOf(cli: CliName, scenario: Scenario): Expect {
  return { ...EXPECT[scenario], ...limitationOf(cli, scenario)?.expect };
}

/** Runs one row and checks it; leftovers of the run are killed afterwards whatever the outcome. */
export async function runRow(cli: CliName, scenario: Scenario, root: string, mock: MockModel, limits: RowLimits, target: Target = targetOf(cli)): Promise<RowResult> {
  const started = Date.now();
  const dir = join(root, `${target.name}-${scenario}`);
  const home = join(dir, 'home');
  const proj = join(dir, 'proj');
  mkdirSync(proj, { recursive: true });
  const { profile } = forTarget(setupCli(cli, home, mock.url), target);
  // GIT_CEILING_DIRECTORIES: a git repository above the harness's folder is never taken for the project's.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TERM: 'dumb', GIT_CEILING_DIRECTORIES: root };
  const problems: string[] = [];
  const fail = (what: string) => problems.push(what);
  const init = await steward(['init', '--dir', dir], env, 60_000);
  if (init.code !== 0) fail(`steward init: ${init.stderr.trim()}`);
  const config = {
    // isolation none: the rows' workspaces are under e2e/.runs in the checkout, so `proj` sits inside steward's own git
    // repository and would get a worktree of it (where proj does not exist: the CLI could not start, "not found").
    projects: { e2e: { workdir: 'proj', agent: cli, isolation: 'none' } },
    // The harness's scenarios run shell tools (a background process): bypass, which steward never picks by itself.
    agents: { [cli]: { ...profile, ...(cli === 'opencode' ? {} : { permissions: 'bypass' }), timeoutSeconds: limits.timeoutSeconds, stallSeconds: limits.stallSeconds, leaseSeconds: 60 } },
  };
  writeFileSync(join(dir, '.steward', 'config.yaml'), JSON.stringify(config, null, 2));
  const goal = goalOf(scenario);
  const added = await steward(['add', `e2e ${cli} ${scenario}`, '--goal', goal, '--project', 'e2e', '--agent', cli, '--dir', dir, '--json'], env, 60_000);
  const taskId = added.code === 0 ? (JSON.parse(added.stdout) as Json).task.id : undefined;
  if (taskId === undefined) fail(`steward add: ${added.stderr.trim()}`);
  const firstRequest = mock.requests.length;
  const work = await steward(['work', '--agent', cli, '--once', '--json', '--dir', dir], env, (limits.timeoutSeconds + 60) * 1000);
  if (work.code !== 0) fail(`steward work exited ${work.code}: ${work.stderr.trim().slice(-300)}`);
  const leftovers = groupsByEnv({ STEWARD_DIR: dir }, 'STEWARD_RUN_ID');
  for (const [runId, pgids] of leftovers) {
    fail(`processes of run ${runId} still running after steward work (groups ${pgids.join(',')})`);
    for (const g of pgids) signalGroup(g, 'SIGKILL');
  }
  let recorded = '';
  if (taskId !== undefined) {
    const shown = await steward(['show', String(taskId), '--dir', dir, '--json'], env, 60_000);
    const { task, runs } = JSON.parse(shown.stdout || '{}') as { task: Json; runs: Json[] };
    const run = runs?.[0] ?? {};
    const want = expectOf(cli, scenario);
    recorded = `${task?.status}${run.failure_kind ? `/${run.failure_kind}` : ''} attempts=${task?.attempts}`;
    if (runs?.length !== 1) fail(`expected 1 run, found ${runs?.length}`);
    if (task?.status !== want.status) fail(`task status ${task?.status}, expected ${want.status}`);
    // A hung model call that the CLI itself gives up on and retries (Gemini CLI's own fetch timeout logs "Attempt N
    // failed … fetch failed") is classified from that retry line as transient — the same strike and requeue as a stall.
    const cliRetried = scenario === 'hang' && run.failure_kind === 'transient' && /while the CLI retried a failed model call/.test(String(run.error ?? ''));
    if ((run.failure_kind ?? undefined) !== want.kind && !cliRetried) fail(`failure kind ${run.failure_kind}, expected ${want.kind ?? 'none'} (error: ${String(run.error ?? '').slice(0, 300)})`);
    if (task?.attempts !== want.attempts) fail(`attempts ${task?.attempts}, expected ${want.attempts}`);
    if (want.result && !want.result.test(String(task?.result ?? ''))) fail(`result ${JSON.stringify(String(task?.result ?? '').slice(0, 200))} does not match ${want.result}`);
    if (want.kind && !run.error) fail('the failed run has no error text');
    if (scenario === 'ask' && !/Which colour/.test(String(task?.question ?? ''))) fail(`question not recorded: ${JSON.stringify(task?.question)}`);
    if (want.status === 'done' && !(Number(run.tokens_in) > 0 || Number(run.cost_usd) > 0)) fail('no tokens or cost recorded');
  }
  const file = existsSync(join(proj, 'hello.txt'));
  if (expectOf(cli, scenario).file && !file) fail('hello.txt was not created');
  const rowRequests = mock.requests.slice(firstRequest);
  if (!rowRequests.some((r) => r.api !== 'other')) fail('the CLI never called the model');
  else {
    const exact = rowRequests.some((r) => {
      try {
        return strings(JSON.parse(r.body)).some((s) => s.includes(goal));
      } catch {
        return false;
      }
    });
    if (!exact) fail('the prompt did not reach the model byte-exact');
  }
  writeFileSync(join(dir, 'requests.jsonl'), rowRequests.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const limited = limitationOf(cli, scenario)?.why;
  return { cli, scenario, ok: problems.length === 0, seconds: Math.round((Date.now() - started) / 100) / 10, problems, recorded, dir, label: target.name, ...(limited ? { limited } : {}) };
}

/** The run log steward wrote for the row (for saving as a sample). */
export function rowLog(dir: string): string {
  const logs = join(dir, '.steward', 'logs');
  try {
    return readFileSync(join(logs, '1-1.log'), 'utf8');
  } catch {
    return '';
  }
}
