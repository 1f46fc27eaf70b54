// Batches: claimTasks and completeRuns share one transaction between several tasks and change nothing else.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StewardError } from '../src/core/errors.js';
import { addTask, claimTask, claimTasks, completeRun, completeRuns, failRun, reapRuns, showTask } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { at, snapshot, tempStore } from './support/helpers.js';

const code = (c: string) => (e: StewardError) => e.code === c;

function seeded(n: number, extra: (i: number) => Record<string, unknown> = () => ({})): Store {
  const s = tempStore();
  for (let i = 1; i <= n; i++) addTask(s, { title: `t${i}`, ...extra(i) }, at(i));
  return s;
}

/** Makes every write to a run with this id fail inside the database, as a full disk or a bug would. */
function breakRun(s: Store, runId: number): void {
  if (s.db.dialect === 'postgres') {
    s.db.exec(`CREATE FUNCTION broken_run() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = ${runId} THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER broken_run BEFORE INSERT OR UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION broken_run();`);
    return;
  }
  s.db.exec(`CREATE TRIGGER broken_insert BEFORE INSERT ON runs WHEN (SELECT COALESCE(MAX(id), 0) + 1 FROM runs) = ${runId}
      BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;
    CREATE TRIGGER broken_update BEFORE UPDATE ON runs WHEN OLD.id = ${runId} BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;`);
}

describe('claimTasks', () => {
  test('claims up to limit in the order single claims take them, each with its own run and claimed event', () => {
    const s = seeded(5, (i) => ({ priority: i === 4 ? 'high' : 'normal' }));
    const first = claimTasks(s, { agent: 'a', limit: 3 }, at(1000));
    assert.deepEqual(first.claims.map((c) => c.task.title), ['t4', 't1', 't2']);
    assert.equal(new Set(first.claims.map((c) => c.run.id)).size, 3, 'a fencing token per task');
    for (const { task, run } of first.claims) {
      assert.deepEqual([task.status, task.current_run_id, run.task_id, run.status], ['running', run.id, task.id, 'running']);
      assert.deepEqual(s.tasks.get(task.id)?.current_run_id, run.id);
      assert.equal(showTask(s, { id: task.id }).events[0]?.kind, 'claimed');
    }
    assert.deepEqual(claimTasks(s, { agent: 'b', limit: 10 }, at(1100)).claims.map((c) => c.task.title), ['t3', 't5']);
    assert.deepEqual(claimTasks(s, { agent: 'b', limit: 10 }, at(1200)), { claims: [] });
  });
  test('types, capabilities and the agent filter a batch as they filter a single claim', () => {
    const s = seeded(6, (i) => [{}, { type: 'research' }, { requires: 'gpu' }, { agent: 'other' }, { type: 'research' }, {}][i - 1]!);
    const titles = (b: ReturnType<typeof claimTasks>) => b.claims.map((c) => c.task.title);
    assert.deepEqual(titles(claimTasks(s, { agent: 'a', types: ['research'], limit: 5 }, at(1000))), ['t2', 't5']);
    assert.deepEqual(titles(claimTasks(s, { agent: 'a', capabilities: ['gpu'], limit: 5 }, at(1000))), ['t1', 't3', 't6']);
    assert.deepEqual(titles(claimTasks(s, { agent: 'a', limit: 5 }, at(1000))), []);
    assert.deepEqual(titles(claimTasks(s, { agent: 'other', limit: 5 }, at(1000))), ['t4']);
  });
  test('a paused agent gets no claims and the pause; bad limits are VALIDATION and write nothing', () => {
    const s = seeded(3);
    const c = claimTask(s, { agent: 'coder' }, at(1000));
    failRun(s, { run_id: c.task!.current_run_id!, error: '429', kind: 'rate_limit', retry_after: 60 }, at(2000));
    assert.deepEqual(claimTasks(s, { agent: 'coder', limit: 5 }, at(3000)), { claims: [], paused_until: 62_000 });
    const before = snapshot(s);
    for (const limit of [0, 101, 2.5, undefined]) {
      assert.throws(() => claimTasks(s, { agent: 'other', limit }, at(3000)), code('VALIDATION'), `limit ${limit}`);
    }
    assert.throws(() => claimTasks(s, { agent: 'other', limit: 2, extra: 1 }, at(3000)), code('VALIDATION'));
    assert.equal(snapshot(s), before);
  });
  test('all or nothing: a write failing on the third claim leaves no claim behind', () => {
    const s = seeded(4);
    breakRun(s, 3);
    const before = snapshot(s);
    assert.throws(() => claimTasks(s, { agent: 'a', limit: 4 }, at(1000)), /disk trouble/);
    assert.equal(snapshot(s), before);
    assert.equal(s.db.prepare("SELECT COUNT(*) FROM tasks WHERE status = 'ready'").pluck().get(), 4);
  });
});

