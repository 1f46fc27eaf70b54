// The queue chaos run (issue 22): worker processes claiming and completing through steward's operations, and one or
// two `steward up` ticking (reaping the runs of killed workers), all on one queue — on Postgres, each `up` in a
// workspace of its own as on separate machines — while we SIGKILL workers and `up`s at moments bound by progress.
// Then: every task done, none completed twice or held by two runs at once, every result a worker saw committed is
// recorded, and the tick never ran in two processes at once (STEWARD_TICK_JOURNAL, src/tick/run-tick.ts).
// Run: npm run build && node dist/bench/chaos-queue.js --postgres [--tasks 20000] [--workers 8] [--ups 2]
//      [--worker-kills 40] [--up-kills 6] [--work-ms 2] [--seed S] [--limit SECONDS] [--keep]   (without --postgres: SQLite, one up)
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { addTask } from '../src/ops/index.js';
import { openStore, type Store, type StoreOptions } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';
import { startPgCluster, type PgCluster } from '../test/support/pg-cluster.js';
import { resultOf, storeNow } from './chaos-queue-worker.js';
import { seededRandom, UpProcess } from './chaos-procs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/steward.cjs');
const WORKER = fileURLToPath(new URL('./chaos-queue-worker.js', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface QueueChaosOptions {
  backend: 'sqlite' | 'postgres';
  tasks: number;
  workers: number;
  /** `steward up` instances (SQLite: 1 — a second `up` of one workspace is refused by design). */
  ups: number;
  /** SIGKILLs spread over the run by progress (kill k once k/(n+1) of the tasks are done), whatever the machine's speed. */
  kills: { worker: number; up: number };
  seed: number;
  durationLimitMs: number;
  /** How long each worker "works" on a task between claim and complete (ms). Default 2. */
  workMs?: number;
  /** Postgres: this server instead of a throwaway cluster of our own. */
  pgUrl?: string;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface Check { name: string; ok: boolean; problems: string[] }

export interface QueueChaosReport {
  ok: boolean;
  backend: string;
  tasks: number;
  workers: number;
  ups: number;
  seconds: number;
  /** Completed tasks per second over the whole run (kills and lease waits included). */
  perSecond: number;
  kills: { worker: number; up: number; upMidTick: number };
  runsByOutcome: Record<string, number>;
  /** Completions refused with LEASE_LOST (the worker was slower than its lease and the run had been reaped). */
  leaseLost: number;
  ticks: { total: number; byUp: number[]; takeovers: number };
  checks: Check[];
  workspace: string;
}

/** The Postgres schema of the run's queue (its own per driver process). */
const CHAOS_SCHEMA = `chaos_${process.pid}`;

function writeConfig(path: string): void {
  const config = {
    dispatch: 'none',
    heartbeat: { everySeconds: 1 },
    retry: { baseSeconds: 0.2, factor: 2, capSeconds: 1, jitter: 0 },
    board: { doneLimit: 5 },
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** A worker slot: its process, restarted after each kill until it exits by itself (nothing left). */
class WorkerSlot {
  child: ChildProcess | undefined;
  finished = false;
  readonly crashes: string[] = [];
  private killing = new Set<number>();

  constructor(private readonly args: string[], private readonly env: NodeJS.ProcessEnv, private readonly logFile: string) {}

  start(): void {
    const child = spawn(process.execPath, [WORKER, ...this.args], { stdio: ['ignore', 'ignore', 'pipe'], env: this.env });
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.killing.delete(child.pid!)) return;
      if (code === 0) this.finished = true;
      else {
        this.crashes.push(`worker pid ${child.pid} exited by itself: ${signal ?? code} ${err.slice(-500)}`);
        appendFileSync(this.logFile, err);
      }
    });
    this.child = child;
  }

  async kill(): Promise<number | undefined> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null) return undefined;
    this.killing.add(child.pid);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    return child.pid;
  }
}

/** Parses `begin|end OWNER` and `kill PID` lines: two ticks overlapping (the holder not killed) is a violation. */
export function checkTickJournal(text: string): { problems: string[]; total: number; byPid: Map<number, number>; takeovers: number } {
  const problems: string[] = [];
  const byPid = new Map<number, number>();
  const killed = new Set<number>();
  let holder: { owner: string; pid: number; line: number } | undefined;
  let total = 0;
  let takeovers = 0;
  const pidOf = (owner: string) => Number(/:(\d+):[0-9a-f]+$/.exec(owner)?.[1] ?? NaN);
  text.split('\n').forEach((line, i) => {
    const [what, who] = line.split(' ');
    if (what === 'kill') killed.add(Number(who));
    else if (what === 'begin' && who) {
      total++;
      const pid = pidOf(who);
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      if (holder) {
        if (killed.has(holder.pid)) takeovers++;
        else problems.push(`line ${i + 1}: ${who} began a tick while ${holder.owner} (line ${holder.line}) had not ended its own and was not killed`);
      }
      holder = { owner: who, pid, line: i + 1 };
    } else if (what === 'end' && who) {
      if (holder?.owner === who) holder = undefined;
      else problems.push(`line ${i + 1}: ${who} ended a tick it had not begun (holder ${holder?.owner ?? 'none'})`);
    }
  });
  return { problems, total, byPid, takeovers };
}

