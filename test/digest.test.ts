// Pure decisions of the tick, with plain tables: digest assembly, stuck signals, the lock rule, the text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRANSITIONS } from '../src/core/states.js';
import type { StewardEvent } from '../src/core/types.js';
import { digestText } from '../src/tick/digest-text.js';
import { assembleDigest, clip, DIGEST_MAX_ITEMS, type DigestInput, type ProposalBrief, type TaskBrief } from '../src/tick/digest.js';
import { noAgentSignals, profileFits, repeatedFailureSignals, silentSignals, whyNoAgent } from '../src/tick/stuck.js';
import { decideLock } from '../src/tick/tick-lock.js';

let nextEvent = 1;
function ev(kind: string, fields: Partial<StewardEvent> = {}): StewardEvent {
  return { id: nextEvent++, at: 0, actor: 't', kind, task_id: null, run_id: null, proposal_id: null, from_status: null, to_status: null, reason: null, data: null, ...fields };
}
function task(id: number, status: TaskBrief['status'], extra: Partial<TaskBrief> = {}): TaskBrief {
  return { id, title: `task ${id}`, status, question: null, error: null, result: null, blocked_kind: null, attempts: 0, max_attempts: 3, ...extra };
}
function input(over: Partial<DigestInput> = {}): DigestInput {
  return { cursor: { event_id: 0, seen: [] }, watermark: 0, counts: {}, inbox: 0, events: [], tasks: new Map(), proposals: new Map(), stuck: [], board: [], acted: {}, ...over };
}
const proposals = (...ps: ProposalBrief[]) => new Map(ps.map((p) => [p.id, p]));
const tasks = (...ts: TaskBrief[]) => new Map(ts.map((t) => [t.id, t]));

