// `npm run bench` smoke test: every report section runs on tiny sizes and its correctness checks pass.
// No timing is asserted (STYLE: benchmarks print ratios; tests never assert a duration).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietProgress } from '../bench/report.js';
import { runBench, SECTIONS } from '../bench/run.js';

// The postgres section (a cluster of its own) has its own test: test/bench-postgres.test.ts.
test('bench report: all nine SQLite sections run on tiny sizes, every task claimed exactly once', async () => {
  quietProgress();
  const tiny = {
    tasks: 30, repeat: 1, peerProcs: [1], procs: [2], sizes: [100], roundTrips: 5,
    mcpTasks: 100, cliPairs: 1, steadyTicks: 1, cliTicks: 1, startupRounds: 1, babysitterSeconds: 2, dispatchSamples: 1,
  };
  const { sections, markdown } = await runBench(tiny, Object.keys(SECTIONS).filter((id) => id !== 'postgres'), 'test');
  assert.deepEqual(sections.map((s) => s.id), ['throughput', 'scaling', 'mcp', 'tick', 'schema', 'guarantees', 'startup', 'babysitter', 'dispatch']);
  for (const s of sections) assert.ok(s.ok, `section ${s.id} reports a failed check`);
  for (const s of sections) assert.ok(s.tables.every((t) => t.rows.length > 0), `section ${s.id} has an empty table`);
  // Every subject drained the queue at every process count, and steward's record agrees.
  const throughput = sections[0]!.tables[0]!.rows;
  assert.deepEqual(throughput.map((r) => r[1]), ['raw better-sqlite3', 'steward', 'steward store calls', 'steward (fetch-next)', 'steward (batches of 10)', 'plainjob', 'liteque']);
  assert.ok(throughput.every((r) => r[5] === '✓'));
  // Issue 18 goal 3: one row per process count, with its ratios from the same rounds and whether the goal is met.
  const goal = sections[0]!.tables[1]!;
  assert.equal(goal.head[1], 'one per call, cycles/s');
  assert.deepEqual(goal.rows.map((r) => r[0]), ['1']);
  assert.ok(goal.rows.every((r) => r.slice(2, 7).every((c) => /^\d+\.\d\d×$/.test(c)) && /^(met|not met)$/.test(r[7]!)), JSON.stringify(goal.rows));
  const scaling = sections[1]!.tables[0]!.rows;
  for (const name of ['steward', 'steward (batches of 10)']) {
    assert.deepEqual(scaling.filter((r) => r[0] === name).map((r) => [r[5], r[6], r[7]]), [['30 / 30', '30 / 30', '0']], name);
  }
  // The start-up row names every measured command and its ratios to bare node; the babysitter row sits beside its CLI's.
  const startup = sections[6]!.tables[0]!.rows.map((r) => r[0]);
  assert.deepEqual(startup, ['`node -e 0` (baseline)', '`steward --version`', '`steward list`', '`steward show 1`', '`steward claim`', '`steward complete RUN`', '`steward tick` (quiet)', '`steward tick` (after a change)']);
  assert.ok(sections[6]!.tables[0]!.rows.every((r) => /×$/.test(r[2]!) && /MB$/.test(r[5]!)));
  assert.deepEqual(sections[7]!.tables[0]!.rows.map((r) => r[0]), [
    'babysitter (`steward work`), config cache current (as under `steward up`)',
    'the CLI it supervises',
    'babysitter, first steward process in the workspace (no config cache)',
    'idle `node -e` (floor)',
  ]);
  // Issue 18 goal 2: both latencies, warm beside cold from the same run, with the goal verdict.
  const dispatch = sections[8]!.tables[0]!.rows;
  assert.deepEqual(dispatch.map((r) => r[0]), ['add → agent start', 'finished → next start']);
  assert.ok(dispatch.every((r) => /×$/.test(r[5]!) && /: (met|not met)$/.test(r[6]!)), JSON.stringify(dispatch));
  assert.match(markdown, /^# steward benchmark report/);
  assert.match(markdown, /machine: .+ cores, .+Node v\d+/);
  assert.equal(markdown.match(/this section alone: `test --only \w+`/g)?.length, 9);
});
