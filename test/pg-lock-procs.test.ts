// Real processes on one Postgres queue under the narrowed locks (docs/SCALING.md, "Locks on Postgres"): four profile
// workers claim through the WIP caps and a budget (exclusive lock) and hold up to two runs each, while a plain worker
// claims and completes its own tasks (shared lock) beside them. Every worker checks after each claim it commits that
// no per-agent cap, project cap or budget was passed (test/support/lock-worker.ts); at the end every task is done with
// exactly one run, and no task was handed out twice. The workers inherit STEWARD_PG_LOCK: run with
// STEWARD_PG_LOCK=unsafe-shared (every writer on the shared lock) and this test fails — seen: "agent a3: 4 running,
// cap 3" — though not by construction; the deterministic proof that the checks can fail is test/pg-lock.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addTask } from '../src/ops/index.js';
import { openStore, type StoreOptions } from '../src/store/open-store.js';
import { killChildren, stdoutOf } from './helpers/processes.js';
import { tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
afterEach(killChildren);
after(() => ('skip' in server ? undefined : server.stop()));

const WORKER = fileURLToPath(new URL('./support/lock-worker.js', import.meta.url));

const CONFIG = {
  dispatch: 'none',
  agents: {
    a1: { cli: 'claude', types: ['code'], maxConcurrent: 1 },
    a2: { cli: 'claude', types: ['code'], maxConcurrent: 2 },
    a3: { cli: 'claude', types: ['code'], maxConcurrent: 3 },
  },
  wip: { global: 50, perProject: { p: 2 } },
  budgets: { limits: [{ scope: 'agent:a2', period: 'day', maxRuns: 6 }] },
};

async function runWorker(db: string, schema: string, mode: 'profile' | 'plain', agent: string): Promise<{ claimed: number[]; violations: string[] }> {
  const env: NodeJS.ProcessEnv = { ...process.env, STEWARD_DATABASE_URL: url, STEWARD_DATABASE_SCHEMA: schema };
  const child = spawn(process.execPath, [WORKER, db, mode, agent, JSON.stringify(CONFIG)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  return JSON.parse(await stdoutOf(child, `lock worker ${agent} (${mode})`));
}

test('5 processes, caps and a budget counted under the exclusive lock beside narrow claims: no cap passed, no task twice', { skip, timeout: 600_000 }, async () => {
  const schema = freshSchema('lp');
  const db = join(tempDir('steward-pglock-procs-'), 'queue.db');
  const store = openStore(db, { url, schema } as StoreOptions & { url: string; schema: string });
  const now = store.now();
  const ids: number[] = [];
  store.tx(() => {
    for (let i = 0; i < 40; i++) ids.push(addTask(store, { title: `job ${i}`, type: 'code', project: i % 2 ? 'p' : 'o', priority: i % 7 }, { now: now + i, actor: 'lead' }).task.id);
    for (let i = 0; i < 40; i++) ids.push(addTask(store, { title: `plain ${i}`, type: 'code', project: 'q', agent: 'plain' }, { now: now + 40 + i, actor: 'lead' }).task.id);
  });
  const workers: Array<['profile' | 'plain', string]> = [['profile', 'a1'], ['profile', 'a2'], ['profile', 'a3'], ['profile', 'a3'], ['plain', 'plain']];
  const results = await Promise.all(workers.map(([mode, agent]) => runWorker(db, schema, mode, agent)));
  assert.deepEqual(results.flatMap((r) => r.violations), [], 'no cap or budget passed at any claim');
  const all = results.flatMap((r) => r.claimed);
  assert.equal(new Set(all).size, all.length, 'no task handed out twice');
  assert.deepEqual([...all].sort((x, y) => x - y), [...ids].sort((x, y) => x - y), 'every task claimed once');
  const runsOfA2 = results[1]!.claimed.length;
  assert.ok(runsOfA2 <= 6, `a2's budget: ${runsOfA2} runs of at most 6`);
  const rows = store.db.prepare(`SELECT t.status AS status, COUNT(r.id) AS runs, SUM(CASE WHEN r.outcome = 'completed' THEN 1 ELSE 0 END) AS completed
    FROM tasks t LEFT JOIN runs r ON r.task_id = t.id GROUP BY t.id`).all() as Array<{ status: string; runs: number | string; completed: number | string }>;
  assert.equal(rows.length, ids.length);
  for (const r of rows) assert.deepEqual([r.status, Number(r.runs), Number(r.completed)], ['done', 1, 1]);
  store.close();
});
