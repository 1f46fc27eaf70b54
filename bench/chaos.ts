// The chaos run: `steward up` drives flaky fake-CLI agents while we SIGKILL it and its babysitters at
// random (seeded) moments; then nothing may be lost, run twice at once or left running (bench/chaos-checks.ts).
// Run: npm run chaos   (or: node dist/bench/chaos.js [--tasks N] [--seed S] [--kill-every MS] [--limit S] [--keep])
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs, type Workspace } from '../src/workspace/workspace.js';
import { checkInvariants, type CheckFacts, type InvariantResult } from './chaos-checks.js';
import { doubleRuns, pidAlive, seededRandom, UpProcess, workspaceProcs } from './chaos-procs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/steward.cjs');
const FAKE = join(ROOT, 'test/fixtures/fake-cli.mjs');

/** What to run. */
export interface ChaosOptions {
  tasks: number;
  /** Give up (and fail) when the tasks are not all terminal by then. */
  durationLimitMs: number;
  seed: number;
  /** Mean time between kills; each waits a uniform 0.5–1.5 × this. Ignored when `killsByWork` is set. */
  killEveryMs: number;
  /**
   * Kills bound by work instead of time (the in-suite test): this many SIGKILLs of `steward up` and of babysitters,
   * spread over the run by progress (one each time another share of the tasks is terminal), whatever the machine's speed.
   */
  killsByWork?: { up: number; babysitter: number };
  /** How long a run may stay `running` with its babysitter gone while `up` runs before it counts as an orphan. Default 10 s. */
  orphanGraceMs?: number;
  /** How long to wait, once every task is terminal, for babysitters and CLIs to exit on their own. Default 20 s. */
  settleMs?: number;
  log?: (line: string) => void;
  /** Runs at once (wip.global). Default 4. */
  wip?: number;
  /** max_attempts of every task. Default 5. */
  maxAttempts?: number;
  /** Keep the workspace folder even when every invariant holds. */
  keep?: boolean;
}

/** What happened and whether every promise held. */
export interface ChaosReport extends CheckFacts {
  ok: boolean;
  workspace: string;
  seed: number;
  tasks: number;
  durationMs: number;
  /** Every task reached a terminal state before the time limit. */
  finished: boolean;
  /** upMidTick: of the `up` kills, those that left the tick lock held. */
  kills: { up: number; upMidTick: number; babysitter: number };
  /** `steward up` exits we did not cause. */
  upCrashes: string[];
  invariants: InvariantResult[];
}

const LEASE_MS = 10_000;
/** How long a run may stay `running` with no babysitter while `steward up` runs (it ticks every second). */
const REAP_GRACE_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function writeConfig(ws: Workspace, seed: number, wip: number): void {
  const fakeEnv = {
    FAKE_CLI: 'command',
    FAKE_MODE: 'flaky',
    // Mostly successes (half of them slow, so kills land mid-run), some errors, hangs, rate limits, a few auth failures.
    FAKE_FLAKY: 'success:4,slow:4,error:2,hang:1,rate_limit:1,auth:0.25',
    FAKE_SEED: String(seed),
    FAKE_SEED_PER_RUN: '1',
    FAKE_INTERVAL_MS: '200',
    FAKE_DURATION_MS: '1000',
    FAKE_RETRY_AFTER: '1',
    FAKE_TOKEN_FILE: join(ws.root, 'tokens.log'),
  };
  const profile = { cli: 'command', command: [process.execPath, FAKE, '{prompt}'], env: fakeEnv, maxConcurrent: wip, timeoutSeconds: 8, stallSeconds: 2, leaseSeconds: LEASE_MS / 1000 };
  const config = {
    heartbeat: { everySeconds: 1 },
    agents: { alpha: profile, beta: profile },
    wip: { global: wip },
    retry: { baseSeconds: 0.5, factor: 2, capSeconds: 4, jitter: 0.5 },
    board: { doneLimit: 5 },
  };
  writeFileSync(ws.configPath, `${JSON.stringify(config, null, 2)}\n`);
}

