// NUL characters in what a CLI printed (its summary, its error, a question, evidence) are stored on both backends.
// Postgres refuses U+0000 in text, so an outcome carrying one must not fail there (the run would be lost): its text
// columns keep U+FFFD instead; JSON columns hold the escape \u0000, which both keep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask, claimTask, completeRun, failRun, showTask } from '../src/ops/index.js';
import { at, tempStore } from './support/helpers.js';
import { onPostgres } from './support/backend.js';

test('a NUL in a summary, error, question, evidence or artifacts is kept, on either backend', () => {
  const store = tempStore();
  const nul = onPostgres ? '\uFFFD' : '\u0000';
  try {
    const now = Date.now();
    const a = addTask(store, { title: 'nul done' }, at(now)).task;
    const b = addTask(store, { title: 'nul failed' }, at(now)).task;
    const c1 = claimTask(store, { agent: 'w' }, at(now), { host: 'h', pid: 1 });
    const c2 = claimTask(store, { agent: 'w' }, at(now), { host: 'h', pid: 1 });
    if (!c1.task || !c2.task) throw new Error('nothing claimed');
    const [first, second] = c1.task.id === a.id ? [c1, c2] : [c2, c1];
    completeRun(store, { run_id: first.run.id, summary: 'out\u0000put', evidence: { tail: 'x\u0000y', 'k\u0000': 1 }, artifacts: ['a\u0000b'] }, at(now + 1));
    failRun(store, { run_id: second.run.id, error: 'boom\u0000bang', kind: 'needs_input', question: 'why\u0000not' }, at(now + 2));
    const done = showTask(store, { id: a.id });
    assert.equal(done.task.status, 'done');
    assert.equal(done.task.result, `out${nul}put`);
    assert.deepEqual(done.runs[0]!.evidence, { tail: 'x\u0000y', 'k\u0000': 1 });
    assert.deepEqual(done.runs[0]!.artifacts, ['a\u0000b']);
    const asked = showTask(store, { id: b.id });
    assert.equal(asked.task.status, 'blocked');
    assert.equal(asked.task.question, `why${nul}not`);
    assert.ok(String(asked.runs[0]!.error).startsWith(`boom${nul}bang`));
  } finally {
    store.close();
  }
});
