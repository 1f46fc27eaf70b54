// The tick on real SQLite files: steps in order, policy per source, each digest item once, quiet, idempotence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { proposalLine } from '../src/cli/format.js';
import { configSchema, type Config } from '../src/config/schema.js';
import type { Task } from '../src/core/types.js';
import { acceptProposal, addTask, cancelTask, claimTask, completeRun, failRun, proposeTask, rejectProposal } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { DIGEST_CURSOR_KEY } from '../src/tick/digest-store.js';
import { digestText } from '../src/tick/digest-text.js';
import type { Digest } from '../src/tick/digest.js';
import { DECIDE_BATCH } from '../src/tick/decide-proposals.js';
import { tickOnce, type TickHooks } from '../src/tick/tick-once.js';
import { at, snapshotExcept, tempStore } from './support/helpers.js';

const T0 = 1_700_000_000_000;
const config = (c: Record<string, unknown> = {}): Config => configSchema.parse(c);
const CODER = { agents: { coder: { cli: 'claude', types: ['code', 'review'], capabilities: ['repo'] } } };

function tick(s: Store, now: number, cfg: Config = config(CODER), hooks?: TickHooks): Digest {
  return tickOnce({ store: s, ctx: at(now), config: cfg, hooks }).digest;
}

function claimed(s: Store, now: number, lease = 300): { task: Task; run: { id: number } } {
  const out = claimTask(s, { agent: 'coder', lease_seconds: lease }, at(now));
  assert.ok(out.task);
  return out as { task: Task; run: { id: number } };
}

/** Every kind of item a digest reports, one of each. */
function busyQueue(s: Store): Record<string, number> {
  const review = addTask(s, { title: 'needs a look', review: true, priority: 1 }, at(T0)).task;
  const r1 = claimed(s, T0);
  completeRun(s, { run_id: r1.run.id, summary: 'patched the parser' }, at(T0 + 1));
  addTask(s, { title: 'asks a question', priority: 2 }, at(T0));
  const r2 = claimed(s, T0);
  failRun(s, { run_id: r2.run.id, error: 'which db?', kind: 'needs_input', question: 'Postgres or SQLite?' }, at(T0 + 2));
  addTask(s, { title: 'flaky', priority: 3 }, at(T0));
  const r3 = claimed(s, T0);
  failRun(s, { run_id: r3.run.id, error: 'ECONNRESET' }, at(T0 + 3));
  addTask(s, { title: 'doomed', priority: 4 }, at(T0));
  const r4 = claimed(s, T0);
  failRun(s, { run_id: r4.run.id, error: 'syntax error', kind: 'fatal' }, at(T0 + 4));
  addTask(s, { title: 'research only', type: 'research', priority: 5 }, at(T0));
  const late = addTask(s, { title: 'cancelled while running', priority: 0 }, at(T0)).task;
  const r5 = claimed(s, T0);
  cancelTask(s, { id: late.id }, at(T0 + 5));
  assert.throws(() => completeRun(s, { run_id: r5.run.id, summary: 'too late' }, at(T0 + 6)), { code: 'LEASE_LOST' });
  const p = proposeTask(s, { title: 'an idea' }, at(T0 + 7)).proposal;
  return { review: review.id, proposal: p.id };
}

