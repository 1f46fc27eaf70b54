// The lock choice on Postgres (docs/SCALING.md, "Locks on Postgres"), shown with two stores on one queue, each its own
// connection, interleaved deterministically in one thread: store B acts while store A is inside its transaction (A's
// `refuse` callback runs after A counted; txNarrow bodies run B's call directly). B is opened with a short lock_timeout,
// so "B must wait for A" shows as B's BUSY — never as a time measured. Every cap test runs twice: with the real locks
// (B is refused, the cap holds) and with the test knob 'unsafe-shared' (every write transaction takes the queue's lock
// shared only), where the same interleaving overshoots the cap — so each check is one that can fail.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configSchema, type Config } from '../src/config/schema.js';
import { StewardError } from '../src/core/errors.js';
import type { Task } from '../src/core/types.js';
import { addTask, claimTask, completeRun, heartbeatRun } from '../src/ops/index.js';
import { claimForProfile } from '../src/ops/profile-claim.js';
import { claimInTx, completeInTx } from '../src/ops/runs.js';
import { openStore, type Store, type StoreOptions } from '../src/store/open-store.js';
import type { PgDatabase, PgLockMode } from '../src/store/pg/pg-database.js';
import { tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(() => ('skip' in server ? undefined : server.stop()));

const opened: Store[] = [];
after(() => opened.forEach((s) => s.close()));

/** A store on `schema` with its own connection; `busyMs` is its lock_timeout. */
function open(schema: string, lockMode: PgLockMode, busyMs = 5000): Store {
  const prev = process.env.STEWARD_PG_LOCK;
  process.env.STEWARD_PG_LOCK = lockMode;
  try {
    const store = openStore(join(tempDir('steward-pglock-'), 'queue.db'), { url, schema, busyTimeoutMs: busyMs } as StoreOptions & { url: string; schema: string });
    opened.push(store);
    return store;
  } finally {
    if (prev === undefined) delete process.env.STEWARD_PG_LOCK;
    else process.env.STEWARD_PG_LOCK = prev;
  }
}

/** Two stores on a fresh queue: A (normal lock_timeout) and B (300 ms: its wait for A ends in BUSY). */
function pair(lockMode: PgLockMode): { a: Store; b: Store } {
  const schema = freshSchema('lk');
  const a = open(schema, lockMode);
  const b = open(schema, lockMode, 300);
  return { a, b };
}

const ctx = (now: number, actor = 'w') => ({ now, actor });
const T0 = Date.UTC(2026, 11, 4, 12);

function config(extra: Record<string, unknown>): Config {
  return configSchema.parse({
    dispatch: 'none',
    agents: { a1: { cli: 'claude', types: ['code'] }, a2: { cli: 'claude', types: ['code'] } },
    ...extra,
  });
}

/** What B's call did: its result, or the code of its error (BUSY: it had to wait for A). */
function attempt<T>(fn: () => T): { ok: T } | { code: string } {
  try {
    return { ok: fn() };
  } catch (err) {
    if (err instanceof StewardError) return { code: err.code };
    throw err;
  }
}

function running(store: Store): number {
  return Number((store.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'").get() as { n: number | string }).n);
}

function seed(store: Store, n: number, fields: Record<string, unknown> = {}): Task[] {
  return Array.from({ length: n }, (_, i) => addTask(store, { title: `t${i}`, type: 'code', ...fields }, ctx(T0 + i, 'lead')).task);
}

/**
 * A claims for `profileA` and, after counting (inside its refuse callback, i.e. inside its transaction), B claims for
 * `profileB`. Returns what B got and how many runs are running at the end.
 */
function interleavedProfileClaims(a: Store, b: Store, cfg: Config, profileA: string, profileB: string): { b: { ok: unknown } | { code: string }; aClaimed: boolean; running: number } {
  let inner: { ok: unknown } | { code: string } | undefined;
  const outA = claimForProfile(a, cfg, profileA, ctx(T0 + 100, profileA), {}, {
    refuse: () => {
      inner ??= attempt(() => claimForProfile(b, cfg, profileB, ctx(T0 + 101, profileB), {}));
      return undefined;
    },
  });
  assert.ok(inner, 'B ran inside A');
  return { b: inner, aClaimed: outA.task !== null, running: running(a) };
}

const CAPS: Array<{ name: string; cfg: () => Config; a: string; b: string; cap: number; fields?: Record<string, unknown> }> = [
  { name: 'wip.global', cfg: () => config({ wip: { global: 1 } }), a: 'a1', b: 'a2', cap: 1 },
  { name: 'wip.perAgent', cfg: () => config({ wip: { perAgent: { a1: 1 } } }), a: 'a1', b: 'a1', cap: 1 },
  { name: 'wip.perProject', cfg: () => config({ wip: { perProject: { p: 1 } } }), a: 'a1', b: 'a2', cap: 1, fields: { project: 'p' } },
  { name: 'a budget (maxRuns 1 a day)', cfg: () => config({ budgets: { limits: [{ scope: 'global', period: 'day', maxRuns: 1 }] } }), a: 'a1', b: 'a2', cap: 1 },
];

for (const c of CAPS) {
  test(`${c.name}: a claim that counts holds the queue's lock exclusively — a second claimer waits (BUSY here) and the cap holds`, { skip, timeout: 240_000 }, () => {
    const { a, b } = pair('narrow');
    seed(a, 3, c.fields);
    const out = interleavedProfileClaims(a, b, c.cfg(), c.a, c.b);
    assert.deepEqual(out.b, { code: 'BUSY' }, 'B waited for A');
    assert.equal(out.aClaimed, true);
    assert.equal(out.running, c.cap);
    // Afterwards B is held by the cap, as on SQLite.
    const later = claimForProfile(b, c.cfg(), c.b, ctx(T0 + 200, c.b), {});
    assert.equal(later.task, null, 'held by the cap (a full project is left out of the claim: nothing to claim)');
    assert.equal(running(a), c.cap);
  });

  test(`${c.name}: the check can fail — with every writer on the shared lock (test knob unsafe-shared) the same interleaving overshoots`, { skip, timeout: 240_000 }, () => {
    const { a, b } = pair('unsafe-shared');
    seed(a, 3, c.fields);
    const out = interleavedProfileClaims(a, b, c.cfg(), c.a, c.b);
    assert.ok('ok' in out.b && (out.b.ok as { task: unknown }).task !== null, 'B claimed while A had counted');
    assert.equal(out.aClaimed, true);
    assert.equal(out.running, c.cap + 1, 'the cap is exceeded: this is what the exclusive lock prevents');
  });
}

test('narrow claims run side by side: B claims while A holds its narrow claim open, and takes another task (SKIP LOCKED), never the same', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('narrow');
  const [t1, t2] = seed(a, 2);
  let inner: ReturnType<typeof claimTask> | undefined;
  const outA = a.txNarrow(() => {
    const mine = claimInTx(a, { agent: 'w1' }, ctx(T0 + 100, 'w1'), {});
    assert.equal(a.narrow, true, 'A is still narrow after its claim');
    inner = claimTask(b, { agent: 'w2' }, ctx(T0 + 101, 'w2'));
    return mine;
  });
  assert.equal(outA.task?.id, t1!.id);
  assert.equal(inner?.task?.id, t2!.id, 'B did not wait for A and did not take A\'s task');
  const runs = a.db.prepare('SELECT task_id, COUNT(*) AS n FROM runs GROUP BY task_id ORDER BY task_id').all() as Array<{ task_id: number; n: number }>;
  assert.deepEqual(runs.map((r) => [r.task_id, Number(r.n)]), [[t1!.id, 1], [t2!.id, 1]]);
  // Nothing left for a third claim, even with A's claim still uncommitted until a moment ago.
  assert.deepEqual(claimTask(b, { agent: 'w3' }, ctx(T0 + 102, 'w3')), { task: null });
});

test('with STEWARD_PG_LOCK=queue every claim takes the exclusive lock: B waits for A (the rule before narrowing)', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('queue');
  seed(a, 2);
  let inner: { ok: unknown } | { code: string } | undefined;
  a.txNarrow(() => {
    claimInTx(a, { agent: 'w1' }, ctx(T0 + 100, 'w1'), {});
    assert.equal(a.narrow, true);
    inner = attempt(() => claimTask(b, { agent: 'w2' }, ctx(T0 + 101, 'w2')));
  });
  assert.deepEqual(inner, { code: 'BUSY' });
});

test('a narrow claim and a claim that counts exclude each other (shared vs exclusive), both ways', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('narrow');
  seed(a, 4);
  const cfg = config({ wip: { global: 2 } });
  // A counts (exclusive); B's plain claim must wait.
  let inner: { ok: unknown } | { code: string } | undefined;
  claimForProfile(a, cfg, 'a1', ctx(T0 + 100, 'a1'), {}, {
    refuse: () => {
      inner ??= attempt(() => claimTask(b, { agent: 'w2' }, ctx(T0 + 101, 'w2')));
      return undefined;
    },
  });
  assert.deepEqual(inner, { code: 'BUSY' });
  // A claims narrowly; B's counting claim must wait.
  inner = undefined;
  a.txNarrow(() => {
    claimInTx(a, { agent: 'w1' }, ctx(T0 + 110, 'w1'), {});
    inner = attempt(() => claimForProfile(b, cfg, 'a2', ctx(T0 + 111, 'a2'), {}));
  });
  assert.deepEqual(inner, { code: 'BUSY' });
  assert.equal(running(a), 2);
  assert.equal(claimForProfile(b, cfg, 'a2', ctx(T0 + 120, 'a2'), {}).task, null, 'wip.global 2 reached');
});