/** Runs the chaos scenario in a fresh temp workspace and returns the report (it never throws on a broken invariant). */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => {});
  const random = seededRandom(opts.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const { workspace: ws } = createWorkspaceDirs(mkdtempSync(join(tmpdir(), 'steward-chaos-')));
  writeConfig(ws, opts.seed, opts.wip ?? 4);
  const store = openStore(ws.dbPath);
  const ctx = { now: Date.now(), actor: 'chaos' };
  for (let i = 1; i <= opts.tasks; i++) addTask(store, { title: `chaos task ${i}`, max_attempts: opts.maxAttempts ?? 5 }, ctx);
  const unfinished = store.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status NOT IN ('done', 'failed', 'cancelled')");
  const tickLock = store.db.prepare("SELECT value FROM meta WHERE key = 'tick.lock'");
  const runningRuns = store.db.prepare("SELECT id, task_id, pid, started_at FROM runs WHERE status = 'running'");
  log(`chaos: ${opts.tasks} tasks in ${ws.root}, seed ${opts.seed}, a kill every ~${opts.killEveryMs} ms`);

  // `steward up`, restarted after each kill; its output goes to up.log.
  const up = new UpProcess(CLI, ws.root, join(ws.root, 'up.log'), { ...process.env, STEWARD_DIR: '', STEWARD_KILL_GRACE_MS: '1000' });

  const kills = { up: 0, upMidTick: 0, babysitter: 0 };
  const killedRuns = new Set<number>();
  const live = { doubleRuns: [] as string[], orphanRuns: [] as string[] };
  const seenDouble = new Set<string>();
  const deadSince = new Map<number, number>();
  const reportedOrphans = new Set<number>();
  const started = Date.now();
  let nextKill = started + between(0.5, 1.5) * opts.killEveryMs;
  // Work-bound plan: kill k (of up + babysitter kills, alternating) is due once k/(kills+1) of the tasks are terminal.
  const plan = opts.killsByWork;
  const planned = plan ? plan.up + plan.babysitter : 0;
  const planDone = { up: 0, babysitter: 0 };
  const due = (terminal: number) => plan !== undefined && planDone.up + planDone.babysitter < planned && terminal >= Math.ceil(((planDone.up + planDone.babysitter + 1) * opts.tasks) / (planned + 1));
  const terminalNow = store.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('done', 'failed', 'cancelled')");
  const orphanGrace = opts.orphanGraceMs ?? REAP_GRACE_MS;
  let restartAt = 0;
  let finished = false;
  up.start();
  try {
    while (Date.now() - started < opts.durationLimitMs) {
      await sleep(150);
      const now = Date.now();
      if (!up.pid && restartAt && now >= restartAt) {
        restartAt = 0;
        up.start();
      } else if (!up.pid && !restartAt) {
        restartAt = now + 200; // it crashed: start it again
      }
      const procs = workspaceProcs(ws.root, CLI, FAKE);
      for (const d of doubleRuns(procs)) {
        const key = `${d.taskId}:${d.runs.join(',')}`;
        if (!seenDouble.has(key)) live.doubleRuns.push(`#${d.taskId}: CLIs of runs ${d.runs.join(', ')} alive at once (pids ${d.pids.join(', ')})`);
        seenDouble.add(key);
      }
      // A running run whose babysitter is gone (or that never got one, past its lease) must be reaped
      // within a few ticks of an `up` that is up.
      const running = runningRuns.all() as Array<{ id: number; task_id: number; pid: number | null; started_at: number }>;
      for (const r of running) {
        const gone = r.pid === null ? now - r.started_at > LEASE_MS : !pidAlive(r.pid);
        if (!gone) {
          deadSince.delete(r.id);
          continue;
        }
        if (!deadSince.has(r.id)) deadSince.set(r.id, now);
        const since = Math.max(deadSince.get(r.id)!, up.since);
        if (up.pid && now - since > orphanGrace && !reportedOrphans.has(r.id)) {
          reportedOrphans.add(r.id);
          live.orphanRuns.push(`run ${r.id} of #${r.task_id} stayed running ${Math.round((now - since) / 1000)} s after its babysitter (pid ${r.pid ?? 'none'}) was gone, with steward up running`);
        }
      }
      if ((unfinished.get() as { n: number }).n === 0) {
        finished = true;
        break;
      }
      const babysitters = procs.filter((p) => p.kind === 'babysitter');
      let target: 'up' | 'babysitter';
      if (plan) {
        if (!due((terminalNow.get() as { n: number }).n)) continue;
        // Alternate, babysitters first; a babysitter kill waits for a live babysitter, an up kill for a running up.
        const wantUp = planDone.babysitter >= plan.babysitter || (planDone.up < plan.up && planDone.up < planDone.babysitter);
        if (wantUp ? !up.pid : babysitters.length === 0) continue;
        target = wantUp ? 'up' : 'babysitter';
      } else {
        if (now < nextKill) continue;
        nextKill = now + between(0.5, 1.5) * opts.killEveryMs;
        target = up.pid && (random() < 0.4 || babysitters.length === 0) ? 'up' : 'babysitter';
      }
      if (target === 'up' && up.pid) {
        kills.up++;
        planDone.up++;
        const pid = up.pid;
        await up.stop('SIGKILL');
        const lock = tickLock.get() as { value: string } | undefined;
        const midTick = lock !== undefined && lock.value.includes(`:${pid}:`);
        if (midTick) kills.upMidTick++;
        restartAt = Date.now() + between(100, 1000);
        log(`chaos: SIGKILL steward up (${kills.up}${midTick ? ', in the middle of a tick' : ''}) at ${Math.round((Date.now() - started) / 100) / 10} s; back in ${Math.round(restartAt - Date.now())} ms`);
      } else if (babysitters.length > 0) {
        const victim = babysitters[Math.floor(random() * babysitters.length)]!;
        try {
          process.kill(victim.pid, 'SIGKILL');
          kills.babysitter++;
          planDone.babysitter++;
          killedRuns.add(victim.runId);
          log(`chaos: SIGKILL babysitter ${victim.pid} of run ${victim.runId} (${kills.babysitter}) at ${Math.round((Date.now() - started) / 100) / 10} s`);
        } catch {
          // it finished meanwhile
        }
      }
    }
    if (!up.pid) up.start(); // the last act may have been a kill
    // Settle: every babysitter and CLI ends on its own once its run is recorded.
    const settleUntil = Date.now() + (opts.settleMs ?? 20_000);
    while (finished && Date.now() < settleUntil && workspaceProcs(ws.root, CLI, FAKE).length > 0) await sleep(200);
    await up.stop('SIGTERM');
  } finally {
    await up.stop('SIGKILL');
  }
  const durationMs = Date.now() - started;
  const leftoverProcs = workspaceProcs(ws.root, CLI, FAKE);
  for (const p of leftoverProcs) {
    try {
      process.kill(p.pid, 'SIGKILL'); // clean up, but the invariant already failed
    } catch {
      // gone
    }
  }
  const tokenFile = join(ws.root, 'tokens.log');
  const tokens = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').split('\n').filter(Boolean) : [];
  const { invariants, facts } = checkInvariants({
    store,
    outboxDir: ws.outboxDir,
    logsDir: ws.logsDir,
    tokens,
    killedRuns,
    liveProblems: live,
    leftovers: leftoverProcs.map((p) => `${p.kind} pid ${p.pid} of run ${p.runId} still alive`),
  });
  store.close();
  if (!finished) invariants.unshift({ name: '0 every task terminal within the time limit', ok: false, problems: [`gave up after ${Math.round(durationMs / 1000)} s`] });
  if (up.crashes.length) invariants.push({ name: '7 steward up only stops when killed', ok: false, problems: up.crashes });
  const ok = invariants.every((i) => i.ok);
  if (ok && !opts.keep) rmSync(ws.root, { recursive: true, force: true });
  return { ok, workspace: ws.root, seed: opts.seed, tasks: opts.tasks, durationMs, finished, kills, upCrashes: up.crashes, invariants, ...facts };
}