/** Runs the scenario; never throws on a broken promise (the report says which). */
export async function runQueueChaos(o: QueueChaosOptions): Promise<QueueChaosReport> {
  const log = o.log ?? (() => {});
  const random = seededRandom(o.seed);
  const ups = o.backend === 'sqlite' ? 1 : o.ups;
  const root = mkdtempSync(join(tmpdir(), 'steward-chaos-queue-'));
  let cluster: PgCluster | undefined;
  let url = o.pgUrl;
  if (o.backend === 'postgres' && !url) {
    cluster = await startPgCluster();
    url = cluster.createDatabase('chaos');
  }
  const pgEnv = o.backend === 'postgres' ? { STEWARD_DATABASE_URL: url!, STEWARD_DATABASE_SCHEMA: CHAOS_SCHEMA } : {};
  const tickJournal = join(root, 'tick.journal');
  const workJournal = join(root, 'work.journal');
  const env = { ...process.env, ...pgEnv, STEWARD_DIR: '', STEWARD_TICK_JOURNAL: tickJournal };
  // One workspace per `up` (separate machines share only the database); on SQLite the one workspace's queue.db.
  const spaces = Array.from({ length: ups }, (_, i) => createWorkspaceDirs(join(root, `up${i}`)).workspace);
  for (const ws of spaces) writeConfig(ws.configPath);
  const dbPath = spaces[0]!.dbPath;
  const store: Store = openStore(dbPath, (o.backend === 'postgres' ? { url, schema: CHAOS_SCHEMA } : {}) as StoreOptions);
  const dialect = (store.db as { dialect?: string }).dialect ?? 'sqlite';
  if (dialect !== o.backend) {
    store.close();
    throw new Error(`asked for ${o.backend}, openStore gave ${dialect}: this build has no Postgres store route yet`);
  }
  const started0 = Date.now();
  for (let i = 0; i < o.tasks; i += 1000) {
    store.tx(() => {
      for (let k = i; k < Math.min(o.tasks, i + 1000); k++) addTask(store, { title: `chaos ${k + 1}`, max_attempts: 100 }, { now: storeNow(store), actor: 'chaos' });
    });
  }
  log(`chaos-queue: ${o.tasks} tasks seeded in ${((Date.now() - started0) / 1000).toFixed(1)} s on ${o.backend}; ${o.workers} workers, ${ups} up, seed ${o.seed}`);
  const terminal = store.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('done', 'failed', 'cancelled')");
  const count = () => Number((terminal.get() as { n: number }).n);

  const upProcs = spaces.map((ws, i) => new UpProcess(CLI, ws.root, join(root, `up${i}.log`), env));
  const slots = Array.from({ length: o.workers }, (_, i) => new WorkerSlot([dbPath, workJournal, `w${i}`, String(o.workMs ?? 2)], env, join(root, 'workers.log')));
  const killedWorkers = new Set<number>();
  const kills = { worker: 0, up: 0, upMidTick: 0 };
  const planned = o.kills.worker + o.kills.up;
  const started = Date.now();
  // Ctrl-C / SIGTERM of the run: take the workers and ups down with it and end (the exit hook stops the cluster).
  const onSignal = () => {
    for (const s of slots) s.child?.kill('SIGKILL');
    for (const u of upProcs) if (u.pid) process.kill(u.pid, 'SIGKILL');
    process.exit(130);
  };
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
  upProcs.forEach((u) => u.start());
  slots.forEach((s) => s.start());
  const restartUp: Array<number> = upProcs.map(() => 0);
  let finished = false;
  /** The next planned kill, once its share of the tasks is done: an `up` when up kills lag behind their share. */
  const killIfDue = async (done: number): Promise<void> => {
    const k = kills.worker + kills.up;
    if (k >= planned || done < Math.ceil(((k + 1) * o.tasks) / (planned + 1))) return;
    const liveWorkers = slots.filter((s) => s.child && !s.finished);
    const wantUp = kills.up < o.kills.up && (kills.worker >= o.kills.worker || kills.up * o.kills.worker < kills.worker * o.kills.up || !liveWorkers.length);
    if (wantUp) {
      const live = upProcs.map((u, i) => [u, i] as const).filter(([u]) => u.pid);
      if (!live.length) return;
      const [u, i] = live[Math.floor(random() * live.length)]!;
      const pid = u.pid!;
      appendFileSync(tickJournal, `kill ${pid}\n`);
      await u.stop('SIGKILL');
      kills.up++;
      const lines = existsSync(tickJournal) ? readFileSync(tickJournal, 'utf8').trimEnd().split('\n') : [];
      const last = [...lines].reverse().find((l) => l.includes(`:${pid}:`));
      if (last?.startsWith('begin')) kills.upMidTick++;
      restartUp[i] = Date.now() + 200 + random() * 800;
      log(`chaos-queue: SIGKILL up ${i} (pid ${pid}${last?.startsWith('begin') ? ', mid-tick' : ''}) at ${done}/${o.tasks}`);
    } else if (liveWorkers.length) {
      const pid = await liveWorkers[Math.floor(random() * liveWorkers.length)]!.kill();
      if (pid === undefined) return;
      killedWorkers.add(pid);
      kills.worker++;
      log(`chaos-queue: SIGKILL worker pid ${pid} at ${done}/${o.tasks}`);
    }
  };
  try {
    while (Date.now() - started < o.durationLimitMs) {
      await sleep(150);
      const now = Date.now();
      upProcs.forEach((u, i) => {
        if (!u.pid && restartUp[i] && now >= restartUp[i]!) {
          restartUp[i] = 0;
          u.start();
        } else if (!u.pid && !restartUp[i]) restartUp[i] = now + 200;
      });
      for (const s of slots) if (!s.child && !s.finished) s.start();
      const done = count();
      await killIfDue(done);
      // Done when every task is, every worker found nothing left, and no `up` kill is still due (a worker kill due
      // then has no worker left to hit).
      if (done === o.tasks && slots.every((s) => s.finished) && kills.up >= o.kills.up) {
        finished = true;
        break;
      }
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const s of slots) if (s.child) await s.kill();
    for (const u of upProcs) await u.stop('SIGTERM');
    for (const u of upProcs) await u.stop('SIGKILL');
  }
  const seconds = (Date.now() - started) / 1000;
  const checks = checkQueue(store, o.tasks, workJournal, killedWorkers, finished);
  const tj = checkTickJournal(existsSync(tickJournal) ? readFileSync(tickJournal, 'utf8') : '');
  checks.push({ name: 'the tick never ran in two processes at once', ok: tj.problems.length === 0, problems: tj.problems.slice(0, 10) });
  const crashes = [...slots.flatMap((s) => s.crashes), ...upProcs.flatMap((u) => u.crashes)];
  checks.push({ name: 'workers and ups stopped only when killed', ok: crashes.length === 0, problems: crashes.slice(0, 10) });
  const runsByOutcome = Object.fromEntries((store.db.prepare("SELECT COALESCE(outcome, status) AS k, COUNT(*) AS n FROM runs GROUP BY COALESCE(outcome, status) ORDER BY 1").all() as Array<{ k: string; n: number }>)
    .map((r) => [r.k, Number(r.n)]));
  store.close();
  const journal = readFileSync(workJournal, 'utf8');
  const ok = checks.every((c) => c.ok);
  if (ok && !o.keep) rmSync(root, { recursive: true, force: true });
  await cluster?.stop();
  return {
    ok, backend: o.backend, tasks: o.tasks, workers: o.workers, ups, seconds, perSecond: o.tasks / seconds, kills, runsByOutcome,
    leaseLost: (journal.match(/^lost /gm) ?? []).length,
    ticks: { total: tj.total, byUp: [...tj.byPid.values()], takeovers: tj.takeovers },
    checks, workspace: root,
  };
}