test('a claim of a task with paths leaves the narrow path (file leases are decided under the exclusive lock)', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('narrow');
  addTask(a, { title: 'px', paths: ['src/x/**'] }, ctx(T0, 'lead'));
  addTask(a, { title: 'py', paths: ['src/x/y.ts'] }, ctx(T0 + 1, 'lead'));
  addTask(a, { title: 'plain' }, ctx(T0 + 2, 'lead'));
  // While A holds a narrow transaction, B's claim of the first task (it has paths) needs the exclusive lock: BUSY.
  let inner: { ok: unknown } | { code: string } | undefined;
  a.txNarrow(() => {
    a.db.prepare('SELECT 1').get();
    inner = attempt(() => claimTask(b, { agent: 'w2' }, ctx(T0 + 101, 'w2')));
  });
  assert.deepEqual(inner, { code: 'BUSY' });
  // Alone, the claims decide the file lease as before: the overlapping task waits while the first runs.
  const first = claimTask(b, { agent: 'w2' }, ctx(T0 + 110, 'w2'));
  assert.equal(first.task?.title, 'px');
  const second = claimTask(b, { agent: 'w3' }, ctx(T0 + 111, 'w3'));
  assert.equal(second.task?.title, 'plain', 'the task without paths, not the leased one');
  assert.deepEqual(claimTask(b, { agent: 'w4' }, ctx(T0 + 112, 'w4')), { task: null });
});

