// Benchmark: one `steward tick` on a workspace of 100,000 tasks (10,000 not terminal), in-process and via the CLI.
// Run: npm run build && node dist/bench/tick.js [tasks] [open]   (the full report: npm run bench)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load-config.js';
import type { Task } from '../src/core/types.js';
import { proposeTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { isSkipped, runTick } from '../src/tick/run-tick.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { median } from './report.js';

const CLI = fileURLToPath(new URL('../src/cli/steward.cjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CONFIG = 'triage:\n  accept: manual\n  sources:\n    cli: auto\nagents:\n  coder:\n    cli: claude\n    types: [code]\n';

/** Open tasks by state, as shares of the open count. */
const OPEN_MIX: Array<[Task['status'], number]> = [['ready', 0.5], ['pending', 0.2], ['running', 0.1], ['review', 0.1], ['blocked', 0.1]];

/** Seeds `total` tasks in one transaction, straight through the repositories: done/failed/cancelled, then the open mix. */
function seed(store: Store, now: number, total: number, open: number): void {
  store.tx(() => {
    const base = { goal: 'seeded', type: 'code', agent: 'any', priority: 50, source: 'bench', created_by: 'bench', created_at: now - 86_400_000, updated_at: now - 3_600_000 } as const;
    const closed = total - open;
    let firstReady = 0;
    for (let i = 0; i < closed; i++) {
      const status = i % 20 === 0 ? 'failed' : i % 30 === 0 ? 'cancelled' : 'done';
      const id = store.tasks.insert({ ...base, title: `closed ${i}`, status, finished_at: now - (i % 86_400) * 1000, result: 'ok' });
      store.events.add({ at: now - 3_600_000, actor: 'bench', kind: 'completed', task_id: id, run_id: null, proposal_id: null, from_status: 'running', to_status: 'done', reason: null, data: null });
    }
    for (const [status, share] of OPEN_MIX) {
      for (let i = 0; i < open * share; i++) {
        const type = status === 'ready' && i % 100 === 0 ? 'research' : 'code';
        const extra = status === 'blocked' ? { question: 'which way?', blocked_kind: 'question' as const } : {};
        const id = store.tasks.insert({ ...base, type, title: `${status} ${i}`, status, ...extra });
        if (status === 'ready' && !firstReady) firstReady = id;
        if (status === 'pending') store.tasks.setDeps(id, [firstReady + (i % 100)]);
        if (status === 'running') {
          const run = store.runs.insert({ task_id: id, agent: 'coder', lease_ms: 300_000, lease_expires_at: now + 3_600_000, heartbeat_at: now + 3_000_000, started_at: now });
          store.tasks.update(id, { current_run_id: run, last_run_id: run });
        }
      }
    }
  });
}

/** What `benchTick` measured (times in ms). */
export interface TickFigures {
  total: number;
  open: number;
  seedMs: number;
  /** The first tick: renders TASKS.md for the first time; the digest reads the whole event log. */
  firstMs: number;
  firstDigestBytes: number;
  /** Steady ticks (nothing to do), median/min/max of `steady`, and the median of their TASKS.md read and render steps. */
  steady: { median: number; min: number; max: number; runs: number; boardReadMs: number; boardRenderMs: number };
  /** 100 proposals auto-accepted and 50 expired leases reaped in one tick. */
  busyMs: number;
  busyActed: unknown;
  idleDigest: unknown;
  /** `steward tick --json` as a new process, median of `cliRuns`; and `node -e 0` alone. */
  cliMs: number;
  nodeMs: number;
  cliRuns: number;
}

/** One workspace of `total` tasks (`open` not terminal): the tick in-process and through the CLI. */
export function benchTick(opts: { total: number; open: number; steady?: number; cliRuns?: number }): TickFigures {
  const { total, open } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-tick-'));
  try {
    const { workspace } = initWorkspace(dir);
    writeFileSync(workspace.configPath, CONFIG);
    const config = loadConfig({ root: dir, env: {} });
    const store = openStore(workspace.dbPath);
    const t = performance.now();
    seed(store, Date.now(), total, open);
    const seedMs = performance.now() - t;
    const hooks = buildTickHooks({ workspace, config });
    // Time TASKS.md's two steps inside each tick by wrapping the hooks (the tick itself is unchanged).
    const steps = { read: 0, render: 0 };
    const ingest = hooks.ingest!;
    const render = hooks.render!;
    hooks.ingest = (s, c) => { const a = performance.now(); try { return ingest(s, c); } finally { steps.read = performance.now() - a; } };
    hooks.render = (s, c) => { const a = performance.now(); try { return render(s, c); } finally { steps.render = performance.now() - a; } };
    const tick = () => {
      const start = performance.now();
      const r = runTick({ store, ctx: { now: Date.now(), actor: 'bench' }, hooks, config });
      if (isSkipped(r)) throw new Error('tick skipped: lock busy');
      return { ms: performance.now() - start, r, ...steps };
    };
    const first = tick();
    const steady = Array.from({ length: opts.steady ?? 20 }, () => tick());
    for (let i = 0; i < 100; i++) proposeTask(store, { title: `new idea ${i}` }, { now: Date.now(), actor: 'bench' }, 'cli');
    store.tx(() => store.runs.running().slice(0, 50).forEach((r) => store.runs.update(r.id, { lease_expires_at: Date.now() - 1 })));
    const busy = tick();
    const idle = tick();
    store.close();

    const run = (args: string[]) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
      return performance.now() - start;
    };
    const cliRuns = opts.cliRuns ?? 7;
    const nodeMs = median(Array.from({ length: Math.min(cliRuns, 5) }, () => run(['-e', '0'])));
    const cliMs = median(Array.from({ length: cliRuns }, () => run([CLI, 'tick', '--json', '--dir', dir])));
    const ms = steady.map((x) => x.ms);
    return {
      total, open, seedMs,
      firstMs: first.ms,
      firstDigestBytes: JSON.stringify(first.r.digest).length,
      steady: {
        median: median(ms), min: Math.min(...ms), max: Math.max(...ms), runs: ms.length,
        boardReadMs: median(steady.map((x) => x.read)), boardRenderMs: median(steady.map((x) => x.render)),
      },
      busyMs: busy.ms,
      busyActed: busy.r.digest.acted,
      idleDigest: idle.r.digest,
      cliMs, nodeMs, cliRuns,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const total = Number(process.argv[2] ?? 100_000);
  const open = Number(process.argv[3] ?? total / 10);
  const f = benchTick({ total, open });
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`seeded ${total} tasks (${open} not terminal) and ${total - open} events in ${ms(f.seedMs)}`);
  console.log(`in-process, first tick (digest reads the whole event log):   ${ms(f.firstMs)}  ${f.firstDigestBytes} bytes`);
  console.log(`in-process, steady tick (median of ${f.steady.runs}):                         ${ms(f.steady.median)}  (min ${ms(f.steady.min)}, max ${ms(f.steady.max)}; TASKS.md read ${ms(f.steady.boardReadMs)}, render ${ms(f.steady.boardRenderMs)})`);
  console.log(`in-process, busy tick (100 auto-accepts, 50 leases reaped):   ${ms(f.busyMs)}  acted ${JSON.stringify(f.busyActed)}`);
  console.log(`idle digest: ${JSON.stringify(f.idleDigest)} (${Buffer.byteLength(JSON.stringify(f.idleDigest))} bytes)`);
  console.log(`CLI end to end, \`steward tick --json\` (median of ${f.cliRuns}):          ${ms(f.cliMs)}  (node -e 0 alone: ${ms(f.nodeMs)})`);
}

if (process.argv[1] === SELF) main();