/** The database's record against the workers' journal. */
function checkQueue(store: Store, n: number, journalPath: string, killedWorkers: Set<number>, finished: boolean): Check[] {
  const db = store.db;
  const checks: Check[] = [];
  const states = db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status ORDER BY status').all() as Array<{ status: string; n: number }>;
  const done = Number(states.find((s) => s.status === 'done')?.n ?? 0);
  checks.push({ name: `0 lost: all ${n} tasks done`, ok: finished && done === n, problems: done === n ? [] : [`tasks by state: ${states.map((s) => `${s.status} ${s.n}`).join(', ')}`] });
  const twice = db.prepare("SELECT task_id, COUNT(*) AS n FROM runs WHERE outcome = 'completed' GROUP BY task_id HAVING COUNT(*) > 1 ORDER BY task_id").all() as Array<{ task_id: number; n: number }>;
  checks.push({ name: '0 duplicates: no task completed twice', ok: twice.length === 0, problems: twice.slice(0, 10).map((t) => `#${t.task_id}: ${t.n} completed runs`) });
  // Runs of one task, in order: each ended (completed, reaped, failed) before the next began.
  const runs = db.prepare('SELECT id, task_id, started_at, finished_at, outcome, summary FROM runs ORDER BY task_id, id').all() as Array<{
    id: number; task_id: number; started_at: number; finished_at: number | null; outcome: string | null; summary: string | null }>;
  const overlap: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1]!;
    const b = runs[i]!;
    if (a.task_id !== b.task_id) continue;
    if (a.finished_at === null || Number(a.finished_at) > Number(b.started_at)) overlap.push(`#${a.task_id}: run ${b.id} began at ${b.started_at} while run ${a.id} was live (ended ${a.finished_at ?? 'never'})`);
  }
  checks.push({ name: 'no task held by two runs at once', ok: overlap.length === 0, problems: overlap.slice(0, 10) });
  // Every completion a worker saw committed is recorded, with its result; every recorded completion was a worker's
  // (its journal line may be missing only when that worker was SIGKILLed right after the commit).
  const byId = new Map(runs.map((r) => [Number(r.id), r]));
  const taskResult = new Map((db.prepare("SELECT id, result FROM tasks WHERE status = 'done'").all() as Array<{ id: number; result: string | null }>).map((t) => [Number(t.id), t.result]));
  const lines = readFileSync(journalPath, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  const claimPid = new Map<number, number>();
  const doneSeen = new Map<number, number>();
  const problems: string[] = [];
  for (const [what, t, r, pid] of lines) {
    const task = Number(t);
    const run = Number(r);
    if (what === 'claim') claimPid.set(run, Number(pid));
    if (what !== 'done') continue;
    if (doneSeen.has(task)) problems.push(`#${task}: completed by runs ${doneSeen.get(task)} and ${run} (journal)`);
    doneSeen.set(task, run);
    const rec = byId.get(run);
    if (!rec || Number(rec.task_id) !== task || rec.outcome !== 'completed' || rec.summary !== resultOf(task, run)) {
      problems.push(`#${task} run ${run}: a worker saw it completed, the database has ${rec ? `${rec.outcome} "${rec.summary}"` : 'no such run'}`);
    }
    if (taskResult.get(task) !== resultOf(task, run)) problems.push(`#${task}: task result ${JSON.stringify(taskResult.get(task))}, expected ${resultOf(task, run)}`);
  }
  for (const r of runs) {
    if (r.outcome !== 'completed' || doneSeen.get(Number(r.task_id)) === Number(r.id)) continue;
    if (!killedWorkers.has(claimPid.get(Number(r.id)) ?? -1)) problems.push(`run ${r.id} of #${r.task_id} is completed but no worker recorded it (and its worker was not killed)`);
  }
  checks.push({ name: 'every completed task\'s result recorded (database = what the workers saw)', ok: problems.length === 0, problems: problems.slice(0, 10) });
  return checks;
}

