// Where one subject's drain spends its time, statement by statement: every better-sqlite3 run/get/all is timed
// (BEGIN and COMMIT are statements too), and the rest of the wall time is JavaScript. Timing adds about a
// microsecond per statement, so read the shares, not the sum.
// Run: npm run build && node dist/bench/statements.js [subject=steward-next] [tasks=20000]
import Database from 'better-sqlite3';
import { emptyWal, SUBJECTS, withSeededQueue } from './workers.js';

type Method = 'run' | 'get' | 'all';

/** Wraps the statement methods with a timer per SQL text; returns the totals (ns, calls) and an undo. */
function timeStatements(): { totals: Map<string, { calls: number; ns: bigint }>; stop(): void } {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<Method, (...a: unknown[]) => unknown>;
  probe.close();
  const totals = new Map<string, { calls: number; ns: bigint }>();
  const originals = (['run', 'get', 'all'] as const).map((m) => [m, proto[m]] as const);
  for (const [m, original] of originals) {
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      const start = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const ns = process.hrtime.bigint() - start;
        const t = totals.get(this.source) ?? { calls: 0, ns: 0n };
        t.calls++;
        t.ns += ns;
        totals.set(this.source, t);
      }
    };
  }
  return { totals, stop: () => originals.forEach(([m, original]) => (proto[m] = original)) };
}

async function main(): Promise<void> {
  const subject = process.argv[2] ?? 'steward-next';
  const n = Number(process.argv[3] ?? 20_000);
  await withSeededQueue(SUBJECTS[subject]!, n, async (path) => {
    emptyWal(path);
    const timer = timeStatements();
    const start = performance.now();
    await SUBJECTS[subject]!.drain(path, 'w0', []);
    const wallUs = ((performance.now() - start) * 1000) / n;
    timer.stop();
    const rows = [...timer.totals].map(([sql, t]) => ({ sql: sql.replace(/\s+/g, ' ').trim(), calls: t.calls, us: Number(t.ns) / 1000 / n }));
    rows.sort((a, b) => b.us - a.us);
    const sqlUs = rows.reduce((a, r) => a + r.us, 0);
    console.log(`${SUBJECTS[subject]!.name}: ${n} tasks, ${wallUs.toFixed(1)} µs per task wall (node ${process.version})`);
    console.log(' µs/task  calls/task  statement');
    for (const r of rows.filter((r) => r.us >= 0.05)) {
      console.log(`${r.us.toFixed(1).padStart(8)}  ${(r.calls / n).toFixed(2).padStart(10)}  ${r.sql.slice(0, 100)}`);
    }
    console.log(`${sqlUs.toFixed(1).padStart(8)}  statements in all; the other ${(wallUs - sqlUs).toFixed(1)} µs per task is JavaScript`);
  });
}

await main();