test('completions: a completion to done is narrow (runs beside a narrow claim); the same run completed twice waits on the run lock, then LEASE_LOST', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('narrow');
  seed(a, 3);
  const r1 = claimTask(a, { agent: 'w1' }, ctx(T0 + 100, 'w1'));
  assert.ok(r1.task);
  // A completes r1 narrowly; B claims meanwhile (no wait), then B completes r1 too (waits on r1's lock: BUSY).
  let claimB: ReturnType<typeof claimTask> | undefined;
  let dupB: { ok: unknown } | { code: string } | undefined;
  const done = a.txNarrow(() => {
    const out = completeInTx(a, { run_id: r1.run.id, summary: 'ok' }, ctx(T0 + 110, 'w1'));
    assert.equal(a.narrow, true, 'a completion to done stays narrow');
    claimB = claimTask(b, { agent: 'w2' }, ctx(T0 + 111, 'w2'));
    dupB = attempt(() => completeRun(b, { run_id: r1.run.id, summary: 'again' }, ctx(T0 + 112, 'w1')));
    return out;
  }, r1.run.id);
  assert.ok(done.ok);
  assert.ok(claimB?.task, 'B claimed beside A\'s completion');
  assert.deepEqual(dupB, { code: 'BUSY' }, 'the second completion of the run waited for the first');
  // After A committed, the duplicate is what it is on SQLite: LEASE_LOST, its payload kept as a late result.
  assert.deepEqual(attempt(() => completeRun(b, { run_id: r1.run.id, summary: 'again' }, ctx(T0 + 120, 'w1'))), { code: 'LEASE_LOST' });
  assert.equal(a.tasks.get(r1.task.id)!.status, 'done');
  assert.equal(a.tasks.get(r1.task.id)!.result, 'ok');
  // A heartbeat is narrow too: B heartbeats its run while A holds a narrow transaction.
  let beat: { ok: unknown } | { code: string } | undefined;
  a.txNarrow(() => {
    a.db.prepare('SELECT 1').get();
    beat = attempt(() => heartbeatRun(b, { run_id: (claimB as { run: { id: number } }).run.id }, ctx(T0 + 130, 'w2')));
  });
  assert.ok(beat && 'ok' in beat);
});