export function formatQueueChaos(r: QueueChaosReport): string {
  return [
    `queue chaos on ${r.backend}: ${r.ok ? 'OK' : 'FAILED'} — ${r.tasks} tasks, ${r.workers} workers, ${r.ups} up, ${r.seconds.toFixed(1)} s ` +
      `(${r.perSecond.toFixed(0)} tasks/s)${r.ok ? '' : ` (kept: ${r.workspace})`}`,
    `  kills: workers ${r.kills.worker}, up ${r.kills.up} (${r.kills.upMidTick} mid-tick)`,
    `  runs: ${Object.entries(r.runsByOutcome).map(([k, v]) => `${k} ${v}`).join(', ')}; completions refused LEASE_LOST ${r.leaseLost}`,
    `  ticks: ${r.ticks.total} (by up process: ${r.ticks.byUp.join(', ')}), taken over from a killed up ${r.ticks.takeovers}`,
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.problems.map((p) => `\n         ${p}`).join('')}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      postgres: { type: 'boolean', default: false },
      url: { type: 'string' },
      tasks: { type: 'string', default: '20000' },
      workers: { type: 'string', default: '8' },
      ups: { type: 'string', default: '2' },
      'worker-kills': { type: 'string', default: '40' },
      'up-kills': { type: 'string', default: '6' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      limit: { type: 'string', default: '3600' },
      'work-ms': { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await runQueueChaos({
    backend: values.postgres || values.url ? 'postgres' : 'sqlite',
    ...(values.url ? { pgUrl: values.url } : {}),
    tasks: Number(values.tasks),
    workers: Number(values.workers),
    ups: Number(values.ups),
    kills: { worker: Number(values['worker-kills']), up: Number(values['up-kills']) },
    seed: Number(values.seed),
    durationLimitMs: Number(values.limit) * 1000,
    workMs: Number(values['work-ms']),
    keep: values.keep,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatQueueChaos(report));
  process.exitCode = report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
