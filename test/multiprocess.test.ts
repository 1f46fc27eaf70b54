// Four OS processes claim and complete from one database file: each task exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { killChildren, stdoutOf } from './helpers/processes.js';
import { at, tempDir } from './support/helpers.js';

afterEach(killChildren);

const WORKER = fileURLToPath(new URL('./support/claim-worker.js', import.meta.url));

async function runWorker(db: string, agent: string, sync: string): Promise<number[]> {
  const child = spawn(process.execPath, [WORKER, db, agent, sync, '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(await stdoutOf(child, `claim worker ${agent}`));
}

test('4 processes: every task completed exactly once, no claim handed out twice', async () => {
  const db = join(tempDir(), 'queue.db');
  const store = openStore(db);
  const N = 400;
  store.tx(() => {
    for (let i = 0; i < N; i++) addTask(store, { title: `job ${i}`, priority: i % 100 }, at(1000 + i));
  });
  const sync = tempDir(); // each worker holds its first claim until all four have one: sharing by construction
  const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => runWorker(db, w, sync)));
  const all = results.flat();
  assert.equal(all.length, N, 'claims handed out');
  assert.equal(new Set(all).size, N, 'no task claimed twice');
  assert.ok(results.every((r) => r.length > 0), 'every process claimed while the others held live claims');
  const rows = store.db.prepare(`SELECT t.status AS status, COUNT(r.id) AS runs, SUM(CASE WHEN r.outcome = 'completed' THEN 1 ELSE 0 END) AS completed
    FROM tasks t LEFT JOIN runs r ON r.task_id = t.id GROUP BY t.id`).all() as Array<{ status: string; runs: number; completed: number }>;
  assert.equal(rows.length, N);
  for (const r of rows) assert.deepEqual(r, { status: 'done', runs: 1, completed: 1 });
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});