describe('assembleDigest', () => {
  test('nothing new: quiet, counts in state order, zero counts and empty acted left out', () => {
    const { digest, cursor } = assembleDigest(input({ counts: { done: 3, ready: 2, failed: 0 }, acted: { promoted: 0 }, watermark: 40 }));
    assert.deepEqual(digest, { quiet: true, counts: { ready: 2, done: 3 } });
    assert.deepEqual(Object.keys(digest.counts), ['ready', 'done']);
    assert.deepEqual(cursor, { event_id: 40, seen: [] });
  });

  const cases: Array<[string, StewardEvent, Partial<DigestInput>, string | undefined]> = [
    ['a new proposal', ev('proposed', { proposal_id: 1 }), { proposals: proposals({ id: 1, title: 'p', status: 'new', source: 'file', project: null }) }, 'proposals'],
    ['a proposal decided since', ev('proposed', { proposal_id: 1 }), { proposals: proposals({ id: 1, title: 'p', status: 'accepted', source: 'file', project: null }) }, undefined],
    ['a task sent to review', ev('completed', { task_id: 1, to_status: 'review' }), { tasks: tasks(task(1, 'review')) }, 'review'],
    ['a review approved since', ev('completed', { task_id: 1, to_status: 'review' }), { tasks: tasks(task(1, 'done')) }, undefined],
    ['a question', ev('blocked', { task_id: 1 }), { tasks: tasks(task(1, 'blocked', { blocked_kind: 'question', question: 'why?' })) }, 'blocked'],
    ['an answered question', ev('blocked', { task_id: 1 }), { tasks: tasks(task(1, 'ready')) }, undefined],
    ['a strike', ev('retry_scheduled', { task_id: 1, reason: 'boom', data: { kind: 'transient', attempts: 1 } }), { tasks: tasks(task(1, 'ready')) }, 'failures'],
    ['a rate limit (no strike)', ev('retry_scheduled', { task_id: 1, data: { kind: 'rate_limit', attempts: 0 } }), { tasks: tasks(task(1, 'ready')) }, undefined],
    ['a dead letter', ev('dead', { task_id: 1, reason: 'fatal', data: { kind: 'fatal' } }), { tasks: tasks(task(1, 'failed')) }, 'dead'],
    ['a dead letter requeued since', ev('dead', { task_id: 1 }), { tasks: tasks(task(1, 'pending')) }, undefined],
    ['a late result', ev('late_result', { task_id: 1, run_id: 2, reason: 'expired' }), {}, 'late_results'],
    ['a refused inbox file', ev('inbox_rejected', { reason: 'bad', data: { file: 'x.md' } }), {}, 'inbox_rejected'],
    ['a refused outbox entry', ev('outbox_rejected', { task_id: 1, run_id: 2, reason: 'bad', data: { file: '2.json', moved_to: 'rejected/2.json' } }), {}, 'outbox_rejected'],
    ['an event of another kind', ev('promoted', { task_id: 1 }), { tasks: tasks(task(1, 'ready')) }, undefined],
  ];
  for (const [name, event, extra, list] of cases) {
    test(`${name} → ${list ?? 'quiet'}`, () => {
      const { digest, cursor } = assembleDigest(input({ events: [event], watermark: event.id, ...extra }));
      assert.equal(digest.quiet, list === undefined);
      if (list) assert.equal((digest as unknown as Record<string, unknown[]>)[list]!.length, 1);
      assert.equal(cursor.event_id, event.id, 'the cursor moves past the event either way');
    });
  }

  test('several failures of one task collapse to the latest; a task that died is only a dead letter', () => {
    const es = [
      ev('retry_scheduled', { task_id: 1, reason: 'first', data: { kind: 'transient', attempts: 1 } }),
      ev('retry_scheduled', { task_id: 2, reason: 'other', data: { kind: 'timeout', attempts: 1 } }),
      ev('retry_scheduled', { task_id: 1, reason: 'second', data: { kind: 'lost', attempts: 2 } }),
      ev('retry_scheduled', { task_id: 3, reason: 'x', data: { kind: 'transient', attempts: 2 } }),
      ev('dead', { task_id: 3, reason: 'out of attempts', data: { kind: 'transient' } }),
    ];
    const { digest } = assembleDigest(input({ events: es, tasks: tasks(task(1, 'ready'), task(2, 'ready'), task(3, 'failed')) }));
    assert.deepEqual(digest.failures!.map((f) => [f.id, f.error, f.attempts]), [[2, 'other', 1], [1, 'second', 2]]);
    assert.deepEqual(digest.dead!.map((f) => f.id), [3]);
  });

  test('long lists are cut at DIGEST_MAX_ITEMS and counted under more', () => {
    const es = Array.from({ length: 13 }, (_, i) => ev('late_result', { task_id: i + 1, run_id: i + 1, reason: 'expired' }));
    const { digest } = assembleDigest(input({ events: es }));
    assert.equal(digest.late_results!.length, DIGEST_MAX_ITEMS);
    assert.deepEqual(digest.more, { late_results: 3 });
    assert.match(digestText(digest), /\(\+3 late results not shown\)$/);
  });

  test('signals: reported once by key; still present → stays seen; gone → forgotten; cut off → reported later', () => {
    const sig = (id: number) => ({ key: `s:${id}`, signal: 'silent' as const, id, run: id, agent: 'a', seconds: 99 });
    const first = assembleDigest(input({ stuck: [sig(1), sig(2)] }));
    assert.equal(first.digest.stuck!.length, 2);
    assert.deepEqual(first.cursor.seen, ['s:1', 's:2']);
    const second = assembleDigest(input({ cursor: first.cursor, stuck: [sig(2), sig(3)] }));
    assert.deepEqual(second.digest.stuck!.map((s) => s.id), [3]);
    assert.deepEqual(second.cursor.seen, ['s:2', 's:3']);
    const many = Array.from({ length: 12 }, (_, i) => sig(100 + i));
    const cut = assembleDigest(input({ stuck: many }));
    assert.equal(cut.cursor.seen.length, DIGEST_MAX_ITEMS);
    assert.deepEqual(assembleDigest(input({ cursor: cut.cursor, stuck: many })).digest.stuck!.map((s) => s.id), [110, 111]);
  });

  test('board lines are keyed by their text: the same line is reported once', () => {
    const line = { line: 3, text: '- [~] half done?', reason: 'unknown box' };
    const first = assembleDigest(input({ board: [line] }));
    assert.deepEqual(first.digest.board, [line]);
    assert.equal(assembleDigest(input({ cursor: first.cursor, board: [{ ...line, line: 9 }] })).digest.quiet, true);
  });

  test('the cursor never moves back', () => {
    assert.equal(assembleDigest(input({ cursor: { event_id: 50, seen: [] }, watermark: 10 })).cursor.event_id, 50);
  });
});

