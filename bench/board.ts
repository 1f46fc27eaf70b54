// Benchmark: TASKS.md render and read-back at 10,000 tasks, against a tasks.json write+read baseline.
// Run: npm run build && node dist/bench/board.js [tasks]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestBoard, renderBoardFile } from '../src/board/board-sync.js';
import { defaultConfig } from '../src/config/schema.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

/** Seeds `n` tasks over 10 projects, a tenth of them done, and measures the board against tasks.json. */
export function benchBoard(n: number): Record<string, number> {
  const { workspace } = createWorkspaceDirs(mkdtempSync(join(tmpdir(), 'steward-board-')));
  const store = openStore(workspace.dbPath);
  const ctx = { now: Date.now(), actor: 'bench' };
  store.tx(() => {
    for (let i = 0; i < n; i++) addTask(store, { title: `task number ${i} with a plain title`, project: `p${i % 10}`, priority: i % 100 }, ctx);
  });
  for (let i = 0; i < n / 10; i++) {
    const c = claimTask(store, { agent: 'a' }, ctx);
    if (c.task) completeRun(store, { run_id: c.run.id, summary: 'ok' }, ctx);
  }
  const opts = { store, ctx, path: workspace.boardPath, config: defaultConfig() };
  const [, firstRender] = time(() => renderBoardFile(opts, ingestBoard(opts)));
  const [, readBack] = time(() => ingestBoard(opts));
  const text = readFileSync(workspace.boardPath, 'utf8');
  writeFileSync(workspace.boardPath, text.replace('task number 9999 with', 'task number 9999 edited with'));
  const [edited, editedTick] = time(() => { const i = ingestBoard(opts); renderBoardFile(opts, i); return i; });
  if (edited.applied.length !== 1) throw new Error(`expected one edit applied, got ${edited.applied.length}`);
  const tasks = store.tasks.forBoard(1_000_000);
  const jsonPath = join(workspace.root, 'tasks.json');
  const [, jsonRoundTrip] = time(() => { writeFileSync(jsonPath, JSON.stringify(tasks)); return JSON.parse(readFileSync(jsonPath, 'utf8')); });
  store.close();
  return { tasks: n, bytes: text.length, firstRender, readBack, editedTick, jsonRoundTrip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchBoard(Math.max(10_000, Number(process.argv[2] ?? 10_000)));
  console.log(`TASKS.md at ${r.tasks} tasks (${(r.bytes! / 1024).toFixed(0)} KiB), node ${process.version}`);
  console.log(`  render (first write)          ${r.firstRender!.toFixed(0)} ms`);
  console.log(`  read back, no edit (diff)     ${r.readBack!.toFixed(0)} ms`);
  console.log(`  one hand edit: read+apply+render ${r.editedTick!.toFixed(0)} ms`);
  console.log(`  baseline tasks.json write+read  ${r.jsonRoundTrip!.toFixed(0)} ms  (ratio render/baseline ${(r.firstRender! / r.jsonRoundTrip!).toFixed(1)})`);
}