describe('tickOnce', () => {
  test('a busy queue: every kind of item, once; the next tick is quiet', () => {
    const s = tempStore();
    const ids = busyQueue(s);
    const d = tick(s, T0 + 10_000);
    assert.equal(d.quiet, false);
    assert.deepEqual(d.proposals, [{ id: ids.proposal, title: 'an idea', source: 'cli' }]);
    assert.deepEqual(d.review, [{ id: ids.review, title: 'needs a look', result: 'patched the parser' }]);
    assert.deepEqual(d.blocked!.map((b) => b.question), ['Postgres or SQLite?']);
    assert.deepEqual(d.failures!.map((f) => [f.title, f.kind, f.attempts, f.error]), [['flaky', 'transient', 1, 'ECONNRESET']]);
    assert.deepEqual(d.dead!.map((f) => [f.title, f.kind]), [['doomed', 'fatal']]);
    assert.deepEqual(d.late_results!.map((l) => l.reason), ['finished']);
    assert.deepEqual(d.stuck!.map((x) => [x.signal, x.type]), [['no_agent', 'research']]);
    assert.deepEqual(d.counts, { ready: 2, review: 1, failed: 1, blocked: 1, cancelled: 1 });
    assert.equal(d.inbox, 1);
    const again = tick(s, T0 + 20_000);
    assert.deepEqual(again, { quiet: true, counts: d.counts, inbox: 1 }, 'each item once: the second digest repeats none');
    assert.match(digestText(again), /^quiet · inbox 1 · ready 2 · review 1 · failed 1 · blocked 1 · cancelled 1$/);
  });

  test('idempotent: a second tick writes no events and changes nothing but (at most) the digest cursor', () => {
    const s = tempStore();
    busyQueue(s);
    const r = claimed(s, T0, 5);
    tick(s, T0 + 60_000);
    assert.equal(s.runs.get(r.run.id)!.outcome, 'lost', 'the first tick reaped the expired lease');
    const strip = (x: Store) => snapshotExcept(x, [DIGEST_CURSOR_KEY]);
    const before = strip(s);
    const events = s.events.maxId();
    const d2 = tick(s, T0 + 60_001);
    assert.equal(s.events.maxId(), events, 'no events written');
    assert.equal(strip(s), before);
    assert.equal(d2.quiet, true);
  });

  test('auto-accepts by policy per source, as actor triage; manual sources wait in the digest', () => {
    const s = tempStore();
    const cfg = config({ ...CODER, triage: { accept: 'manual', sources: { cli: 'auto' } } });
    const a = proposeTask(s, { title: 'from cli' }, at(T0), 'cli').proposal;
    const b = proposeTask(s, { title: 'from planner' }, at(T0), 'mcp:planner').proposal;
    const c = proposeTask(s, { title: 'from triage' }, at(T0), 'mcp:triage').proposal;
    const r = tickOnce({ store: s, ctx: at(T0 + 1, 'cli'), config: cfg });
    assert.deepEqual(r.accepted.map((x) => x.proposal_id), [a.id, c.id]);
    assert.equal(s.proposals.get(a.id)!.decided_by, 'triage');
    assert.equal(s.proposals.get(b.id)!.status, 'new');
    assert.deepEqual(r.digest.proposals!.map((p) => p.id), [b.id]);
    assert.deepEqual(r.digest.acted, { accepted: 2 });
    assert.equal(s.tasks.get(r.accepted[0]!.task_id)!.status, 'ready');
  });

  test('a backlog of manual proposals does not hide an auto one; unknown sources follow triage.accept', () => {
    const s = tempStore();
    s.tx(() => {
      for (let i = 0; i < 600; i++) proposeTask(s, { title: `manual ${i}` }, at(T0), 'mcp:planner');
    });
    const auto = proposeTask(s, { title: 'auto one' }, at(T0), 'cli').proposal;
    const odd = proposeTask(s, { title: 'odd source' }, at(T0), 'webhook').proposal;
    const manualCfg = config({ triage: { accept: 'manual', sources: { cli: 'auto' } } });
    assert.deepEqual(tickOnce({ store: s, ctx: at(T0 + 1), config: manualCfg }).accepted.map((a) => a.proposal_id), [auto.id]);
    const autoCfg = config({ triage: { accept: 'auto', sources: { 'mcp:planner': 'manual' } } });
    assert.deepEqual(tickOnce({ store: s, ctx: at(T0 + 2), config: autoCfg }).accepted.map((a) => a.proposal_id), [odd.id]);
    assert.equal(s.proposals.counts().new, 600);
  });

  test('a proposal policy would accept but cannot be (missing dependency) is left new, with the reason, once', () => {
    const s = tempStore();
    const p = proposeTask(s, { title: 'after a ghost', after: [99] }, at(T0)).proposal;
    const d = tick(s, T0 + 1, config({ triage: { accept: 'auto' } }));
    assert.equal(s.proposals.get(p.id)!.status, 'new');
    assert.match(String(d.proposals![0]!.note), /not accepted automatically: dependency #99 does not exist/);
    assert.equal(tick(s, T0 + 2, config({ triage: { accept: 'auto' } })).quiet, true);
  });

  test('proposals auto-accept refused are not tried again: a batch of them does not starve the one behind it', () => {
    const s = tempStore();
    const auto = config({ triage: { accept: 'auto' } });
    s.tx(() => {
      for (let i = 0; i < DECIDE_BATCH; i++) proposeTask(s, { title: `after a ghost ${i}`, after: [99_999] }, at(T0), 'file');
    });
    const honest = proposeTask(s, { title: 'honest' }, at(T0), 'file').proposal;
    const first = tickOnce({ store: s, ctx: at(T0 + 1), config: auto });
    assert.equal(first.refused.length, DECIDE_BATCH);
    assert.deepEqual(first.accepted, []);
    const second = tickOnce({ store: s, ctx: at(T0 + 2), config: auto });
    assert.deepEqual(second.refused, []);
    assert.deepEqual(second.accepted.map((a) => a.proposal_id), [honest.id]);
    // Left for a person, with the reason: still new, and a person's accept is not held back by it.
    const ghost = s.proposals.get(1)!;
    assert.equal(ghost.status, 'new');
    assert.match(String(ghost.auto_refused), /^NOT_FOUND: dependency #99999 does not exist/);
    assert.match(proposalLine(ghost), /\(not accepted automatically: NOT_FOUND: dependency #99999 does not exist/, '`steward inbox` says why');
    assert.deepEqual(tickOnce({ store: s, ctx: at(T0 + 3), config: auto }).refused, []);
    assert.throws(() => acceptProposal(s, { proposal_id: ghost.id }, at(T0 + 4)), /dependency #99999 does not exist/);
    rejectProposal(s, { proposal_id: ghost.id, reason: 'no such task' }, at(T0 + 5));
    assert.equal(s.proposals.get(ghost.id)!.status, 'rejected');
  });

  test('stuck: a run silent for more than half its lease, and a task that struck twice; each reported once', () => {
    const s = tempStore();
    addTask(s, { title: 'slow' }, at(T0));
    const slow = claimed(s, T0, 300);
    addTask(s, { title: 'twice' }, at(T0));
    const tw = claimed(s, T0, 300);
    failRun(s, { run_id: tw.run.id, error: 'e1' }, at(T0 + 1));
    const again = claimed(s, T0 + 60_000);
    assert.equal(again.task.id, tw.task.id);
    failRun(s, { run_id: again.run.id, error: 'e2' }, at(T0 + 60_001));
    const quietRun = tick(s, T0 + 140_000);
    assert.deepEqual(quietRun.stuck!.map((x) => x.signal), ['repeated_failures']);
    const d = tick(s, T0 + 151_000);
    assert.deepEqual(d.stuck, [{ signal: 'silent', id: slow.task.id, run: slow.run.id, agent: 'coder', seconds: 151 }]);
    assert.equal(tick(s, T0 + 152_000).quiet, true);
  });

  test("a reaped run retries on the workspace's retry policy, not the built-in one (found by the chaos run)", () => {
    const s = tempStore();
    const task = addTask(s, { title: 'lost twice', max_attempts: 9 }, at(T0)).task;
    const retry = config({ ...CODER, retry: { baseSeconds: 1, factor: 1, capSeconds: 1, jitter: 0 } });
    let now = T0;
    for (const strike of [1, 2]) {
      claimed(s, now, 5);
      now += 10_000; // the lease ended: the tick reaps the run as lost
      tickOnce({ store: s, ctx: { now, actor: 'triage' }, config: retry });
      const t = s.tasks.get(task.id)!;
      assert.equal(t.attempts, strike);
      assert.equal(t.run_after - now, 1000, `strike ${strike}: 1 s as configured (the default would wait 5–${10 * strike} s)`);
      now = t.run_after;
    }
  });

  test('no_agent is checked only when steward dispatches to its own profiles', () => {
    const s = tempStore();
    addTask(s, { title: 'gpu work', requires: ['gpu'] }, at(T0));
    const local = tick(s, T0 + 1, config(CODER));
    assert.match(String(local.stuck![0]!.why), /no profile taking type code has capabilities gpu/);
    const s2 = tempStore();
    addTask(s2, { title: 'gpu work', requires: ['gpu'] }, at(T0));
    assert.equal(tick(s2, T0 + 1, config({ ...CODER, dispatch: 'none' })).quiet, true);
  });

  test('hooks run in order and pass acted counts and unreadable TASKS.md lines to the digest (each line once)', () => {
    const s = tempStore();
    const order: string[] = [];
    const hooks: TickHooks = {
      ingest: () => (order.push('ingest'), { acted: { ingested: 2 } }),
      dispatch: () => (order.push('dispatch'), { acted: { started: 1 } }),
      render: () => (order.push('render'), { unreadable_lines: [{ line: 7, text: '- [?] what is this', reason: 'unknown box' }] }),
    };
    const d = tick(s, T0, config(CODER), hooks);
    assert.deepEqual(order, ['ingest', 'dispatch', 'render']);
    assert.deepEqual(d.acted, { ingested: 2, started: 1 });
    assert.deepEqual(d.board, [{ line: 7, text: '- [?] what is this', reason: 'unknown box' }]);
    assert.equal(tick(s, T0 + 1, config(CODER), hooks).board, undefined, 'the same line is not reported again');
  });

  test('an idle workspace: one short text line and a tiny JSON object', () => {
    const s = tempStore();
    for (let i = 0; i < 30; i++) addTask(s, { title: `t${i}` }, at(T0));
    tick(s, T0 + 1);
    const d = tick(s, T0 + 2);
    const json = JSON.stringify(d);
    assert.equal(json, '{"quiet":true,"counts":{"ready":30}}');
    assert.ok(Buffer.byteLength(json) < 200, `${json.length} bytes`);
    assert.equal(digestText(d), 'quiet · ready 30');
  });
});
