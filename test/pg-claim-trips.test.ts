// The claim+complete cycle on Postgres in round trips (docs/BENCHMARKS.md, the postgres section): a claim is one
// statement (TaskRepo.claimOpen: pick, open the run, claim the task) sent with BEGIN, the lock, NOTIFY and COMMIT —
// one round trip; the common completion too (RunRepo.completeOpen: the liveness checks, the run's finish and the
// task's move to done in one statement). Any other completion wrote nothing there and takes the long way: read, then
// the run's finish (deferred) with the task's guarded update, NOTIFY and COMMIT. Counted through the bridge, never
// timed; the rows written, and the values returned, are the ones the SQLite path writes and returns.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { addTask, claimTask, completeRun, heartbeatRun } from '../src/ops/index.js';
import { openStore, type Store, type StoreOptions } from '../src/store/open-store.js';
import type { PgDatabase } from '../src/store/pg/pg-database.js';
import { notifyChannel } from '../src/store/pg/notify.js';
import { storedCompletion, tempDir } from './support/helpers.js';
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

test('a claim is 1 round trip and a completion 1; the run rows are those of the long path (claim and completion records)', { skip, timeout: 240_000 }, () => {
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
    assert.equal(db.roundTrips - trips, 1, 'complete: BEGIN + locks + the completion statement + NOTIFY + COMMIT');
    assert.equal(done.task.status, 'done');
    assert.deepEqual(done.spawned, []);
    // What it answers is what is stored (the long path answers the same from what it read and wrote).
    assert.deepEqual({ task: done.task, run: done.run }, storedCompletion(store, a.id, out.run.id));
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

    // Not the common case: the one statement writes nothing and the long way decides — a task wanting review (an
    // event, the task to review), a run whose lease ended (LEASE_LOST, the result kept as late), a task with a dependent.
    const reviewed = addTask(store, { title: 'reviewed', review: true }, ctx(t0 + 60, 'lead')).task;
    const r1 = claimTask(store, { agent: 'w1' }, ctx(t0 + 61));
    assert.ok(r1.task && 'run' in r1 && r1.task.id === reviewed.id);
    assert.equal(completeRun(store, { run_id: r1.run.id, summary: 'look' }, ctx(t0 + 62)).task.status, 'review');
    assert.equal(store.tasks.get(reviewed.id)!.status, 'review');
    const late = addTask(store, { title: 'late' }, ctx(t0 + 70, 'lead')).task;
    const r2 = claimTask(store, { agent: 'w1', lease_seconds: 5 }, ctx(t0 + 71));
    assert.ok(r2.task && 'run' in r2 && r2.task.id === late.id);
    assert.throws(() => completeRun(store, { run_id: r2.run.id, summary: 'too late' }, ctx(t0 + 71 + 5000)), (e: { code?: string }) => e.code === 'LEASE_LOST');
    assert.equal(store.runs.get(r2.run.id)!.status, 'running');
    assert.equal((store.runs.get(r2.run.id)!.late as { summary?: string } | null)?.summary, 'too late');
    assert.equal(store.tasks.get(late.id)!.status, 'running');
    const parent = addTask(store, { title: 'parent' }, ctx(t0 + 80, 'lead')).task;
    const child = addTask(store, { title: 'child', after: [parent.id] }, ctx(t0 + 81, 'lead')).task;
    const r3 = claimTask(store, { agent: 'w1' }, ctx(t0 + 82));
    assert.ok(r3.task && 'run' in r3 && r3.task.id === parent.id);
    assert.equal(completeRun(store, { run_id: r3.run.id, summary: 'ok' }, ctx(t0 + 83)).task.status, 'done');
    assert.equal(store.tasks.get(child.id)!.status, 'ready', 'the dependent was promoted by the long way');
  } finally {
    store.close();
  }
});

test('a paused agent\'s claim on Postgres writes nothing and announces nothing; a claim and a heartbeat announce nothing either, a completion does', { skip, timeout: 240_000 }, async () => {
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
    // A claim and a heartbeat make no work anyone waits for: no NOTIFY (each would take the database's notify lock and
    // wake every listener). Notifications come in commit order: once the completion is heard, one from the paused
    // claim, the claim or the heartbeat would have been too.
    const claimed = claimTask(store, { agent: 'w2' }, ctx(t0 + 60_001));
    assert.ok(claimed.task && 'run' in claimed);
    assert.equal(store.tasks.get(task.id)!.status, 'running');
    heartbeatRun(store, { run_id: claimed.run.id }, ctx(t0 + 60_002));
    completeRun(store, { run_id: claimed.run.id, summary: 'ok' }, ctx(t0 + 60_003));
    // A marker committed after them all: once it is heard, every notification before it has been.
    await listener.query(`NOTIFY "${notifyChannel(schema)}", 'marker'`);
    await until('the marker heard', () => heard.includes('marker'));
    assert.deepEqual(heard, [db.origin, db.origin, db.origin, 'marker'], 'the add, the pause and the completion');
  } finally {
    await listener.end();
    store.close();
  }
});

