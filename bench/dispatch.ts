// Dispatch latency under `steward up` (issue 18 goal 2), the `dispatch` row of `npm run bench`:
// - add → agent start: from a committed `steward add` in another process (its task's created_at) to the agent process
//   started (the agent writes its own start time);
// - finished → next start: one slot (wip.global 1), the next task queued; from the running task's run finishing (its
//   finished_at, written by its babysitter) to the next task's agent started.
// Heartbeat a day and the change poll off: only the wake-up (src/workspace/wake-socket.ts) dispatches. Each series runs
// with a warm spare babysitter (src/runner/spare.ts; the bench waits for it to be ready between samples, i.e. tasks
// arriving slower than a Node start-up) and cold (spares: 0, a fresh Node per run) in the same run.
// Standalone: npm run build && node dist/bench/dispatch.js [samples=7]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/schema.js';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { spareLogPath } from '../src/runner/spare.js';
import { startUp, type UpHandle, type UpTracePoint } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { median } from './report.js';

const CLI = fileURLToPath(new URL('../src/cli/steward.cjs', import.meta.url));
const NEVER = 2 ** 31 - 1;
const LIMIT_MS = 120_000;

/**
 * The agent: a shell that writes started-<task> with its start time (ms), then waits (bounded) for go-<task> and exits
 * 0. A shell, not node: the agent CLI's own start-up is not steward's latency, and a `node -e` agent adds its own.
 */
const AGENT = [
  'date +%s%3N > "$MARKS/started-$STEWARD_TASK_ID"',
  'n=0; while [ ! -e "$MARKS/go-$STEWARD_TASK_ID" ] && [ $n -lt 24000 ]; do sleep 0.005; n=$((n+1)); done',
].join('\n');

export interface DispatchSeries {
  /** add → agent start, ms per sample. */
  addMs: number[];
  /** finished → next agent start, ms per sample. */
  nextMs: number[];
  /** Runs handed to a warm spare, and started cold. */
  handed: number;
  cold: number;
  wakeups: number;
  /** Tasks dispatched more than once, or runs not completed (must be 0). */
  faults: number;
  /** Where the time went, per series: segment → ms per sample (see STAGES). */
  addStages: Record<Stage, number[]>;
  nextStages: Record<Stage, number[]>;
}

/**
 * The path, cut at the points `up` traces (src/up/up.ts UpTracePoint) and the spare's log line: the write (the task's
 * created_at, or the finished run's finished_at) → `up` woken → the tick that dispatched it begins → its dispatch step
 * begins → the run handed to a spare (or a fresh babysitter started) → the spare has the message (warm only) → the agent
 * process runs (its own start time).
 */
export const STAGES = ['write → wake', 'wake → tick', 'tick → dispatch step', 'dispatch → handed', 'handed → spare has it', 'babysitter → agent start'] as const;
export type Stage = (typeof STAGES)[number];

const noStages = (): Record<Stage, number[]> => Object.fromEntries(STAGES.map((s) => [s, []])) as unknown as Record<Stage, number[]>;

/** Splits one sample at the traced points; a point that is missing leaves its segment out. */
function stagesOf(points: UpTracePoint[], spareAt: Map<number, number>, ref: number, runId: number, agentAt: number): Partial<Record<Stage, number>> {
  const handed = points.find((p) => p.what === 'handed' && p.run === runId);
  const wake = points.find((p) => p.what === 'wake' && p.at >= ref);
  if (!handed) return {};
  const before = (what: UpTracePoint['what']) => points.filter((p) => p.what === what && p.at <= handed.at).at(-1);
  const tick = before('tick');
  const dispatch = before('dispatch');
  const spare = spareAt.get(runId);
  const out: Partial<Record<Stage, number>> = {};
  if (wake) out['write → wake'] = wake.at - ref;
  if (wake && tick) out['wake → tick'] = Math.max(0, tick.at - wake.at);
  if (tick && dispatch) out['tick → dispatch step'] = dispatch.at - tick.at;
  if (dispatch) out['dispatch → handed'] = handed.at - dispatch.at;
  if (spare !== undefined) out['handed → spare has it'] = spare - handed.at;
  out['babysitter → agent start'] = agentAt - (spare ?? handed.at);
  return out;
}

