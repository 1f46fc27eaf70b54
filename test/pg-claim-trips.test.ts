// The claim+complete cycle on Postgres in round trips (docs/BENCHMARKS.md, the postgres section): a claim is one
// statement (TaskRepo.claimOpen: pick, open the run, claim the task) sent with BEGIN, the writers' lock, NOTIFY and
// COMMIT — one round trip; a completion reads the run (with BEGIN and the lock), then sends the run's finish (deferred)
// with the task's guarded update, NOTIFY and COMMIT — two. Counted through the bridge, never timed; the rows written
// are the ones the SQLite path writes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore, type Store, type StoreOptions } from '../src/store/open-store.js';
import type { PgDatabase } from '../src/store/pg/pg-database.js';
import { notifyChannel } from '../src/store/pg/notify.js';
import { tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';
import { until } from './support/remote.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(() => ('skip' in server ? undefined : server.stop()));

function openPg(schema: string): { store: Store; db: PgDatabase } {
  const store = openStore(join(tempDir('steward-trips-'), 'queue.db'), { url, schema } as StoreOptions & { url: string; schema: string });
  return { store, db: store.db as unknown as PgDatabase };
}

const ctx = (now: number, actor = 'w1') => ({ now, actor });

test('a claim is 1 round trip and a completion 2; the run rows are those of the long path (claim and completion records)', { skip, timeout: 240_000 }, () => {
  const { store, db } = openPg(freshSchema());
  try {
    const t0 = 1_000_000;
    const a = addTask(store, { title: 'first', priority: 10 }, ctx(t0, 'lead')).task;
    addTask(store, { title: 'second', priority: 20 }, ctx(t0 + 1, 'lead'));
    const before = store.tasks.get(a.id)!;
    let trips = db.roundTrips;
    const out = claimTask(store, { agent: 'w1', lease_seconds: 60 }, ctx(t0 + 10), { host: 'h', pid: 42 });
    assert.equal(db.roundTrips - trips, 1, 'claim: BEGIN + lock + claim statement + NOTIFY + COMMIT');
    assert.ok(out.task && 'run' in out);
    assert.equal(out.task.id, a.id);
    assert.equal(out.task.status, 'running');
    assert.equal(out.task.current_run_id, out.run.id);
    assert.equal(out.run.lease_expires_at, t0 + 10 + 60_000);
    // What the database holds agrees with what the claim returned, and carries the claim's audit record.
    const task = store.tasks.get(a.id)!;
    assert.equal(task.status, 'running');
    assert.equal(task.current_run_id, out.run.id);
    assert.equal(task.updated_at, t0 + 10);
    const run = store.runs.get(out.run.id)!;
    assert.deepEqual(
      [run.task_id, run.agent, run.status, run.lease_ms, run.lease_expires_at, run.heartbeat_at, run.started_at, run.host, run.pid, run.claimed_by],
      [a.id, 'w1', 'running', 60_000, t0 + 60_010, t0 + 10, t0 + 10, 'h', 42, 'w1'],
    );
    const raw = db.prepare('SELECT prev_run_id, claim_after_event, ready_at FROM runs WHERE id = ?').get(out.run.id) as Record<string, unknown>;
    const head = db.prepare('SELECT last_run_id, last_event_id, ready_at, run_after FROM tasks WHERE id = ?').get(a.id) as Record<string, number | null>;
    assert.equal(head.last_run_id, out.run.id);
    assert.equal(raw.prev_run_id, null);
    assert.equal(raw.claim_after_event, head.last_event_id);
    assert.equal(raw.ready_at, head.ready_at === null ? null : Math.max(head.ready_at, head.run_after!));
    assert.equal(before.status, 'ready');

    trips = db.roundTrips;
    const done = completeRun(store, { run_id: out.run.id, summary: 'ok' }, ctx(t0 + 20));
    assert.equal(db.roundTrips - trips, 2, 'complete: BEGIN + lock + read, then finish + task update + NOTIFY + COMMIT');
    assert.equal(done.task.status, 'done');
    const finished = store.runs.get(out.run.id)!;
    assert.deepEqual([finished.status, finished.outcome, finished.summary, finished.finished_at], ['finished', 'completed', 'ok', t0 + 20]);
    const record = db.prepare('SELECT finished_by, finish_after_event FROM runs WHERE id = ?').get(out.run.id) as Record<string, unknown>;
    assert.equal(record.finished_by, 'w1');
    assert.equal(record.finish_after_event, head.last_event_id);
    assert.equal(store.tasks.get(a.id)!.status, 'done');

    // A second claim of the task (a retry) chains its run to the first: the same statement fills prev_run_id.
    const next = claimTask(store, { agent: 'w1' }, ctx(t0 + 30));
    assert.ok(next.task && 'run' in next);
    assert.notEqual(next.task.id, a.id);
    // Nothing left: one round trip (the claim statement finds nothing; BEGIN, the lock and COMMIT ride along).
    completeRun(store, { run_id: next.run.id, summary: 'ok' }, ctx(t0 + 40));
    trips = db.roundTrips;
    assert.deepEqual(claimTask(store, { agent: 'w1' }, ctx(t0 + 50)), { task: null });
    assert.equal(db.roundTrips - trips, 1);
    assert.equal(db.inTransaction, false);
  } finally {
    store.close();
  }
});

test('a paused agent\'s claim on Postgres writes nothing and announces nothing; a claim announces itself', { skip, timeout: 240_000 }, async () => {
  const schema = freshSchema();
  const { store, db } = openPg(schema);
  const listener = new pg.Client({ connectionString: url });
  const heard: string[] = [];
  try {
    await listener.connect();
    listener.on('notification', (m) => heard.push(m.payload ?? ''));
    await listener.query(`LISTEN "${notifyChannel(schema)}"`);
    const t0 = 2_000_000;
    const task = addTask(store, { title: 'waiting', agent: 'w2' }, ctx(t0, 'lead')).task;
    await until('the add heard', () => heard.length >= 1);
    store.tx(() => store.agents.pause('w2', t0 + 60_000, 'rate limit'));
    await until('the pause heard', () => heard.length >= 2);
    const runsBefore = db.prepare('SELECT count(*) FROM runs').pluck().get();
    const paused = claimTask(store, { agent: 'w2' }, ctx(t0 + 10));
    assert.deepEqual(paused, { task: null, paused_until: t0 + 60_000 });
    assert.equal(db.prepare('SELECT count(*) FROM runs').pluck().get(), runsBefore);
    assert.equal(store.tasks.get(task.id)!.status, 'ready');
    // Notifications come in commit order: once the claim after the pause is heard, one from the paused claim would be too.
    const claimed = claimTask(store, { agent: 'w2' }, ctx(t0 + 60_001));
    assert.ok(claimed.task);
    await until('the claim heard', () => heard.length >= 3);
    assert.equal(heard.length, 3);
    assert.deepEqual(new Set(heard), new Set([db.origin]));
  } finally {
    await listener.end();
    store.close();
  }
});
