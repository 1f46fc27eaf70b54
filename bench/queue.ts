// Benchmark: claim+complete cycles/s of steward against a raw better-sqlite3 loop, 1 and 4 processes, same run.
// Run: npm run build && node dist/bench/queue.js [tasks]   (the full report: npm run bench)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { countStatements, type SqlCounts } from './sql-count.js';
import { SUBJECTS, withSeededQueue } from './workers.js';

const SELF = fileURLToPath(import.meta.url);

/** What one child process reports. */
interface Report { claimed: number[]; start: number; end: number; sql?: SqlCounts }

/** Child mode: open, say "ready", wait for "go" on stdin, drain, report. With `count`, counts statements too. */
async function child(subject: string, path: string, worker: string, count: boolean): Promise<void> {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const counter = count ? countStatements() : undefined;
  const claimed: number[] = [];
  const start = performance.timeOrigin + performance.now();
  await SUBJECTS[subject]!.drain(path, worker, claimed);
  const end = performance.timeOrigin + performance.now();
  // A fault for the bench's own test (test/bench-exit.test.ts): steward reports one task as handed out twice.
  if (process.env.STEWARD_BENCH_FAULT === 'claim-twice' && subject === 'steward' && claimed.length > 0) claimed.push(claimed[0]!);
  const report: Report = { claimed, start, end, sql: counter?.stop() };
  process.stdout.write(JSON.stringify(report));
}

function startChild(subject: string, path: string, worker: string, count: boolean): { ready: Promise<void>; go(): void; done: Promise<Report> } {
  const args = [SELF, 'child', subject, path, worker, ...(count ? ['count'] : [])];
  const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  p.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  const done = new Promise<Report>((resolve, reject) =>
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`${subject} worker exit ${code}`)))),
  );
  return { ready, go: () => p.stdin.end('go\n'), done };
}

/** One measured drain: the rate, and whether every task was claimed exactly once. */
export interface Measured {
  perSecond: number;
  seconds: number;
  /** Claims handed out, over all processes. */
  claims: number;
  /** Distinct task ids among them. */
  distinct: number;
  /** Claims per process (how the work was shared). */
  perProcess: number[];
  /** Counts read back from the database afterwards (the subject's `check`). */
  db: Record<string, number>;
  /** Rows in the database after the drain minus rows before, all tables. */
  rowsAdded: number;
  /** Database file bytes after the drain (checkpointed) minus before. */
  bytesAdded: number;
  /** Statement counts summed over processes, when measured with `count`. */
  sql?: SqlCounts;
}

/** Rows in every table and the page count, after a full checkpoint. */
function footprint(path: string): { rows: number; bytes: number } {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const rows = tables.reduce((a, t) => a + (db.prepare(`SELECT COUNT(*) FROM "${t}"`).pluck().get() as number), 0);
    return { rows, bytes: (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number) };
  } finally {
    db.close();
  }
}

/** Seeds `n` tasks and drains them with `procs` processes; with `count`, the children count statements (slower; not for rates). */
export async function measure(subject: string, procs: number, n: number, opts: { count?: boolean } = {}): Promise<Measured> {
  return withSeededQueue(SUBJECTS[subject]!, n, async (path) => {
    const before = footprint(path);
    const children = Array.from({ length: procs }, (_, i) => startChild(subject, path, `w${i}`, opts.count ?? false));
    await Promise.all(children.map((c) => c.ready));
    children.forEach((c) => c.go());
    const reports = await Promise.all(children.map((c) => c.done));
    const after = footprint(path);
    const claimed = reports.flatMap((r) => r.claimed);
    const seconds = (Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start))) / 1000;
    const sums = reports.every((r) => r.sql) ? sumCounts(reports.map((r) => r.sql!)) : undefined;
    return {
      perSecond: claimed.length / seconds,
      seconds,
      claims: claimed.length,
      distinct: new Set(claimed).size,
      perProcess: reports.map((r) => r.claimed.length),
      db: SUBJECTS[subject]!.check(path),
      rowsAdded: after.rows - before.rows,
      bytesAdded: after.bytes - before.bytes,
      ...(sums ? { sql: sums } : {}),
    };
  });
}

function sumCounts(list: SqlCounts[]): SqlCounts {
  const out: SqlCounts = { commits: 0, reads: 0, writes: 0, other: 0, bytesWritten: 0 };
  for (const c of list) for (const k of Object.keys(out) as Array<keyof SqlCounts>) out[k] += c[k];
  return out;
}

/** True when `n` tasks were claimed `n` times, each once. */
export function exactlyOnce(m: Measured, n: number): boolean {
  return m.claims === n && m.distinct === n;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5000);
  console.log(`queue benchmark: ${n} tasks, claim+complete cycles per second (node ${process.version})`);
  console.log('procs  subject              cycles/s   vs raw');
  for (const procs of [1, 4]) {
    const rawRate = (await measure('raw', procs, n)).perSecond;
    for (const subject of Object.keys(SUBJECTS)) {
      const rate = subject === 'raw' ? rawRate : (await measure(subject, procs, n)).perSecond;
      console.log(`${String(procs).padEnd(6)} ${SUBJECTS[subject]!.name.padEnd(20)} ${rate.toFixed(0).padStart(8)}   ${(rate / rawRate).toFixed(2)}`);
    }
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6] === 'count');
else if (process.argv[1] === SELF) await main();