test('fetch-next (complete + claim the next) is 2 round trips; what it returns is what is stored; the uncommon cases take the long way', { skip, timeout: 240_000 }, () => {
  const { store, db } = openPg(freshSchema());
  try {
    const t0 = 3_000_000;
    const a = addTask(store, { title: 'a', priority: 10 }, ctx(t0, 'lead')).task;
    const b = addTask(store, { title: 'b', priority: 20 }, ctx(t0 + 1, 'lead')).task;
    const first = claimTask(store, { agent: 'w1' }, ctx(t0 + 10));
    assert.ok(first.task && 'run' in first && first.task.id === a.id);
    let trips = db.roundTrips;
    const out = completeRun(store, { run_id: first.run.id, summary: 'ok a' }, ctx(t0 + 20), { next: { agent: 'w1', lease_seconds: 60 }, worker: { host: 'h', pid: 7 } });
    assert.equal(db.roundTrips - trips, 2, 'fetch-next: [BEGIN + locks + completion], [claim + NOTIFY + COMMIT]');
    assert.equal(db.inTransaction, false);
    assert.deepEqual({ task: out.task, run: out.run }, storedCompletion(store, a.id, first.run.id));
    assert.equal(out.task.status, 'done');
    const claimed = out.next!;
    assert.ok(claimed.task && 'run' in claimed && claimed.task.id === b.id);
    assert.equal(store.tasks.get(b.id)!.status, 'running');
    assert.equal(store.tasks.get(b.id)!.current_run_id, claimed.run.id);
    const run = store.runs.get(claimed.run.id)!;
    assert.deepEqual([run.task_id, run.status, run.lease_expires_at, run.started_at, run.host, run.pid, run.claimed_by], [b.id, 'running', t0 + 20 + 60_000, t0 + 20, 'h', 7, 'w1']);
    // Nothing left: still 2 round trips, the next claim empty, the completion kept.
    trips = db.roundTrips;
    const last = completeRun(store, { run_id: claimed.run.id, summary: 'ok b' }, ctx(t0 + 30), { next: { agent: 'w1' } });
    assert.equal(db.roundTrips - trips, 2);
    assert.deepEqual(last.next, { task: null });
    assert.equal(store.tasks.get(b.id)!.status, 'done');

    // A completion that is not the common one (the task wants review): the long way, and the next claim still made.
    const r = addTask(store, { title: 'reviewed', review: true, priority: 1 }, ctx(t0 + 40, 'lead')).task;
    const c = addTask(store, { title: 'c', priority: 2 }, ctx(t0 + 41, 'lead')).task;
    const rc = claimTask(store, { agent: 'w1' }, ctx(t0 + 42));
    assert.ok(rc.task && 'run' in rc && rc.task.id === r.id);
    const afterReview = completeRun(store, { run_id: rc.run.id, summary: 'look' }, ctx(t0 + 43), { next: { agent: 'w1' } });
    assert.equal(afterReview.task.status, 'review');
    assert.ok(afterReview.next?.task && afterReview.next.task.id === c.id);

    // The next task has paths (a file lease to work out under the exclusive lock): the completion is committed, the claim
    // taken the long way in a transaction of its own — the task still claimed exactly once.
    const p = addTask(store, { title: 'p', paths: ['src/**'] }, ctx(t0 + 50, 'lead')).task;
    assert.ok(afterReview.next && 'run' in afterReview.next);
    const viaLong = completeRun(store, { run_id: afterReview.next.run.id, summary: 'ok c' }, ctx(t0 + 51), { next: { agent: 'w1' } });
    assert.equal(viaLong.task.status, 'done');
    assert.ok(viaLong.next?.task && viaLong.next.task.id === p.id && 'run' in viaLong.next);
    assert.equal(store.tasks.get(p.id)!.current_run_id, viaLong.next.run.id);
    assert.equal(Number(db.prepare('SELECT COUNT(*) FROM runs WHERE task_id = ?').pluck().get(p.id)), 1);
    // A completion of a run no longer live with `next`: LEASE_LOST, as without it, and nothing claimed.
    assert.throws(() => completeRun(store, { run_id: first.run.id, summary: 'again' }, ctx(t0 + 60), { next: { agent: 'w1' } }), (e: { code?: string }) => e.code === 'LEASE_LOST');
  } finally {
    store.close();
  }
});
