// Benchmark: claim+complete cycles/s of steward against a raw better-sqlite3 loop, 1 and 4 processes, same run.
// Run: npm run build && node dist/bench/queue.js [tasks]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBJECTS } from './workers.js';

const SELF = fileURLToPath(import.meta.url);

/** Child mode: open, wait for "go" on stdin, drain, report {cycles, start, end}. */
async function child(subject: string, path: string, worker: string): Promise<void> {
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const start = performance.timeOrigin + performance.now();
  const cycles = await SUBJECTS[subject]!.drain(path, worker);
  const end = performance.timeOrigin + performance.now();
  process.stdout.write(JSON.stringify({ cycles, start, end }));
}

interface Report { cycles: number; start: number; end: number }

function startChild(subject: string, path: string, worker: string): { ready: Promise<void>; go(): void; done: Promise<Report> } {
  const p = spawn(process.execPath, [SELF, 'child', subject, path, worker], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const done = new Promise<Report>((resolve, reject) =>
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${subject} worker exit ${code}`)))),
  );
  return { ready: new Promise((r) => setTimeout(r, 300)), go: () => p.stdin.end('go\n'), done };
}

/** Seeds `n` tasks and drains them with `procs` processes; returns cycles per second. */
export async function measure(subject: string, procs: number, n: number): Promise<{ perSecond: number; cycles: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const path = join(dir, 'q.db');
  await SUBJECTS[subject]!.seed(path, n);
  const children = Array.from({ length: procs }, (_, i) => startChild(subject, path, `w${i}`));
  await Promise.all(children.map((c) => c.ready));
  children.forEach((c) => c.go());
  const reports = await Promise.all(children.map((c) => c.done));
  rmSync(dir, { recursive: true, force: true });
  const cycles = reports.reduce((a, r) => a + r.cycles, 0);
  const seconds = (Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start))) / 1000;
  if (cycles !== n) throw new Error(`${subject}: ${cycles} cycles for ${n} tasks`);
  return { perSecond: cycles / seconds, cycles };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5000);
  console.log(`queue benchmark: ${n} tasks, claim+complete cycles per second (node ${process.version})`);
  console.log('procs  subject              cycles/s   vs raw');
  for (const procs of [1, 4]) {
    const rawRate = (await measure('raw', procs, n)).perSecond;
    for (const subject of ['raw', 'steward', 'steward-next', 'plainjob', 'liteque']) {
      const rate = subject === 'raw' ? rawRate : (await measure(subject, procs, n)).perSecond;
      console.log(`${String(procs).padEnd(6)} ${SUBJECTS[subject]!.name.padEnd(20)} ${rate.toFixed(0).padStart(8)}   ${(rate / rawRate).toFixed(2)}`);
    }
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else if (process.argv[1] === SELF) await main();
