// Instructions per claim+complete cycle, counted by valgrind (callgrind), for any subject of bench/workers.ts: a count
// that other processes' load does not move. Each subject drains two seeded queues (n and 3n tasks) in a fresh
// `valgrind --tool=callgrind node` process; the difference of the two totals divided by 2n is the cost of one cycle,
// without the start-up, the opening and most of the JIT compiling both drains share.
// Run: npm run build && node dist/bench/instructions.js [--single-threaded] [n=500] [subjects=steward,steward-store,plainjob,raw]
// `--single-threaded`: the drains run under `node --single-threaded` (no background compile or GC threads, whose share
// callgrind counts as the machine's timing lets them): two runs of one build agree within 1–2 % (docs/BENCHMARKS.md).
// Needs valgrind on PATH; about a minute per subject on a quiet 2-core machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emptyWal, SUBJECTS, withSeededQueue } from './workers.js';

/** Total instructions valgrind counted for one drain of the queue at `path`. */
function countedDrain(subject: string, path: string, nodeFlags: string[]): number {
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...nodeFlags, self, '--drain', subject, path], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const m = /Collected : (\d+)/.exec(out.stderr);
  if (out.status !== 0 || !m) throw new Error(`valgrind drain of ${subject} failed (${out.status}): ${out.stderr.slice(-800)}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--drain') {
    const [subject, path] = process.argv.slice(3) as [string, string];
    const claimed: number[] = [];
    await SUBJECTS[subject]!.drain(path, 'w0', claimed);
    return;
  }
  execFileSync('valgrind', ['--version']); // fails early and clearly without valgrind
  const args = process.argv.slice(2);
  const single = args.includes('--single-threaded');
  const rest = args.filter((a) => a !== '--single-threaded');
  const nodeFlags = single ? ['--single-threaded'] : [];
  const n = Number(rest[0] ?? 500);
  const subjects = (rest[1] ?? 'steward,steward-store,plainjob,raw').split(',');
  console.log(`instructions per claim+complete cycle: (drain of ${3 * n} − drain of ${n}) ÷ ${2 * n}, valgrind --tool=callgrind, node ${process.version}${single ? ' --single-threaded' : ''}`);
  const rows: Array<[string, number]> = [];
  for (const name of subjects) {
    const total = async (tasks: number) => withSeededQueue(SUBJECTS[name]!, tasks, async (path) => {
      emptyWal(path);
      return countedDrain(name, path, nodeFlags);
    });
    const small = await total(n);
    const large = await total(3 * n);
    const perCycle = (large - small) / (2 * n);
    rows.push([SUBJECTS[name]!.name, perCycle]);
    console.log(`${SUBJECTS[name]!.name.padEnd(28)} ${(perCycle / 1000).toFixed(1).padStart(8)}k`);
  }
  const base = rows.find(([s]) => s === 'plainjob')?.[1];
  if (base) for (const [s, v] of rows) console.log(`${s.padEnd(28)} ${(base / v).toFixed(2)}× plainjob's instructions`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
