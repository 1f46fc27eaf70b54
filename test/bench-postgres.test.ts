// The bench's `postgres` section on tiny sizes: one throwaway cluster, pg-boss, graphile-worker, a raw pg floor and
// steward on a Postgres store each drain their queue exactly once; a job handed out twice fails the section (and so
// `npm run bench` exits 1, as test/bench-exit.test.ts shows for the SQLite sections). No timing is asserted.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { quietProgress, type BenchOptions } from '../bench/report.js';
import { postgresSection } from '../bench/section-postgres.js';
import { pgSkipReason } from './support/pg-cluster.js';

const skip = await pgSkipReason();
if (skip) process.stderr.write(`bench-postgres.test: skipped: ${skip}\n`);

const tiny: BenchOptions = {
  tasks: 30, repeat: 1, peerProcs: [1], procs: [1, 2], sizes: [100], roundTrips: 5, mcpTasks: 100, cliPairs: 1, steadyTicks: 1,
  cliTicks: 1, startupRounds: 1, babysitterSeconds: 2, dispatchSamples: 1, pgTasks: 25,
};

after(() => { delete process.env.STEWARD_BENCH_FAULT; });

test('bench postgres section: every subject drains its queue exactly once, ratios to pg-boss, scaling 1/2', { skip, timeout: 600_000 }, async () => {
  quietProgress();
  const s = await postgresSection(tiny);
  assert.ok(s.ok, s.intro + s.notes.join('\n'));
  const [single, scaling] = s.tables;
  const names = single!.rows.map((r) => r[0]);
  assert.deepEqual(names.slice(0, 3), ['raw pg (SKIP LOCKED)', 'pg-boss 10.4.2', 'graphile-worker 0.16.6']);
  assert.ok(single!.rows.every((r) => r[5] === '✓' && /^\d+\.\d\d×$/.test(r[3]!)), JSON.stringify(single!.rows));
  assert.equal(single!.rows.find((r) => r[0] === 'pg-boss 10.4.2')![3], '1.00×');
  assert.ok(scaling!.rows.length >= 2 && scaling!.rows.every((r) => r.at(-1) === '✓' && /^\d+\.\d\d×$/.test(r[3]!)), JSON.stringify(scaling!.rows));
});

test('bench postgres section: a job handed out twice fails the check', { skip, timeout: 600_000 }, async () => {
  quietProgress();
  process.env.STEWARD_BENCH_FAULT = 'claim-twice:pg-boss';
  const s = await postgresSection({ ...tiny, procs: [1] });
  delete process.env.STEWARD_BENCH_FAULT;
  assert.equal(s.ok, false);
  assert.equal(s.tables[0]!.rows.find((r) => r[0] === 'pg-boss 10.4.2')![5], '✗ FAILED');
  assert.equal(s.tables[0]!.rows.find((r) => r[0] === 'raw pg (SKIP LOCKED)')![5], '✓');
});
