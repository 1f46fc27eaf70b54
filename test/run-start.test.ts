// Runs by start time without an index (migration 13): the id range a binary search finds, checked against a scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { RunStartSearch, START_SLACK_MS } from '../src/store/run-start.js';
import { sqliteOnly } from './support/backend.js';
import { at, databaseAtVersion, tempStore } from './support/helpers.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

/** Inserts finished runs with these start times (in id order), each costing 1, spread over three tasks of two projects. */
function seedRuns(store: Store, starts: number[], gaps = false): void {
  const ids = ['a', 'b', 'a'].map((project, i) => addTask(store, { title: `t${i}`, project }, at(T0 - 100 * HOUR)).task.id);
  const insert = store.db.prepare(`INSERT INTO runs (id, task_id, agent, status, outcome, lease_ms, lease_expires_at, heartbeat_at,
    started_at, finished_at, cost_usd, tokens_in, tokens_out, ready_at) VALUES (?, ?, ?, 'finished', 'completed', 1000, ?, ?, ?, ?, 1, 10, 5, ?)`);
  let id = 0;
  starts.forEach((s, i) => {
    id += gaps && i % 3 === 0 ? 7 : 1; // deleted runs leave holes in the ids (archive drops a task's runs)
    insert.run(id, ids[i % 3], i % 2 ? 'coder' : 'reviewer', s + 1000, s, s, s + 500, s - 200);
  });
}

/** Start times that mostly grow, some going back by up to `back` ms (claims that waited for the lock). */
function jittered(n: number, back: number, seed = 7): number[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => T0 + i * 60_000 - Math.floor(rand() * back));
}

test('migration 13 drops runs_by_start: the runs table has no index a claim must write', sqliteOnly('a version-12 SQLite file and sqlite_master'), () => {
  const { path, db } = databaseAtVersion(12);
  assert.ok((db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'").pluck().all() as string[]).includes('runs_by_start'));
  db.close();
  const store = openStore(path);
  assert.deepEqual(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'").pluck().all(), []);
  store.close();
});

test('firstId: every run started since T has an id at or past it, with start times out of order by up to the slack', () => {
  for (const gaps of [false, true]) {
    const store = tempStore();
    const starts = jittered(600, START_SLACK_MS);
    seedRuns(store, starts, gaps);
    const search = new RunStartSearch(store.db);
    const runs = store.db.prepare('SELECT id, started_at FROM runs ORDER BY id').raw(true).all() as Array<[number, number]>;
    for (const since of [T0 - 10 * HOUR, T0, T0 + 90 * 60_000, T0 + 5 * HOUR + 1, runs[300]![1], runs[599]![1], T0 + 20 * HOUR]) {
      const from = search.firstId(since);
      const want = runs.filter(([, s]) => s >= since).map(([id]) => id);
      const got = runs.filter(([id, s]) => id >= from && s >= since).map(([id]) => id);
      assert.deepEqual(got, want, `since ${since} (gaps ${gaps})`);
      // And it is a real range: it skips the runs long before `since`.
      if (since > T0 + HOUR * 2 && since < T0 + 9 * HOUR) assert.ok(from > runs[0]![0], `since ${since}: from ${from}`);
    }
    store.close();
  }
});

test('firstId on an empty runs table and past the newest run', () => {
  const store = tempStore();
  const search = new RunStartSearch(store.db);
  assert.equal(search.firstId(T0), 1);
  seedRuns(store, [T0, T0 + 1000]);
  assert.equal(search.firstId(T0 + 10 * HOUR), 3, 'past the last run: nothing to read');
  store.close();
});

test('spend, cost runs, claim wait and the board figures read the id range and count exactly what a scan counts', () => {
  const store = tempStore();
  const starts = jittered(400, 20 * 60_000);
  seedRuns(store, starts);
  const since = T0 + 3 * HOUR;
  const n = starts.filter((s) => s >= since).length;
  assert.ok(n > 100 && n < 400);
  const spend = store.budgets.spendSince(since);
  assert.equal(spend.reduce((a, r) => a + r.runs, 0), n);
  assert.equal(spend.reduce((a, r) => a + r.cost_usd, 0), n);
  const scan = store.db.prepare(`SELECT r.agent AS agent, t.project AS project, COUNT(*) AS runs FROM runs r JOIN tasks t ON t.id = r.task_id
    WHERE r.started_at >= ? GROUP BY r.agent, t.project`).all(since);
  const key = (r: { agent: string; project: string; runs: number }) => `${r.agent}/${r.project}: ${Number(r.runs)}`;
  assert.deepEqual(spend.map(key).sort(), (scan as Array<{ agent: string; project: string; runs: number }>).map(key).sort());
  const cost = store.budgets.costRuns(since);
  assert.equal(cost.length, n);
  assert.deepEqual(cost.map((r) => r.started_at), [...starts.filter((s) => s >= since)].sort((a, b) => a - b));
  assert.equal(store.runs.outcomeStats(since).claimWaitCount, n);
  assert.equal(store.web.costByProjectType(since).reduce((a, r) => a + r.runs, 0), n);
  assert.equal(store.web.spendByProjectDay(since).reduce((a, r) => a + r.runs, 0), n);
  assert.equal([...store.web.runsByDay(since).values()].reduce((a, r) => a + r.runs, 0), n);
  store.close();
});

test('the by-start queries seek the primary key, never scan every run', sqliteOnly('EXPLAIN QUERY PLAN'), () => {
  const store = tempStore();
  const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array((sql.match(/\?/g) ?? []).length).fill(0)) as Array<{ detail: string }>).map((r) => r.detail);
  const repos = { budgets: store.budgets, web: store.web, runs: store.runs } as unknown as Record<string, { s: Record<string, { source: string }> }>;
  const picked = Object.entries(repos).flatMap(([repo, r]) => Object.entries(r.s).filter(([, st]) => /started_at >= \?/.test(st.source)).map(([name, st]) => [`${repo}.${name}`, st.source] as const));
  // spendSince, costRuns, claimWait, runsByDay, costBy, spendByProjectDay (agentOutcomes reads finished runs too: a scan).
  const ranged = picked.filter(([, sql]) => /id >= \? AND (r\.)?started_at >= \?/.test(sql));
  assert.equal(ranged.length, 6, picked.map(([n]) => n).join(', '));
  for (const [name, sql] of ranged) {
    const steps = plan(sql);
    assert.ok(steps.some((s) => /SEARCH r(uns)? USING INTEGER PRIMARY KEY \(rowid>\?\)/.test(s)), `${name}: ${steps.join(' | ')}`);
  }
  store.close();
});
