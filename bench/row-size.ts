// What a task's size costs one claim+complete cycle: steward's one task per call (claimTask, then completeRun) beside
// raw better-sqlite3 carrying the same text (a jobs row with the title and goal, the summary written as its result), at
// several goal and summary sizes. The throughput section (npm run bench) measures empty goals and a 2-byte summary; an
// agent's task usually has a goal of a few KiB and a summary of one or two. Not part of `npm run bench` (it is a study).
// Run: npm run build && node dist/bench/row-size.js [tasks=2000] [rounds=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { median } from './report.js';
import { wcharNow } from './sql-count.js';

/** Goal and summary sizes in bytes (ASCII). */
const SIZES: Array<[goal: number, summary: number]> = [[0, 2], [2000, 2], [0, 1000], [2000, 1000], [4000, 2], [8000, 2000]];

interface Drain { us: number; kib: number; claimed: number; distinct: number }

function timed(claimAll: (claimed: number[]) => void): Drain {
  const claimed: number[] = [];
  const w0 = wcharNow();
  const t0 = performance.now();
  claimAll(claimed);
  const us = ((performance.now() - t0) * 1000) / claimed.length;
  return { us, kib: (wcharNow() - w0) / 1024 / claimed.length, claimed: claimed.length, distinct: new Set(claimed).size };
}

function stewardDrain(dir: string, n: number, goal: string, summary: string): Drain {
  const path = join(dir, 'steward.db');
  const seed = openStore(path);
  seed.tx(() => {
    for (let i = 0; i < n; i++) addTask(seed, { title: `task ${i}: a title of ordinary length`, goal }, { now: Date.now(), actor: 'bench' });
  });
  seed.db.pragma('wal_checkpoint(TRUNCATE)');
  seed.close();
  const store = openStore(path, { busyTimeoutMs: 30_000 });
  try {
    return timed((claimed) => {
      for (;;) {
        const out = claimTask(store, { agent: 'w' }, { now: Date.now(), actor: 'w' });
        if (!out.task) break;
        claimed.push(out.task.id);
        // A fault for the script's own test (test/bench-row-size.test.ts): one task reported as handed out twice.
        if (process.env.STEWARD_BENCH_FAULT === 'claim-twice' && claimed.length === 1) claimed.push(out.task.id);
        completeRun(store, { run_id: out.run.id, summary }, { now: Date.now(), actor: 'w' });
      }
    });
  } finally {
    store.close();
  }
}

/** bench/workers.ts's raw floor with the task's text in the row: one UPDATE … RETURNING to claim, one UPDATE to complete. */
function rawDrain(dir: string, n: number, goal: string, summary: string): Drain {
  const db = new Database(join(dir, 'raw.db'), { timeout: 30_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT NOT NULL, priority INTEGER NOT NULL, created_at INTEGER NOT NULL,
      title TEXT NOT NULL, goal TEXT NOT NULL, locked_by TEXT, result TEXT);
      CREATE INDEX jobs_ready ON jobs(status, priority, id);`);
    const ins = db.prepare("INSERT INTO jobs (status, priority, created_at, title, goal) VALUES ('ready', 50, ?, ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < n; i++) ins.run(Date.now(), `task ${i}: a title of ordinary length`, goal);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    // The claim returns the row (a worker needs the goal), as steward's claim returns the task.
    const claimStmt = db.prepare(`UPDATE jobs SET status = 'running', locked_by = ? WHERE id =
      (SELECT id FROM jobs WHERE status = 'ready' ORDER BY priority, id LIMIT 1) RETURNING id, title, goal`);
    const doneStmt = db.prepare("UPDATE jobs SET status = 'done', result = ? WHERE id = ? AND locked_by = ?");
    const claim = db.transaction(() => claimStmt.get('w') as { id: number } | undefined);
    const complete = db.transaction((id: number) => doneStmt.run(summary, id, 'w'));
    return timed((claimed) => {
      for (;;) {
        const job = claim.immediate();
        if (!job) break;
        claimed.push(job.id);
        complete.immediate(job.id);
      }
    });
  } finally {
    db.close();
  }
}

function main(): void {
  // SQLite files, whatever the environment names (a user's shell, `npm run test:pg`): as bench/run.ts.
  delete process.env.STEWARD_DATABASE_URL;
  delete process.env.STEWARD_DATABASE_SCHEMA;
  const n = Number(process.argv[2] ?? 2000);
  const rounds = Number(process.argv[3] ?? 3);
  console.log(`claim+complete one task per call by row size: ${n} tasks per drain, median of ${rounds} rounds (subjects interleaved), node ${process.version}`);
  console.log('| goal B | summary B | steward µs/cycle | raw µs/cycle | steward vs raw | steward KiB written/cycle | raw KiB written/cycle |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  let ok = true;
  for (const [g, s] of SIZES) {
    const goal = 'g'.repeat(g);
    const summary = 's'.repeat(s);
    const st: Drain[] = [];
    const raw: Drain[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [list, drain] of [[st, stewardDrain], [raw, rawDrain]] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'steward-rowsize-'));
        try {
          list.push(drain(dir, n, goal, summary));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    ok &&= [...st, ...raw].every((d) => d.claimed === n && d.distinct === n);
    const m = (ds: Drain[], f: (d: Drain) => number) => median(ds.map(f));
    const su = m(st, (d) => d.us);
    const ru = m(raw, (d) => d.us);
    console.log(`| ${g} | ${s} | ${su.toFixed(0)} | ${ru.toFixed(0)} | ${(ru / su).toFixed(2)}× | ${m(st, (d) => d.kib).toFixed(1)} | ${m(raw, (d) => d.kib).toFixed(1)} |`);
  }
  if (!ok) {
    console.error('row-size: a drain did not claim every task exactly once');
    process.exit(1);
  }
}

main();
