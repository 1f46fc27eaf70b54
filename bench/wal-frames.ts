// Which b-trees a claim+complete cycle writes: WAL frames per cycle, by table or index, read from the WAL itself.
// Run: npm run build && node dist/bench/wal-frames.js [cycles=200]
// Checkpoints are off during the drain, so every frame a commit wrote is still in the WAL; each frame's page
// number is mapped to its b-tree with the dbstat virtual table on a copy of the database.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';

/** Page numbers of the WAL's frames, and how many commits it holds. */
function walFrames(walPath: string): { pages: number[]; commits: number } {
  const wal = readFileSync(walPath);
  const pageSize = wal.readUInt32BE(8);
  const pages: number[] = [];
  let commits = 0;
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    pages.push(wal.readUInt32BE(off));
    if (wal.readUInt32BE(off + 4) !== 0) commits++;
  }
  return { pages, commits };
}

function measure(mode: 'plain' | 'fetch-next', cycles: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'steward-wal-'));
  try {
    const path = join(dir, 'q.db');
    const store = openStore(path);
    const ctx = () => ({ now: Date.now(), actor: 'bench' });
    store.tx(() => {
      for (let i = 0; i < cycles + 1_000; i++) addTask(store, { title: `job ${i}` }, ctx());
    });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.pragma('wal_autocheckpoint = 0');
    const claim = { agent: 'w' };
    let out = claimTask(store, claim, ctx());
    copyFileSync(path + '-wal', join(dir, 'before.wal'));
    const skip = walFrames(join(dir, 'before.wal')).pages.length;
    for (let i = 0; i < cycles; i++) {
      if (!out.task) throw new Error('ran out of tasks');
      const runId = out.run.id;
      if (mode === 'fetch-next') out = completeRun(store, { run_id: runId, summary: 'ok' }, ctx(), { next: claim }).next!;
      else {
        completeRun(store, { run_id: runId, summary: 'ok' }, ctx());
        out = claimTask(store, claim, ctx());
      }
    }
    const { pages, commits } = walFrames(path + '-wal');
    const counted = pages.slice(skip);
    copyFileSync(path, join(dir, 'snap.db'));
    copyFileSync(path + '-wal', join(dir, 'snap.db-wal'));
    store.close();
    const snap = new Database(join(dir, 'snap.db'), { readonly: true });
    const owner = new Map((snap.prepare('SELECT pageno, name FROM dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
    snap.close();
    const byTree = new Map<string, number>();
    for (const p of counted) {
      const tree = owner.get(p) ?? '?';
      byTree.set(tree, (byTree.get(tree) ?? 0) + 1);
    }
    console.log(`steward ${mode}: ${(counted.length / cycles).toFixed(2)} WAL frames per cycle, ${((commits - 1) / cycles).toFixed(2)} commits per cycle`);
    for (const [tree, n] of [...byTree].sort((a, b) => b[1] - a[1])) console.log(`  ${tree.padEnd(16)} ${(n / cycles).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cycles = Number(process.argv[2] ?? 200);
measure('plain', cycles);
measure('fetch-next', cycles);
