// The built `steward` binary: output shapes, exit codes, and nothing changed on an error.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { cli, snapshot, tempDir } from './support/helpers.js';

describe('steward CLI', () => {
  let ws: string;
  const run = (...args: string[]) => cli(args, { cwd: ws });

  before(() => {
    ws = tempDir();
    assert.equal(run('init').code, 0);
  });

  test('a five-step session: add, claim, complete, list, show (--json shapes)', () => {
    const add = run('add', 'write', 'docs', '--priority', 'high', '--json');
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual([add.json.task.id, add.json.task.title, add.json.task.status, add.json.task.priority], [1, 'write docs', 'ready', 30]);
    const claim = run('claim', '--agent', 'coder', '--json');
    assert.equal(claim.json.task.id, 1);
    assert.equal(typeof claim.json.run.id, 'number');
    assert.match(claim.json.run.lease_expires_at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(run('claim', '--agent', 'coder', '--json').json, { task: null });
    // complete prints the task in full as it is after (the completion answers less; the command reads the rest).
    const completed = run('complete', String(claim.json.run.id), '--summary', 'done!', '--json').json;
    assert.deepEqual([completed.task.status, completed.task.title, completed.task.result, completed.task.project], ['done', 'write docs', 'done!', 'default']);
    const list = run('list', '--json').json;
    assert.deepEqual(list, { tasks: [{ id: 1, title: 'write docs', status: 'done', priority: 30, type: 'code', project: 'default', agent: 'any' }], next_cursor: null });
    const show = run('show', '1', '--json').json;
    assert.equal(show.task.result, 'done!');
    assert.deepEqual(show.events.map((e: { kind: string }) => e.kind), ['completed', 'claimed', 'promoted', 'created']);
    const text = run('show', '1');
    assert.match(text.stdout, /^#1 write docs\n {2}status {4}done/);
  });

  test('propose, inbox, accept, reject', () => {
    const p = run('propose', 'idea', 'one', '--key', 'idea-1', '--json').json;
    assert.deepEqual([p.proposal.status, p.proposal.title], ['new', 'idea one']);
    assert.equal(run('propose', 'idea one again', '--key', 'idea-1', '--json').json.proposal.status, 'merged');
    assert.deepEqual(run('inbox', '--json').json.proposals.map((x: { id: number }) => x.id), [p.proposal.id]);
    const acc = run('accept', String(p.proposal.id), '--priority', 'urgent', '--json').json;
    assert.deepEqual([acc.proposal.status, acc.task.priority, acc.task.key], ['accepted', 10, 'idea-1']);
    // A proposal carries no verify; its decider sets one (what propose --verify's refusal says to do), argv words only.
    const v = run('propose', 'checked', '--json').json;
    assert.equal(run('accept', String(v.proposal.id), '--verify', 'sh -c "exit 0 && true"', '--verify', 'echo a && b').code, 2);
    const checked = run('accept', String(v.proposal.id), '--verify', 'test -f x', '--json');
    assert.equal(checked.code, 0, checked.stderr);
    assert.deepEqual(checked.json.task.verify, ['test -f x']);
    const q = run('propose', 'nah', '--json').json;
    assert.equal(run('reject', String(q.proposal.id), '--reason', 'no', '--json').json.proposal.status, 'rejected');
  });

  test('bad input exits 2, unknown ids 3, invalid transitions 4 — and the DB does not change', () => {
    const db = openStore(join(ws, '.steward/queue.db'));
    run('add', 'target');
    const before = snapshot(db);
    const cases: Array<[string[], number, string]> = [
      [['add'], 2, 'USAGE'],
      [['add', 'x', '--priority', 'someday'], 2, 'VALIDATION'],
      [['add', 'x', '--then', '{oops'], 2, 'VALIDATION'],
      [['add', 'x', '--after', 'abc'], 2, 'VALIDATION'],
      [['add', 'x', '--bogus'], 2, 'USAGE'],
      [['list', '--limit', '0'], 2, 'VALIDATION'],
      [['list', '--status', 'sleeping'], 2, 'VALIDATION'],
      [['inbox', '--limit', '1O'], 2, 'VALIDATION'],
      [['inbox', '--limit', '0'], 2, 'VALIDATION'],
      [['show'], 2, 'USAGE'],
      [['show', 'abc'], 2, 'VALIDATION'],
      [['claim'], 2, 'VALIDATION'],
      [['claim', '--agent', 'a', '--lease=-5'], 2, 'VALIDATION'],
      [['claim', '--agent', 'a', '--lease', '-5'], 2, 'USAGE'],
      [['heartbeat'], 2, 'USAGE'],
      [['complete', 'x'], 2, 'VALIDATION'],
      [['fail', '1'], 2, 'VALIDATION'],
      [['fail', '1', '--error', 'e', '--kind', 'weird'], 2, 'VALIDATION'],
      [['changes', '1'], 2, 'VALIDATION'],
      [['answer', '1'], 2, 'USAGE'],
      [['reject', '1'], 2, 'VALIDATION'],
      [['accept'], 2, 'USAGE'],
      [['frobnicate'], 2, 'USAGE'],
      [['init', '--dir', 'TASKS.md'], 2, 'VALIDATION'],
      // A file system that refuses folders with ENOENT under a parent that is there: node's recursive mkdir spun forever.
      [['init', '--dir', '/proc'], 5, 'UNAVAILABLE'],
      [['show', '999'], 3, 'NOT_FOUND'],
      [['cancel', '999'], 3, 'NOT_FOUND'],
      [['heartbeat', '999'], 3, 'NOT_FOUND'],
      [['complete', '999'], 3, 'NOT_FOUND'],
      [['accept', '999'], 3, 'NOT_FOUND'],
      [['add', 'x', '--after', '999'], 3, 'NOT_FOUND'],
      [['approve', '1'], 4, 'INVALID_TRANSITION'],
      [['cancel', '1'], 4, 'INVALID_TRANSITION'],
      [['requeue', '1'], 4, 'INVALID_TRANSITION'],
      [['answer', '1', 'hello'], 4, 'INVALID_TRANSITION'],
      [['changes', '1', '--feedback', 'more'], 4, 'INVALID_TRANSITION'],
      [['complete', '1'], 4, 'LEASE_LOST'],
    ];
    // One refusal said once: an id past the safe integers fails two checks with the same text.
    assert.equal(run('show', '99999999999999999999').stderr.match(/must be a positive whole number/g)?.length, 1);
    for (const [args, code, name] of cases) {
      const r = run(...args);
      assert.equal(r.code, code, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^error ${name}: \\S`), args.join(' '));
      assert.equal(r.stdout, '', `${args.join(' ')} printed to stdout`);
    }
    const json = run('show', '999', '--json');
    assert.deepEqual(JSON.parse(json.stderr).error.code, 'NOT_FOUND');
    // A negative value read as a flag: the error says how to write it (node's first line alone said "ambiguous").
    assert.match(run('list', '--limit', '-1').stderr, /^error USAGE: --limit needs a value; one starting with "-" is written --limit=-…\n/);
    // `complete 1` on a finished run keeps the late result on the run: the only write an error may make.
    const after = snapshot(db);
    db.db.prepare('UPDATE runs SET late_json = NULL').run();
    db.db.prepare("DELETE FROM events WHERE kind = 'late_result'").run();
    // The late result was its task's newest event (the head of the task's event chain): point the head back.
    db.db.prepare('UPDATE tasks SET last_event_id = (SELECT MAX(id) FROM events WHERE task_id = tasks.id)').run();
    assert.notEqual(after, before);
    assert.equal(snapshot(db), before);
    db.close();
  });

  test('show keeps a multi-line error, question or answer under its label (every line in the value column)', () => {
    const dir = tempDir();
    const run = (...args: string[]) => cli(args, { cwd: dir });
    assert.equal(run('init').code, 0);
    const t = run('add', 'two-line failure', '--json').json.task;
    const c = run('claim', '--agent', 'x', '--json').json;
    assert.equal(c.task.id, t.id);
    assert.equal(run('fail', String(c.run.id), '--error', 'first line\nsecond line', '--kind', 'needs_input', '--question', 'which one?\nA or B').code, 0);
    assert.equal(run('answer', String(t.id), 'A\nbecause').code, 0);
    const text = run('show', String(t.id)).stdout;
    for (const line of ['second line', 'A or B', 'because']) assert.match(text, new RegExp(`\\n {12}${line}\\n`), line);
  });

  test('no workspace: exit 3 with a hint; --dir and STEWARD_DIR find it', () => {
    const empty = tempDir();
    const r = cli(['list'], { cwd: empty });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error NO_WORKSPACE: .*steward init/);
    assert.equal(cli(['list', '--dir', ws, '--json'], { cwd: empty }).code, 0);
    assert.equal(cli(['list', '--json'], { cwd: empty, env: { STEWARD_DIR: ws } }).code, 0);
    const nested = join(ws, 'a/b');
    mkdirSync(nested, { recursive: true });
    assert.equal(cli(['list', '--json'], { cwd: nested }).code, 0);
  });

  test('init twice changes nothing; help lists every command', () => {
    const again = run('init', '--json');
    assert.deepEqual([again.code, again.json.created], [0, []]);
    const help = run('help');
    for (const c of ['add', 'propose', 'claim', 'heartbeat', 'complete', 'fail', 'tick']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
  });
});
