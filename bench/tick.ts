// Benchmark: one `steward tick` on a workspace of 100,000 tasks (10,000 not terminal), in-process and via the CLI.
// Run: npm run build && node dist/bench/tick.js [tasks] [open]
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

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TOTAL = Number(process.argv[2] ?? 100_000);
const OPEN = Number(process.argv[3] ?? 10_000);
const CONFIG = 'triage:\n  accept: manual\n  sources:\n    cli: auto\nagents:\n  coder:\n    cli: claude\n    types: [code]\n';

/** Open tasks by state, as shares of OPEN. */
const OPEN_MIX: Array<[Task['status'], number]> = [['ready', 0.5], ['pending', 0.2], ['running', 0.1], ['review', 0.1], ['blocked', 0.1]];

/** Seeds TOTAL tasks in one transaction, straight through the repositories: done/failed/cancelled, then the open mix. */
function seed(store: Store, now: number): void {
  store.tx(() => {
    const base = { goal: 'seeded', type: 'code', agent: 'any', priority: 50, source: 'bench', created_by: 'bench', created_at: now - 86_400_000, updated_at: now - 3_600_000 } as const;
    const closed = TOTAL - OPEN;
    let firstReady = 0;
    for (let i = 0; i < closed; i++) {
      const status = i % 20 === 0 ? 'failed' : i % 30 === 0 ? 'cancelled' : 'done';
      const id = store.tasks.insert({ ...base, title: `closed ${i}`, status, finished_at: now - (i % 86_400) * 1000, result: 'ok' });
      store.events.add({ at: now - 3_600_000, actor: 'bench', kind: 'completed', task_id: id, run_id: null, proposal_id: null, from_status: 'running', to_status: 'done', reason: null, data: null });
    }
    for (const [status, share] of OPEN_MIX) {
      for (let i = 0; i < OPEN * share; i++) {
        const type = status === 'ready' && i % 100 === 0 ? 'research' : 'code';
        const extra = status === 'blocked' ? { question: 'which way?', blocked_kind: 'question' as const } : {};
        const id = store.tasks.insert({ ...base, type, title: `${status} ${i}`, status, ...extra });
        if (status === 'ready' && !firstReady) firstReady = id;
        if (status === 'pending') store.tasks.setDeps(id, [firstReady + (i % 100)]);
        if (status === 'running') {
          const run = store.runs.insert({ task_id: id, agent: 'coder', status: 'running', lease_ms: 300_000, lease_expires_at: now + 3_600_000, heartbeat_at: now + 3_000_000, started_at: now });
          store.tasks.update(id, { current_run_id: run });
        }
      }
    }
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-tick-'));
  try {
    const { workspace } = initWorkspace(dir);
    writeFileSync(workspace.configPath, CONFIG);
    const config = loadConfig({ root: dir, env: {} });
    const store = openStore(workspace.dbPath);
    let t = performance.now();
    seed(store, Date.now());
    console.log(`seeded ${TOTAL} tasks (${OPEN} not terminal) and ${TOTAL - OPEN} events in ${ms(performance.now() - t)}`);
    const hooks = buildTickHooks({ workspace, config });
    const tick = () => {
      const start = performance.now();
      const r = runTick({ store, ctx: { now: Date.now(), actor: 'bench' }, hooks, config });
      if (isSkipped(r)) throw new Error('tick skipped: lock busy');
      return { ms: performance.now() - start, r };
    };
    const first = tick();
    console.log(`in-process, first tick (digest reads the whole event log):   ${ms(first.ms)}  ${JSON.stringify(first.r.digest).length} bytes`);
    const steady = Array.from({ length: 20 }, () => tick().ms);
    console.log(`in-process, steady tick (median of 20):                         ${ms(median(steady))}  (min ${ms(Math.min(...steady))}, max ${ms(Math.max(...steady))})`);
    for (let i = 0; i < 100; i++) proposeTask(store, { title: `new idea ${i}` }, { now: Date.now(), actor: 'bench' }, 'cli');
    store.tx(() => store.runs.running().slice(0, 50).forEach((r) => store.runs.update(r.id, { lease_expires_at: Date.now() - 1 })));
    const busy = tick();
    console.log(`in-process, busy tick (100 auto-accepts, 50 leases reaped):   ${ms(busy.ms)}  acted ${JSON.stringify(busy.r.digest.acted)}`);
    const idle = tick();
    console.log(`idle digest: ${JSON.stringify(idle.r.digest)} (${Buffer.byteLength(JSON.stringify(idle.r.digest))} bytes)`);
    store.close();

    const run = (args: string[]) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
      return { ms: performance.now() - start, out: r.stdout };
    };
    const node = median(Array.from({ length: 5 }, () => run(['-e', '0']).ms));
    const cliRuns = Array.from({ length: 7 }, () => run([CLI, 'tick', '--json', '--dir', dir]));
    console.log(`CLI end to end, \`steward tick --json\` (median of 7):          ${ms(median(cliRuns.map((r) => r.ms)))}  (node -e 0 alone: ${ms(node)})`);
    console.log(`CLI output: ${cliRuns[cliRuns.length - 1]!.out.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
