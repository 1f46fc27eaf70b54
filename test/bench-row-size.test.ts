// bench/row-size.ts (the row-size study): every size row printed with its figures, and exit 1 when a drain hands a task
// out twice (its exactly-once check). Tiny sizes; no timing is asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO_ROOT } from './support/helpers.js';
import { spawnSyncCapped } from './helpers/processes.js';

const SCRIPT = `${REPO_ROOT}dist/bench/row-size.js`;

function study(env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSyncCapped(process.execPath, [SCRIPT, '8', '1'], { encoding: 'utf8', env: { ...process.env, ...env } }, 300_000);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('row-size study: one row per goal/summary size with steward and raw figures, exit 0', () => {
  const r = study();
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const rows = r.stdout.split('\n').filter((l) => /^\| \d+ \| \d+ \|/.test(l));
  assert.deepEqual(rows.map((l) => l.split('|').slice(1, 3).map((c) => Number(c.trim()))),
    [[0, 2], [2000, 2], [0, 1000], [2000, 1000], [4000, 2], [8000, 2000]]);
  for (const l of rows) assert.match(l, /^\| \d+ \| \d+ \| \d+ \| \d+ \| \d+\.\d\d× \| \d+\.\d \| \d+\.\d \|$/, l);
});

test('row-size study: a task handed out twice fails its exactly-once check and exits 1', () => {
  const r = study({ STEWARD_BENCH_FAULT: 'claim-twice' });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /did not claim every task exactly once/);
});
