// The queue chaos run (bench/chaos-queue.ts) in small: worker processes and `steward up` on one queue, SIGKILLed at
// moments bound by progress; every task done once, results recorded, the tick never in two processes at once. On the
// suite's backend: Postgres under `npm run test:pg` (two `up`, each in a workspace of its own), else SQLite (one `up`).
// The full figures (20,000 tasks, 8 workers, 2 up) are `node dist/bench/chaos-queue.js --postgres` (docs/BENCHMARKS.md).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkTickJournal, formatQueueChaos, runQueueChaos } from '../bench/chaos-queue.js';
import { openStore, type StoreOptions } from '../src/store/open-store.js';
import { tempDir } from './support/helpers.js';

test('tick journal: an overlap is caught; a takeover from a killed up is not one', () => {
  const ok = checkTickJournal(['begin h:1:aa', 'end h:1:aa', 'begin h:2:bb', 'kill 2', 'begin h:1:cc', 'end h:1:cc', ''].join('\n'));
  assert.deepEqual([ok.problems, ok.total, ok.takeovers], [[], 3, 1]);
  const bad = checkTickJournal(['begin h:1:aa', 'begin h:2:bb', 'end h:2:bb', 'end h:1:aa'].join('\n'));
  assert.equal(bad.problems.length, 2, bad.problems.join('\n'));
  assert.match(bad.problems[0]!, /h:2:bb began a tick while h:1:aa/);
});

/** Postgres when the suite runs there and this build's openStore routes URLs; SQLite otherwise. */
function backend(): { backend: 'sqlite' | 'postgres'; pgUrl?: string } {
  const url = process.env.STEWARD_TEST_POSTGRES_URL;
  if (!url) return { backend: 'sqlite' };
  try {
    const s = openStore(join(tempDir(), 'probe.db'), { url: 'postgres://steward@127.0.0.1:1/none' } as StoreOptions & { url: string });
    const routed = (s.db as { dialect?: string }).dialect === 'postgres';
    s.close();
    return routed ? { backend: 'postgres', pgUrl: url } : { backend: 'sqlite' };
  } catch {
    return { backend: 'postgres', pgUrl: url };
  }
}

test('queue chaos in small: workers and up SIGKILLed, nothing lost or doubled, results recorded, one tick at a time', { timeout: 900_000 }, async (t) => {
  const b = backend();
  const report = await runQueueChaos({
    ...b, tasks: 300, workers: 4, ups: 2, kills: { worker: 4, up: 2 }, seed: 22, durationLimitMs: 600_000, workMs: 5,
  });
  t.diagnostic(formatQueueChaos(report));
  assert.ok(report.ok, formatQueueChaos(report));
  assert.equal(report.kills.worker, 4);
  assert.equal(report.kills.up, 2);
  assert.ok(report.ticks.total > 0, 'the ups ticked');
});