describe('completeRuns', () => {
  test('completes each run as completeRun would: done or review, result, follow-ups, a completion in each timeline', () => {
    const s = seeded(3, (i) => (i === 2 ? { review: true } : i === 3 ? { then: [{ title: 'after t3' }] } : {}));
    const { claims } = claimTasks(s, { agent: 'a', limit: 3 }, at(1000));
    const out = completeRuns(s, claims.map((c, i) => ({ run_id: c.run.id, summary: `r${i}`, cost_usd: i })), at(2000));
    assert.deepEqual(out.results.map((r) => (r.ok ? [r.task.title, r.task.status, s.tasks.get(r.task.id)?.result, r.run.outcome] : r.error.code)), [
      ['t1', 'done', 'r0', 'completed'], ['t2', 'review', 'r1', 'completed'], ['t3', 'done', 'r2', 'completed'],
    ]);
    const spawned = out.results.flatMap((r) => (r.ok ? r.spawned.map((t) => t.title) : []));
    assert.deepEqual(spawned, ['after t3']);
    assert.equal(s.runs.get(claims[2]!.run.id)?.cost_usd, 2);
    for (const c of claims) assert.equal(showTask(s, { id: c.task.id }).events[0]?.kind, 'completed');
    assert.equal(out.next, undefined);
  });
  test('a run no longer live keeps its result as late and is reported; a missing run is reported; the others complete', () => {
    const s = seeded(3);
    const stale = claimTask(s, { agent: 'a', lease_seconds: 10 }, at(1000));
    reapRuns(s, at(11_000));
    const fresh = claimTasks(s, { agent: 'b', limit: 3 }, at(20_000)).claims;
    assert.equal(fresh.length, 3, 'the reaped task is claimable again');
    const staleRun = stale.task!.current_run_id!;
    const out = completeRuns(s, [
      { run_id: fresh[0]!.run.id, summary: 'one' },
      { run_id: staleRun, summary: 'late work' },
      { run_id: 999, summary: 'nobody' },
      { run_id: fresh[1]!.run.id, summary: 'two' },
    ], at(21_000));
    assert.deepEqual(out.results.map((r) => (r.ok ? 'ok' : `${r.run_id} ${r.error.code}`)), ['ok', `${staleRun} LEASE_LOST`, '999 NOT_FOUND', 'ok']);
    assert.equal((s.runs.get(staleRun)!.late as { summary: string }).summary, 'late work');
    assert.deepEqual([fresh[0]!, fresh[1]!, fresh[2]!].map((c) => s.tasks.get(c.task.id)?.status), ['done', 'done', 'running']);
  });
  test('with next, the following batch is claimed in the same call; the queue drains exactly once', () => {
    const s = seeded(7);
    const claim = { agent: 'a', limit: 3 };
    let batch = claimTasks(s, claim, at(1000)).claims;
    const seen: number[] = [];
    for (let now = 2000; batch.length > 0; now += 1000) {
      seen.push(...batch.map((c) => c.task.id));
      const out = completeRuns(s, batch.map((c) => ({ run_id: c.run.id })), at(now), { next: claim });
      assert.ok(out.results.every((r) => r.ok));
      batch = out.next!.claims;
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(s.db.prepare("SELECT COUNT(*) FROM tasks WHERE status = 'done'").pluck().get(), 7);
    // Each claim and completion is recorded on its run row (who, when), not as an event row.
    assert.equal(s.db.prepare("SELECT COUNT(*) FROM runs WHERE claimed_by = 'test' AND finished_by = 'test' AND outcome = 'completed'").pluck().get(), 7);
    assert.equal(s.db.prepare("SELECT COUNT(*) FROM events WHERE kind IN ('claimed', 'completed')").pluck().get(), 0);
  });
  test('bad input is VALIDATION and writes nothing: empty, too many, a repeated run, a bad item, a bad next', () => {
    const s = seeded(2);
    const { claims } = claimTasks(s, { agent: 'a', limit: 2 }, at(1000));
    const ok = claims.map((c) => ({ run_id: c.run.id }));
    const before = snapshot(s);
    const bad: unknown[] = [[], Array.from({ length: 101 }, (_, i) => ({ run_id: i + 1 })), [ok[0], ok[0]], [ok[0], { run_id: 'x' }], {}];
    for (const input of bad) assert.throws(() => completeRuns(s, input, at(2000)), code('VALIDATION'));
    assert.throws(() => completeRuns(s, ok, at(2000), { next: { agent: 'a' } }), code('VALIDATION'), 'next needs a limit');
    assert.equal(snapshot(s), before);
  });
  test('all or nothing: a write failing on one run rolls back the runs completed before it', () => {
    const s = seeded(3);
    const { claims } = claimTasks(s, { agent: 'a', limit: 3 }, at(1000));
    breakRun(s, claims[2]!.run.id);
    const before = snapshot(s);
    assert.throws(() => completeRuns(s, claims.map((c) => ({ run_id: c.run.id })), at(2000)), /disk trouble/);
    assert.equal(snapshot(s), before);
    assert.equal(completeRun(s, { run_id: claims[0]!.run.id }, at(3000)).task.status, 'done', 'the first run is still live');
  });
});
