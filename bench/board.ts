// Benchmark: TASKS.md render and read-back at 10,000 tasks, against a tasks.json write+read baseline.
// Run: npm run build && node dist/bench/board.js [tasks]   (the full report: npm run bench)
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestBoard, renderBoardFile } from '../src/board/board-sync.js';
import { defaultConfig } from '../src/config/schema.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './report.js';

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

/** What `benchBoard` measured (times in ms, medians of `repeat`). */
export interface BoardFigures {
  tasks: number;
  bytes: number;
  seedMs: number;
  /** Render with no TASKS.md on disk: query, format, atomic write. */
  firstRender: number;
  /** Read the file back and diff it against the last render and the DB (no edit found). */
  readBack: number;
  /** A person changed one title: read + apply + render. */
  editedTick: number;
  /** The baseline: the same tasks as one JSON array, written and parsed back. */
  jsonRoundTrip: number;
  repeat: number;
}

/** Seeds `n` tasks over 10 projects, a tenth of them done, and measures the board against tasks.json. */
export function benchBoard(n: number, repeat = 1): BoardFigures {
  const root = mkdtempSync(join(tmpdir(), 'steward-board-'));
  try {
    return measureBoard(root, n, repeat);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function measureBoard(root: string, n: number, repeat: number): BoardFigures {
  const { workspace } = createWorkspaceDirs(root);
  const seedStart = performance.now();
  const store = openStore(workspace.dbPath);
  const ctx = { now: Date.now(), actor: 'bench' };
  store.tx(() => {
    for (let i = 0; i < n; i++) addTask(store, { title: `task number ${i} with a plain title`, project: `p${i % 10}`, priority: i % 100 }, ctx);
  });
  for (let i = 0; i < n / 10; i++) {
    const c = claimTask(store, { agent: 'a' }, ctx);
    if (c.task) completeRun(store, { run_id: c.run.id, summary: 'ok' }, ctx);
  }
  const seedMs = performance.now() - seedStart;
  const opts = { store, ctx, path: workspace.boardPath, config: defaultConfig() };
  const renders: number[] = [];
  const reads: number[] = [];
  const edits: number[] = [];
  const jsons: number[] = [];
  let text = '';
  for (let r = 0; r < repeat; r++) {
    // No file on disk: the ingest reads nothing, the render writes the whole board.
    try { unlinkSync(workspace.boardPath); } catch { /* first round */ }
    renders.push(time(() => renderBoardFile(opts, ingestBoard(opts)))[1]);
    reads.push(time(() => ingestBoard(opts))[1]);
    text = readFileSync(workspace.boardPath, 'utf8');
    const title = `task number ${n - 1 - r} with`;
    writeFileSync(workspace.boardPath, text.replace(title, `task number ${n - 1 - r} edited with`));
    const [edited, editedTick] = time(() => { const i = ingestBoard(opts); renderBoardFile(opts, i); return i; });
    if (edited.applied.length !== 1) throw new Error(`expected one edit applied, got ${edited.applied.length}`);
    edits.push(editedTick);
    const tasks = store.tasks.forBoard(1_000_000);
    const jsonPath = join(workspace.root, 'tasks.json');
    jsons.push(time(() => { writeFileSync(jsonPath, JSON.stringify(tasks)); return JSON.parse(readFileSync(jsonPath, 'utf8')); })[1]);
  }
  store.close();
  return { tasks: n, bytes: text.length, seedMs, firstRender: median(renders), readBack: median(reads), editedTick: median(edits), jsonRoundTrip: median(jsons), repeat };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchBoard(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 3));
  console.log(`TASKS.md at ${r.tasks} tasks (${(r.bytes / 1024).toFixed(0)} KiB), node ${process.version}, median of ${r.repeat}`);
  console.log(`  render (first write)          ${r.firstRender.toFixed(0)} ms`);
  console.log(`  read back, no edit (diff)     ${r.readBack.toFixed(0)} ms`);
  console.log(`  one hand edit: read+apply+render ${r.editedTick.toFixed(0)} ms`);
  console.log(`  baseline tasks.json write+read  ${r.jsonRoundTrip.toFixed(0)} ms  (ratio render/baseline ${(r.firstRender / r.jsonRoundTrip).toFixed(1)})`);
}
