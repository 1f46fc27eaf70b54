// Which b-trees a claim+complete cycle writes: WAL frames per cycle, by table or index, read from the WAL itself,
// for any subject of bench/workers.ts (steward's paths and its peers, drained exactly as the throughput bench does).
// Run: npm run build && node dist/bench/wal-frames.js [tasks=2000] [subjects=steward,steward-next,plainjob,raw]
// The drain runs while another connection holds a read transaction begun on the empty WAL: SQLite cannot checkpoint
// past it (nor restart the WAL), so every frame each commit wrote is still in the file afterwards. Each frame's page
// number is mapped to its b-tree with the dbstat virtual table on a copy of the database.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { emptyWal, SUBJECTS, withSeededQueue } from './workers.js';

/** Page numbers of the WAL's frames, whether each is a table (not an index) b-tree page, and how many commits it holds. */
function walFrames(walPath: string): { pages: number[]; isTable: boolean[]; commits: number } {
  const wal = readFileSync(walPath);
  if (wal.length < 32) return { pages: [], isTable: [], commits: 0 };
  const pageSize = wal.readUInt32BE(8);
  const pages: number[] = [];
  const isTable: boolean[] = [];
  let commits = 0;
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    const page = wal.readUInt32BE(off);
    pages.push(page);
    // The b-tree page type: 0x0d table leaf, 0x05 table interior, 0x0a / 0x02 index (page 1 starts after the file header).
    const type = wal[off + 24 + (page === 1 ? 100 : 0)];
    isTable.push(type === 0x0d || type === 0x05);
    if (wal.readUInt32BE(off + 4) !== 0) commits++;
  }
  return { pages, isTable, commits };
}

/** Page number → name of the table or index that owns it. */
function pageOwners(path: string): Map<number, string> {
  const db = new Database(path, { readonly: true });
  try {
    return new Map((db.prepare('SELECT pageno, name FROM dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
  } finally {
    db.close();
  }
}

/** Frames per cycle of one drain of `n` seeded tasks, by b-tree. */
export async function walFramesOf(subject: string, n: number): Promise<{ frames: number; commits: number; byTree: Map<string, number> }> {
  const s = SUBJECTS[subject]!;
  return withSeededQueue(s, n, async (path) => {
    emptyWal(path);
    const before = pageOwners(path);
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // the snapshot (WAL read lock 0) that blocks checkpoints
    const claimed: number[] = [];
    await s.drain(path, 'w0', claimed);
    if (claimed.length !== n) throw new Error(`${s.name}: ${claimed.length} claims of ${n} tasks`);
    const { pages, isTable, commits } = walFrames(path + '-wal');
    const dir = join(path, '..');
    copyFileSync(path, join(dir, 'snap.db'));
    copyFileSync(path + '-wal', join(dir, 'snap.db-wal'));
    const after = pageOwners(join(dir, 'snap.db'));
    const byTree = new Map<string, number>();
    const indexes = new Set(reader.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
    pages.forEach((p, i) => {
      // A page freed by one b-tree during the drain may be reused by another (an emptied index's pages go to the
      // table that grows): of its owners before and after, the one of the frame's kind (table or index) wrote it.
      const kindOk = (name: string | undefined) => name !== undefined && indexes.has(name) !== isTable[i];
      const b = before.get(p);
      const a = after.get(p);
      const tree = kindOk(b) ? b! : kindOk(a) ? a! : (b ?? a ?? '(free)');
      byTree.set(tree, (byTree.get(tree) ?? 0) + 1 / n);
    });
    reader.exec('COMMIT');
    reader.close();
    return { frames: pages.length / n, commits: commits / n, byTree };
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const subjects = (process.argv[3] ?? 'steward,steward-next,plainjob,raw').split(',');
  for (const s of subjects) {
    if (!SUBJECTS[s]) throw new Error(`unknown subject ${s}; subjects: ${Object.keys(SUBJECTS).join(', ')}`);
    const { frames, commits, byTree } = await walFramesOf(s, n);
    console.log(`${SUBJECTS[s]!.name}: ${frames.toFixed(2)} WAL frames per cycle, ${commits.toFixed(2)} commits per cycle (${n} tasks)`);
    for (const [tree, f] of [...byTree].sort((a, b) => b[1] - a[1])) if (f >= 0.01) console.log(`  ${tree.padEnd(32)} ${f.toFixed(2)}`);
  }
}

if (process.argv[1]?.endsWith('wal-frames.js')) await main();
