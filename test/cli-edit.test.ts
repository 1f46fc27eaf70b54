// The first hour with the CLI (issue 17): --version, edit, archive, delete, readable messages, run/task ids.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { cli, REPO_ROOT, snapshot, tempDir } from './support/helpers.js';
import { sqliteOnly } from './support/backend.js';

describe('steward CLI: everyday edits and messages', () => {
  let ws: string;
  const run = (...args: string[]) => cli(args, { cwd: ws });

  before(() => {
    ws = tempDir();
    assert.equal(run('init').code, 0);
  });

  test('--version and -V print the package version', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = run(flag);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `steward ${version}\n`);
    }
  });

  test('edit changes every field the triage update can, with an audited event; bad values change nothing', () => {
    const dep = run('add', 'dependency', '--json').json.task.id;
    const other = run('add', 'other dependency', '--json').json.task.id;
    const id = run('add', 'draft', '--after', String(dep), '--json').json.task.id;
    const r = run('edit', String(id), '--title', 'final', '--goal', 'g', '--type', 'docs', '--priority', 'high', '--agent', 'any',
      '--verify', 'npm test', '--max-attempts', '5', '--review', '--after', String(other), '--json');
    assert.equal(r.code, 0, r.stderr);
    const shown = run('show', String(id), '--json').json;
    const t = shown.task;
    assert.deepEqual([t.title, t.goal, t.type, t.priority, t.verify, t.max_attempts, t.review, t.after], ['final', 'g', 'docs', 30, ['npm test'], 5, true, [other]]);
    assert.equal(shown.events[0].kind, 'edited');
    const db = openStore(join(ws, '.steward/queue.db'));
    const before = snapshot(db);
    const bad: Array<[string[], number, RegExp]> = [
      [['edit', String(id), '--verify', 'test -f x && echo ok'], 2, /verify\.0 must be a command without shell syntax: unquoted shell operator "&"/],
      [['edit', String(id), '--priority', 'extreme'], 2, /priority must be 0–100 or one of urgent, high, normal, low \(got "extreme"\)/],
      [['edit', String(id), '--after', String(id)], 2, /cycle/],
      [['edit', String(id)], 2, /nothing to change/],
      [['edit', 'abc', '--title', 'x'], 2, /id must be a positive whole number \(12 or #12\) \(got "abc"\)/],
      [['edit', '999', '--title', 'x'], 3, /no task #999/],
    ];
    for (const [args, code, message] of bad) {
      const e = run(...args);
      assert.equal(e.code, code, `${args.join(' ')}: ${e.stderr}`);
      assert.match(e.stderr, message);
    }
    assert.equal(snapshot(db), before);
    db.close();
  });

  test("a running task's goal, type, project, verify, review need --force; priority and title do not", () => {
    const id = run('add', 'long job', '--priority', '0', '--json').json.task.id;
    const claimed = run('claim', '--agent', 'coder');
    assert.match(claimed.stdout, new RegExp(`run \\d+ \\(task #${id}\\)`));
    const refused = run('edit', String(id), '--goal', 'changed', '--verify', 'make check');
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, new RegExp(`cannot edit goal, verify of task #${id} while it runs`));
    assert.equal(run('edit', String(id), '--priority', 'urgent').code, 0);
    const forced = run('edit', String(id), '--goal', 'changed', '--force', '--json');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(run('show', String(id), '--json').json.task.goal, 'changed');
    // complete --task finds the live run; the message names run and task
    const done = run('complete', '--task', String(id), '--json');
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.task.status, 'done');
    const again = run('complete', '--task', String(id));
    assert.equal(again.code, 4);
    assert.match(again.stderr, new RegExp(`task #${id} has no live run: it is done`));
    assert.equal(run('complete', '1', '--task', String(id)).code, 2);
  });

  test('heartbeat on a finished run names run and task and does not speak of a kept result', () => {
    const id = run('add', 'beat', '--priority', '0', '--json').json.task.id;
    const runId = run('claim', '--agent', 'coder', '--json').json.run.id;
    run('complete', String(runId));
    const hb = run('heartbeat', String(runId));
    assert.equal(hb.code, 4);
    assert.match(hb.stderr, new RegExp(`run ${runId} \\(task #${id}\\) is no longer live`));
    assert.doesNotMatch(hb.stderr, /result was kept/);
  });

  test('archive and delete finished tasks only, each an audited event; delete refuses a task others depend on', () => {
    const a = run('add', 'to archive', '--json').json.task.id;
    const b = run('add', 'to delete', '--json').json.task.id;
    const c = run('add', 'needed', '--json').json.task.id;
    run('add', 'needs c', '--after', String(c));
    assert.equal(run('archive', String(a)).code, 4, 'a ready task is not archived');
    assert.equal(run('delete', String(b)).code, 4, 'a ready task is not deleted');
    for (const id of [a, b, c]) run('done', String(id));
    const arch = run('archive', String(a), '--reason', 'old');
    assert.equal(arch.code, 0, arch.stderr);
    assert.ok(!run('list', '--limit', '100', '--json').json.tasks.some((t: { id: number }) => t.id === a), 'archived tasks leave list');
    assert.ok(run('list', '--limit', '100', '--archived', '--json').json.tasks.some((t: { id: number }) => t.id === a));
    assert.equal(run('render').code, 0);
    const board = readFileSync(join(ws, 'TASKS.md'), 'utf8');
    assert.doesNotMatch(board, /to archive/, 'archived tasks leave TASKS.md');
    assert.match(board, /needed/);
    const shown = run('show', String(a), '--json').json;
    assert.equal(shown.archived.by, 'cli');
    assert.equal(shown.events[0].kind, 'archived');
    const refused = run('delete', String(c));
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /depends on it \(archive it instead\)/);
    const del = run('delete', String(b), '--json');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(run('show', String(b)).code, 3);
    const db = openStore(join(ws, '.steward/queue.db'));
    const ev = db.db.prepare("SELECT actor, data_json FROM events WHERE kind = 'deleted' AND task_id = ?").get(b) as { actor: string; data_json: string };
    db.close();
    assert.equal(ev.actor, 'cli');
    assert.equal(JSON.parse(ev.data_json).title, 'to delete');
  });

  test('delete takes a task with run caps or made by a schedule slot (the slot stays handled)', () => {
    const capped = run('add', 'capped', '--max-cost-usd', '1', '--json').json.task.id;
    const slotted = run('add', 'from a slot', '--json').json.task.id;
    run('add', 'newer');
    const store = openStore(join(ws, '.steward/queue.db'));
    try {
      store.tx(() => store.schedules.addSlot({ schedule_id: 'nightly', slot: 0, task_id: slotted, outcome: 'created', at: 0 }));
    } finally {
      store.close();
    }
    for (const id of [capped, slotted]) {
      assert.equal(run('cancel', String(id)).code, 0);
      const del = run('delete', String(id), '--json');
      assert.equal(del.code, 0, del.stderr);
      assert.equal(run('show', String(id)).code, 3);
    }
    const db = openStore(join(ws, '.steward/queue.db'), { readonly: true });
    try {
      assert.deepEqual(db.db.prepare("SELECT task_id, outcome FROM schedule_slots WHERE schedule_id = 'nightly'").all(), [{ task_id: null, outcome: 'created' }]);
    } finally {
      db.close();
    }
  });

  test('delete refuses the newest task or a task with the newest run: SQLite would give its id to the next one', sqliteOnly('Postgres identities never reuse an id: delete has no such refusal there'), () => {
    const fresh = tempDir();
    const run = (...args: string[]) => cli(args, { cwd: fresh });
    assert.equal(run('init').code, 0);
    const old = run('add', 'old', '--json').json.task.id;
    const claimed = run('claim', '--agent', 'w1', '--json');
    assert.equal(claimed.code, 0, claimed.stderr);
    const runId = String(claimed.json.run.id);
    assert.equal(run('cancel', String(old)).code, 0);
    const newestTask = run('delete', String(old), '--json');
    assert.equal(newestTask.code, 4);
    assert.match(JSON.parse(newestTask.stderr).error.message, /is the newest task/);
    run('add', 'new');
    const newestRun = run('delete', String(old), '--json');
    assert.equal(newestRun.code, 4);
    assert.match(JSON.parse(newestRun.stderr).error.message, new RegExp(`its run ${runId} is the newest run`));
    // Had it been deleted, the next claim would get run id `runId` and the old worker's complete would finish it.
    const next = run('claim', '--agent', 'w2', '--json');
    assert.notEqual(String(next.json.run.id), runId);
    const stale = run('complete', runId, '--summary', 'the old task\'s result', '--json');
    assert.equal(stale.code, 4, stale.stderr);
    assert.equal(JSON.parse(stale.stderr).error.code, 'LEASE_LOST');
    assert.equal(run('complete', String(next.json.run.id)).code, 0);
    assert.equal(run('delete', String(old)).code, 0, 'deleted once a newer task and run exist');
  });

  test('add warns about an unknown project or agent, and refuses them with --strict', () => {
    const warned = run('add', 'elsewhere', '--project', 'web', '--agent', 'bob', '--json');
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /warning: project "web" has no workdir/);
    assert.match(warned.stderr, /warning: no agent profile "bob"/);
    assert.equal(warned.json.warnings.length, 2);
    const strict = run('add', 'elsewhere', '--project', 'web', '--strict');
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /project "web" has no workdir/);
    assert.equal(run('add', 'here', '--strict').code, 0);
  });

  test('doctor checks each project workdir; add knows a configured project', () => {
    const dir = tempDir();
    const r = (...args: string[]) => cli(args, { cwd: dir, env: { PATH: '' } });
    r('init');
    const configPath = join(dir, '.steward/config.yaml');
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^projects:.*$/m, 'projects:\n  here: { workdir: . }\n  gone: { workdir: ./no-such-dir }'));
    const doc = r('doctor', '--json', '--timeout', '1');
    assert.equal(doc.code, 0, doc.stderr);
    assert.deepEqual(doc.json.projects.map((p: { project: string; exists: boolean }) => [p.project, p.exists]), [['here', true], ['gone', false]]);
    assert.match(r('doctor', '--timeout', '1').stdout, /^ {2}gone +missing +\/.*no-such-dir$/m);
    const add = r('add', 'known', '--project', 'here', '--strict');
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stderr, '');
  });

  test('readable messages: zod text never reaches a person', () => {
    const cases: Array<[string[], RegExp]> = [
      [['add', 'x', '--priority', 'extreme'], /^error VALIDATION: invalid task: priority must be 0–100 or one of urgent, high, normal, low \(got "extreme"\)\n$/],
      [['show', 'abc'], /^error VALIDATION: invalid show: id must be a positive whole number \(12 or #12\) \(got "abc"\)\n$/],
      [['reject', '2'], /^error VALIDATION: invalid reject: reason is required\n$/],
      [['add', 'x', '--verify', 'test -f x && echo ok'], /verify\.0 must be a command without shell syntax/],
      [['propose', 'x', '--verify', "echo 'unterminated"], /verify\.0 must be a command without shell syntax: unterminated single quote/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Invalid input|expected number|received/);
    }
    const id = run('add', 'not in review', '--json').json.task.id;
    assert.match(run('changes', String(id), '--feedback', 'x').stderr, new RegExp(`cannot request changes on task #${id}: it is ready \\(only from review\\)`));
    const bogus = run('add', 'x', '--bogus');
    assert.equal(bogus.code, 2);
    const first = bogus.stderr.split('\n')[0]!;
    assert.equal(first, 'error USAGE: unknown option --bogus (a value starting with "-" goes after "--", as in: -- "--bogus")');
    assert.equal((first.match(/"/g) ?? []).length % 2, 0, 'quotes balance');
  });

  test('list keeps its columns when ids reach two digits', () => {
    const dir = tempDir();
    const r = (...args: string[]) => cli(args, { cwd: dir });
    r('init');
    for (let i = 1; i <= 11; i++) r('add', `task ${i}`);
    const lines = r('list', '--limit', '100').stdout.trim().split('\n');
    assert.equal(lines.length, 11);
    const col = (line: string) => line.indexOf('ready');
    assert.ok(lines.every((l) => col(l) === col(lines[0]!)), lines.join('\n'));
  });
});
