// Where steward's one-task-per-call cycle spends its time, by layer, in one process with the subjects interleaved
// (load drift on a shared machine hits them alike): the operations layer (what the CLI, MCP tools and babysitter
// call), the same statements as bare store calls, plainjob and raw better-sqlite3. The gap between the first two is
// the operations layer's JavaScript; the gap between the store calls and plainjob is what steward's schema and
// guarantees cost in SQLite. Lighter than `npm run bench -- --only throughput` (no child processes, no peers' spread).
// Run: npm run build && node dist/bench/layers.js [tasks=20000] [rounds=5] [subjects=steward,steward-store,steward-next,plainjob,raw]
//      (REVERSED=1: the other order in a round)
import { median } from './report.js';
import { emptyWal, SUBJECTS, withSeededQueue } from './workers.js';

/** Wall and CPU (user + system) µs per cycle of one drain of `n` fresh tasks. */
async function once(subject: string, n: number): Promise<{ wall: number; cpu: number }> {
  const s = SUBJECTS[subject]!;
  return withSeededQueue(s, n, async (path) => {
    // Start every drain from an empty WAL, as bench/queue.ts does (the seed's pages are not the drain's work).
    emptyWal(path);
    const claimed: number[] = [];
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    await s.drain(path, 'w0', claimed);
    const cpu = process.cpuUsage(cpu0);
    const wall = ((performance.now() - start) * 1000) / n;
    if (claimed.length !== n || new Set(claimed).size !== n) throw new Error(`${s.name}: ${claimed.length} claims of ${n} tasks`);
    return { wall, cpu: (cpu.user + cpu.system) / n };
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 5);
  const order = (process.argv[4] ?? 'steward,steward-store,steward-next,plainjob,raw').split(',');
  for (const s of order) if (!SUBJECTS[s]) throw new Error(`unknown subject ${s}; subjects: ${Object.keys(SUBJECTS).join(', ')}`);
  // The order inside a round matters on this VM (the drain after plainjob's tends to be slower); REVERSED=1 flips it.
  const inRound = process.env.REVERSED ? [...order].reverse() : order;
  const samples = new Map<string, Array<{ wall: number; cpu: number }>>(order.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) for (const s of inRound) samples.get(s)!.push(await once(s, n));
  const med = (s: string | undefined, k: 'wall' | 'cpu') => (s && samples.has(s) ? median(samples.get(s)!.map((x) => x[k])) : undefined);
  console.log(`one process, ${n} tasks, median of ${rounds} interleaved drains (node ${process.version}); ` +
    'CPU = user + system time of this process (less sensitive to other processes\' load than wall time)');
  console.log(`${'subject'.padEnd(28)} wall µs/cycle  vs plainjob  vs raw   CPU µs/cycle  vs plainjob  vs raw`);
  for (const s of order) {
    const cols = (['wall', 'cpu'] as const).map((k) => {
      const us = med(s, k)!;
      const vs = (base: number | undefined) => (base === undefined ? '—' : `${(base / us).toFixed(2)}×`);
      return `${us.toFixed(1).padStart(13)}  ${vs(med('plainjob', k)).padStart(11)}  ${vs(med('raw', k)).padStart(6)}`;
    });
    console.log(`${SUBJECTS[s]!.name.padEnd(28)}${cols.join('  ')}`);
  }
}

await main();