describe('stuck signals', () => {
  const profiles = { coder: { types: ['code'], capabilities: ['repo'] }, writer: { types: ['docs'], capabilities: [] } };
  const group = (agent: string, type: string, requires: string[] = []) => ({ agent, type, requires, count: 2, first: 7 });
  const table: Array<[ReturnType<typeof group>, string | undefined]> = [
    [group('any', 'code'), undefined],
    [group('any', 'code', ['repo']), undefined],
    [group('coder', 'code'), undefined],
    [group('writer', 'docs'), undefined],
    [group('any', 'research'), 'no profile takes type research'],
    [group('writer', 'code'), 'no profile writer takes type code'],
    [group('ghost', 'code'), 'no agent profile named ghost'],
    [group('any', 'code', ['gpu']), 'no profile taking type code has capabilities gpu'],
  ];
  for (const [g, why] of table) {
    test(`${g.agent}/${g.type}/${g.requires.join(',') || '-'} → ${why ?? 'takeable'}`, () => {
      assert.equal(whyNoAgent(profiles, g), why);
      assert.equal(noAgentSignals(profiles, [g]).length, why ? 1 : 0);
    });
  }
  test('no profiles at all', () => {
    assert.match(whyNoAgent({}, group('any', 'code'))!, /no agent profiles are configured/);
    assert.equal(profileFits('coder', profiles.coder, group('any', 'code', ['repo', 'net'])), false);
  });
  test('silent: more than half the lease without a heartbeat', () => {
    const run = (id: number, beat: number) => ({ id, task_id: id * 10, agent: 'a', heartbeat_at: beat, lease_ms: 300_000 });
    assert.deepEqual(silentSignals([run(1, 0), run(2, 1)], 150_001).map((s) => s.key), ['s:1']);
  });
  test('repeated failures: from two strikes, keyed by the strike count', () => {
    const t = (id: number, attempts: number) => ({ id, title: 't', status: 'ready', attempts, max_attempts: 5 });
    assert.deepEqual(repeatedFailureSignals([t(1, 1), t(2, 2), t(3, 4)]).map((s) => s.key), ['f:2:2', 'f:3:4']);
  });
});

describe('decideLock', () => {
  const rec = (owner: string, expires_at: number) => JSON.stringify({ owner, expires_at });
  const table: Array<[string | undefined, boolean, string]> = [
    [undefined, true, 'free'],
    ['not json', true, 'unreadable'],
    ['{"owner":1}', true, 'unreadable'],
    [rec('me', 500), true, 'mine'],
    [rec('other', 999), true, 'expired'],
    [rec('other', 1000), true, 'expired'],
    [rec('other', 1001), false, 'held'],
  ];
  for (const [stored, take, why] of table) {
    test(`${stored ?? 'no row'} → ${why}`, () => {
      const d = decideLock(stored, 'me', 1000);
      assert.equal(d.take, take);
      if (d.take) assert.equal(d.why, why);
      else assert.deepEqual(d.holder, { owner: 'other', expires_at: 1001 });
    });
  }
});

describe('digest text', () => {
  test('clip folds white space and cuts with an ellipsis', () => {
    assert.equal(clip('a\n  b\tc', 10), 'a b c');
    assert.equal(clip('abcdefghijkl', 5), 'abcd…');
    assert.equal(clip(null, 5), '');
  });
  test('skipped and busy forms', () => {
    assert.equal(digestText({ skipped: 'busy', quiet: true, holder: 'h:1:x', until: '2026-01-01T00:00:00.000Z' }), 'quiet · skipped: another tick is running (h:1:x, lock until 2026-01-01T00:00:00.000Z)');
    const text = digestText({ quiet: false, counts: { review: 1 }, review: [{ id: 4, title: 'fix', result: 'done it' }] });
    assert.equal(text, 'needs a judgement: 1 review · review 1\nreview #4 fix: done it — steward approve 4 | steward changes 4 --feedback TEXT');
  });
  test('a dead letter suggests only what a failed task takes: requeue or archive, never cancel (INVALID_TRANSITION)', () => {
    const text = digestText({ quiet: false, counts: { failed: 1 }, dead: [{ id: 3, title: 'port', kind: 'fatal', error: 'boom' }] });
    assert.equal(text.split('\n')[1], 'dead #3 port (fatal): boom — steward requeue 3 | steward archive 3');
    assert.ok(TRANSITIONS.requeue.from.includes('failed') && !TRANSITIONS.cancel.from.includes('failed'));
  });
});