test('completions that write events, settle dependents or spawn follow-ups take the exclusive lock', { skip, timeout: 240_000 }, () => {
  const { a, b } = pair('narrow');
  const review = addTask(a, { title: 'reviewed', review: true }, ctx(T0, 'lead')).task;
  const parent = addTask(a, { title: 'parent', priority: 1 }, ctx(T0 + 1, 'lead')).task;
  addTask(a, { title: 'child', after: [parent.id] }, ctx(T0 + 2, 'lead'));
  const chain = addTask(a, { title: 'chain', priority: 2, then: [{ title: 'next' }] }, ctx(T0 + 3, 'lead')).task;
  const runs = new Map<number, number>();
  for (let i = 0; i < 3; i++) {
    const c = claimTask(a, { agent: `w${i}` }, ctx(T0 + 10 + i, `w${i}`));
    assert.ok(c.task);
    runs.set(c.task.id, c.run.id);
  }
  for (const id of [review.id, parent.id, chain.id]) {
    let inner: { ok: unknown } | { code: string } | undefined;
    a.txNarrow(() => {
      a.db.prepare('SELECT 1').get();
      inner = attempt(() => completeRun(b, { run_id: runs.get(id)!, summary: 'ok' }, ctx(T0 + 20, 'w')));
    });
    assert.deepEqual(inner, { code: 'BUSY' }, `task #${id}'s completion waited for the exclusive lock`);
    completeRun(b, { run_id: runs.get(id)!, summary: 'ok' }, ctx(T0 + 30, 'w'));
  }
  assert.equal(a.tasks.get(review.id)!.status, 'review');
  assert.equal(a.tasks.byKey(`then:${chain.id}:0`)?.title, 'next', 'the follow-up was spawned once');
});

test('STEWARD_PG_LOCK must name a mode', { skip }, async () => {
  const { lockModeFromEnv } = await import('../src/store/pg/pg-database.js');
  assert.equal(lockModeFromEnv(undefined), 'narrow');
  assert.equal(lockModeFromEnv('queue'), 'queue');
  assert.throws(() => lockModeFromEnv('none'), (e: unknown) => e instanceof StewardError && e.code === 'VALIDATION');
  assert.equal((opened[0]?.db as unknown as PgDatabase | undefined)?.lockMode ?? 'narrow', 'narrow');
});