function spareTimes(logsDir: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!existsSync(spareLogPath(logsDir))) return out;
  for (const m of readFileSync(spareLogPath(logsDir), 'utf8').matchAll(/takes run (\d+) \(at (\d+)\)/g)) out.set(Number(m[1]), Number(m[2]));
  return out;
}

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + LIMIT_MS;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench dispatch: ${what} did not happen within ${LIMIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function startedAt(root: string, id: number): number | undefined {
  const mark = join(root, `started-${id}`);
  if (!existsSync(mark)) return undefined;
  return Number(readFileSync(mark, 'utf8')) || undefined;
}

/** Runs both series once, with `spares` warm babysitters (0: every run starts cold). */
export async function measureDispatch(opts: { samples: number; spares: number; progress?: (line: string) => void }): Promise<DispatchSeries> {
  const root = mkdtempSync(join(tmpdir(), 'steward-dispatch-'));
  const { workspace } = initWorkspace(root);
  const raw = {
    heartbeat: { everySeconds: 24 * 3600 },
    wip: { global: 1 },
    agents: { coder: { cli: 'command', command: ['/bin/sh', '-c', AGENT], env: { MARKS: root }, leaseSeconds: 120 } },
  };
  writeFileSync(workspace.configPath, JSON.stringify(raw));
  const store = openStore(workspace.dbPath);
  const points: UpTracePoint[] = [];
  const up: UpHandle = await startUp({ workspace, config: configSchema.parse(raw), store, port: 0, pollMs: NEVER, debounceMs: NEVER, spares: opts.spares, log: () => undefined, trace: (p) => points.push(p) });
  const samples: Array<{ series: 'add' | 'next'; ref: number; task: number; agentAt: number }> = [];
  const say = opts.progress ?? (() => undefined);
  const warm = () => (up.spares ? up.spares.whenReady(1) : Promise.resolve());
  const go = (id: number) => writeFileSync(join(root, `go-${id}`), '');
  const runOf = (id: number) => store.read(() => store.runs.forTask(id, 5));
  const finished = (id: number) => until(`task #${id}'s run finishing`, () => runOf(id).find((r) => r.finished_at !== null)?.finished_at ?? undefined);
  const out: DispatchSeries = { addMs: [], nextMs: [], handed: 0, cold: 0, wakeups: 0, faults: 0, addStages: noStages(), nextStages: noStages() };
  const ids: number[] = [];
  try {
    await until('the first tick', () => (up.stats.ticks >= 1 ? true : undefined));
    // add → agent start: one task at a time, a `steward add` process each.
    for (let i = 0; i < opts.samples; i++) {
      await warm();
      const child = spawn(process.execPath, [CLI, 'add', `add ${i}`, '--json'], { cwd: root, env: { ...process.env, STEWARD_DIR: '' } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      await new Promise((r) => child.on('close', r));
      const task = JSON.parse(stdout).task as { id: number; created_at: string };
      ids.push(task.id);
      const at = await until(`task #${task.id}'s agent`, () => startedAt(root, task.id));
      out.addMs.push(at - Date.parse(task.created_at));
      samples.push({ series: 'add', ref: Date.parse(task.created_at), task: task.id, agentAt: at });
      say(`[bench] dispatch (spares ${opts.spares}): add → agent start ${out.addMs.at(-1)} ms`);
      go(task.id);
      await finished(task.id);
    }
    // finished → next start: a chain of tasks through one slot.
    const ctx = () => ({ now: Date.now(), actor: 'bench' });
    await warm();
    let current = addTask(store, { title: 'chain 0' }, ctx()).task.id;
    ids.push(current);
    await until(`task #${current}'s agent`, () => startedAt(root, current));
    for (let i = 0; i < opts.samples; i++) {
      const next = addTask(store, { title: `chain ${i + 1}` }, ctx()).task.id;
      ids.push(next);
      await warm();
      go(current);
      const at = await until(`task #${next}'s agent`, () => startedAt(root, next));
      const end = await finished(current);
      out.nextMs.push(at - end);
      samples.push({ series: 'next', ref: end, task: next, agentAt: at });
      say(`[bench] dispatch (spares ${opts.spares}): finished → next start ${out.nextMs.at(-1)} ms`);
      current = next;
    }
    go(current);
    await finished(current);
    for (const id of ids) {
      const runs = runOf(id);
      if (runs.length !== 1 || runs[0]!.outcome !== 'completed') out.faults++;
    }
    const spareAt = spareTimes(workspace.logsDir);
    for (const s of samples) {
      const parts = stagesOf(points, spareAt, s.ref, runOf(s.task)[0]!.id, s.agentAt);
      const into = s.series === 'add' ? out.addStages : out.nextStages;
      for (const [k, v] of Object.entries(parts)) into[k as Stage].push(v);
    }
  } finally {
    for (const id of ids) go(id);
    out.handed = up.spares?.stats.handed ?? 0;
    out.cold = up.spares?.stats.cold ?? ids.length;
    out.wakeups = up.stats.wakeups ?? 0;
    await up.drain();
    store.close();
    if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true }); else console.log(`kept ${root}`);
  }
  return out;
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 7);
  for (const spares of [1, 0]) {
    const r = await measureDispatch({ samples, spares, progress: (line) => console.log(line) });
    console.log(`spares ${spares}: add → agent start p50 ${median(r.addMs)} ms; finished → next start p50 ${median(r.nextMs)} ms; warm ${r.handed}, cold ${r.cold}, faults ${r.faults}`);
    for (const st of STAGES) console.log(`  ${st.padEnd(26)} add p50 ${r.addStages[st].length ? median(r.addStages[st]) : '-'} ms · next p50 ${r.nextStages[st].length ? median(r.nextStages[st]) : '-'} ms`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