/** The report as lines for a person. */
export function formatReport(r: ChaosReport): string {
  const pairs = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `chaos run: ${r.ok ? 'OK' : 'FAILED'} — ${r.tasks} tasks, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s${r.ok ? '' : ` (workspace kept: ${r.workspace})`}`,
    `  kills survived: steward up ${r.kills.up} (${r.kills.upMidTick} in the middle of a tick), babysitters ${r.kills.babysitter}`,
    `  tasks: ${pairs(r.tasksByState)}`,
    `  runs: ${pairs(r.runsByOutcome)}; retries ${r.retries}; late results ${r.lateResults}; outbox entries left ${r.outboxLeft}`,
    `  results: ${r.tokens.produced} produced, ${r.tokens.recorded} recorded, ${r.tokens.diedWithBabysitter} died with a killed babysitter before it read them, ${r.tokens.missing} missing`,
    ...r.invariants.map((i) => `  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}${i.problems.map((p) => `\n         ${p}`).join('')}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '300' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      'kill-every': { type: 'string', default: '3000' },
      limit: { type: 'string', default: '900' },
      wip: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await runChaos({
    tasks: Number(values.tasks),
    seed: Number(values.seed),
    killEveryMs: Number(values['kill-every']),
    durationLimitMs: Number(values.limit) * 1000,
    wip: Number(values.wip),
    keep: values.keep,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
