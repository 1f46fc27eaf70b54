// TASKS.md through the real tick: hand edits become commands once, nothing a person typed is lost.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { defaultConfig, type Config } from '../src/config/schema.js';
import * as ops from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { createWorkspaceDirs, workspaceAt } from '../src/workspace/workspace.js';
import { execFileSyncCapped } from './helpers/processes.js';
import { at, tempDir } from './support/helpers.js';

interface Ws { store: Store; board: string; config: Config; tick(now: number): ReturnType<typeof tickOnce>; read(): string; write(text: string): void }

function workspace(config: Config = defaultConfig()): Ws {
  const { workspace: w } = createWorkspaceDirs(tempDir());
  const store = openStore(w.dbPath);
  const hooks = () => buildTickHooks({ workspace: w, config });
  return {
    store, config, board: w.boardPath,
    tick: (now) => tickOnce({ store, ctx: at(now, 'triage'), hooks: hooks(), config }),
    read: () => readFileSync(w.boardPath, 'utf8'),
    write: (text) => writeFileSync(w.boardPath, text),
  };
}
const edit = (ws: Ws, from: string | RegExp, to: string) => {
  const text = ws.read();
  const next = text.replace(from, to);
  assert.notEqual(next, text, `edit ${from} did not match`);
  ws.write(next);
};
const eventsCount = (s: Store) => (s.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;

describe('TASKS.md round trip', () => {
  test('render then read back with no edit: no command, no write, no event', () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'alpha', project: 'web' }, at(1));
    ops.addTask(ws.store, { title: 'beta | with #7 and [x]', priority: 'urgent' }, at(2));
    const c = ops.claimTask(ws.store, { agent: 'a' }, at(3));
    ops.failRun(ws.store, { run_id: (c as { run: { id: number } }).run.id, error: 'q', kind: 'needs_input', question: 'which one?' }, at(4));
    ws.tick(10);
    const first = ws.read();
    const events = eventsCount(ws.store);
    const second = ws.tick(20);
    const ingest = second.ingest as { board: unknown; unreadable_lines: unknown[] };
    assert.deepEqual([ingest.board, ingest.unreadable_lines], [{ applied: [] }, []]);
    assert.equal(second.digest.quiet, true, 'the blocked question was reported by the first tick only');
    assert.equal((second.render as { board: { written: boolean } }).board.written, false);
    assert.equal(ws.read(), first);
    assert.equal(eventsCount(ws.store), events);
  });

  test('each edit kind does exactly its change, as the human actor', () => {
    const ws = workspace();
    const a = ops.addTask(ws.store, { title: 'tick me' }, at(1)).task;
    const b = ops.addTask(ws.store, { title: 'cancel me' }, at(2)).task;
    const c = ops.addTask(ws.store, { title: 'rename me' }, at(3)).task;
    const d = ops.addTask(ws.store, { title: 'ask' }, at(4)).task;
    const run = ops.claimTask(ws.store, { agent: 'a' }, at(5)) as { task: { id: number }; run: { id: number } };
    assert.equal(run.task.id, a.id);
    ops.failRun(ws.store, { run_id: run.run.id, error: 'x', kind: 'transient' }, at(6));
    ops.claimTask(ws.store, { agent: 'a' }, at(7)); // b
    const r2 = ops.claimTask(ws.store, { agent: 'a' }, at(8)) as { run: { id: number } }; // c
    ops.completeRun(ws.store, { run_id: r2.run.id }, at(9));
    const r3 = ops.claimTask(ws.store, { agent: 'a' }, at(10)) as { run: { id: number } }; // d
    ops.failRun(ws.store, { run_id: r3.run.id, error: 'q', kind: 'needs_input', question: 'red or blue?' }, at(11));
    ws.tick(100);
    edit(ws, `- [ ] #${a.id} tick me`, `- [x] #${a.id} tick me`);
    edit(ws, `- [ ] #${b.id} cancel me`, `- [-] #${b.id} cancel me`);
    edit(ws, new RegExp(`#${d.id} ask (.*)\\n`), `#${d.id} ask $1\n  answer: blue, please\n`);
    edit(ws, '## default', '## default\n\n- [ ] brand new task !high @writer');
    const out = ws.tick(200);
    const applied = (out.ingest as { board: { applied: Array<{ kind: string }> } }).board.applied.map((x) => x.kind).sort();
    assert.equal(out.digest.acted?.board_edits, 4);
    assert.deepEqual(applied, ['answer', 'cancel', 'create', 'done']);
    assert.equal(ws.store.tasks.get(a.id)?.status, 'done');
    assert.equal(ws.store.tasks.get(b.id)?.status, 'cancelled');
    assert.deepEqual([ws.store.tasks.get(d.id)?.status, ws.store.tasks.get(d.id)?.answer], ['ready', 'blue, please']);
    const created = ops.listTasks(ws.store, { agent: 'writer' }).tasks;
    assert.deepEqual(created.map((t) => [t.title, t.priority, t.project, t.source, t.created_by]), [['brand new task', 30, 'default', 'human', 'human']]);
    assert.equal(ws.store.events.forTask(a.id, 1)[0]?.kind, 'done_by_hand');
    assert.equal(ws.store.events.forTask(a.id, 1)[0]?.actor, 'human');
    edit(ws, /#(\d+) brand new task !high/, '#$1 renamed task !low');
    ws.tick(300);
    assert.deepEqual([created[0] && ws.store.tasks.get(created[0].id)?.title, created[0] && ws.store.tasks.get(created[0].id)?.priority], ['renamed task', 80]);
    void c;
  });

  test('a deleted line deletes nothing: reported, and rendered again', () => {
    const ws = workspace();
    const t = ops.addTask(ws.store, { title: 'keep me' }, at(1)).task;
    ws.tick(10);
    edit(ws, /- \[ \] #1 keep me.*\n/, '');
    const out = ws.tick(20);
    const lines = (out.ingest as { unreadable_lines: Array<{ text: string; reason: string }> }).unreadable_lines;
    assert.deepEqual(lines.map((l) => l.text), [`#${t.id}`]);
    assert.match(lines[0]!.reason, /deleted; nothing was deleted/);
    assert.equal(out.digest.board?.length, 1, 'the digest says a line was removed');
    assert.match(ws.read(), /#1 keep me/);
    assert.equal(ws.store.tasks.get(t.id)?.status, 'ready');
  });

  test('with triage.sources.human = manual a new line becomes a proposal', () => {
    const config = defaultConfig();
    config.triage.sources = { ...config.triage.sources, human: 'manual' };
    const ws = workspace(config);
    ws.tick(1);
    edit(ws, '# Tasks', '# Tasks\n\n## lab\n\n- [ ] try an idea');
    ws.tick(2);
    const p = ws.store.proposals.byStatus('new', 10);
    assert.deepEqual(p.map((x) => [x.title, x.project, x.source]), [['try an idea', 'lab', 'human']]);
  });
});

describe('TASKS.md safety', () => {
  test('an untouched file is not re-read, and lines kept for the person survive the next render', () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'real' }, at(1));
    ws.tick(10);
    edit(ws, '# Tasks', '# Tasks\n\n%% a note that is not a task');
    const first = ws.tick(20);
    assert.equal((first.ingest as { unreadable_lines: unknown[] }).unreadable_lines.length, 1);
    const kept = ws.read();
    assert.match(kept, /a note that is not a task/);
    const idle = ws.tick(30);
    assert.equal((idle.render as { board: { reason?: string } }).board.reason, 'unchanged', 'nothing happened: no render');
    ops.addTask(ws.store, { title: 'added by the queue' }, at(40));
    const busy = ws.tick(50);
    assert.equal((busy.render as { board: { written: boolean } }).board.written, true);
    const after = ws.read();
    assert.match(after, /added by the queue/);
    assert.match(after, /a note that is not a task/, 'the kept line is still there after a render that skipped the diff');
    assert.deepEqual((busy.ingest as { unreadable_lines: unknown[] }).unreadable_lines, [], 'and it is not reported again');
  });

  /** A board with task #1, its edits read (the ingest step) and task #2 added after: the render would change the file. */
  const readThenChangeQueue = () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'one' }, at(1));
    ws.tick(10);
    const hooks = buildTickHooks({ workspace: workspaceAt(join(ws.board, '..')), config: ws.config });
    hooks.ingest!(ws.store, at(20));
    ops.addTask(ws.store, { title: 'two' }, at(21));
    return { ws, hooks };
  };

  test('an edit landing between the read and the write is not overwritten, and is applied next tick', () => {
    const { ws, hooks } = readThenChangeQueue();
    edit(ws, '## default', '## default\n\n- [ ] typed while the tick ran');
    const mine = ws.read();
    const r = hooks.render!(ws.store, at(22)) as { board: { written: boolean; reason: string } };
    assert.equal(r.board.written, false);
    assert.match(r.board.reason, /changed after it was read/);
    assert.equal(ws.read(), mine, 'the person\'s edit is still on disk');
    ws.tick(30);
    assert.equal(ops.listTasks(ws.store, {}).tasks.filter((t) => t.title === 'typed while the tick ran').length, 1);
    assert.match(ws.read(), /typed while the tick ran/);
    assert.match(ws.read(), /#2 two/);
  });

  test('a render keeps the mode the person gave TASKS.md (a chmod 600 is not undone)', () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'one' }, at(1));
    ws.tick(10);
    chmodSync(ws.board, 0o600);
    ops.addTask(ws.store, { title: 'two' }, at(11));
    ws.tick(20);
    assert.match(ws.read(), /#2 two/, 'the board was written again');
    assert.equal(statSync(ws.board).mode & 0o777, 0o600);
  });

  test('a render that fails (TASKS.md turned into a FIFO after the read) leaves no temp file beside it', () => {
    const { ws, hooks } = readThenChangeQueue();
    rmSync(ws.board);
    execFileSyncCapped('mkfifo', [ws.board]); // never opened: the write's check refuses it before any read
    assert.throws(() => hooks.render!(ws.store, at(22)), /not a regular file/);
    assert.deepEqual(readdirSync(join(ws.board, '..')).filter((n) => n.endsWith('.tmp')), []);
  });

  test('garbage: binary, 2.5 MB, broken front matter, duplicated and unknown ids — kept with reasons, nothing lost', () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'real' }, at(1));
    ws.tick(10);
    const big = `${'x'.repeat(100)}\n`.repeat(25_000);
    const garbage = [
      '---\nbroken: [front\n---\n',
      ws.read().replace(/^---[\s\S]*?---\n/, ''),
      '- [ ] #1 real again\n',
      '- [ ] #999 not a task here\n',
      Buffer.from([0, 255, 254, 7, 10]).toString('latin1'),
      big,
    ].join('\n');
    ws.write(garbage);
    const out = ws.tick(20);
    const fresh = (out.ingest as { unreadable_lines: Array<{ reason: string; text: string }> }).unreadable_lines;
    assert.ok(fresh.some((u) => /#999/.test(u.text)), 'unknown id reported');
    assert.ok(fresh.some((u) => /#1 real again/.test(u.text)), 'duplicated id reported');
    assert.ok(fresh.every((u) => u.reason.length > 0));
    const after = ws.read();
    for (const piece of ['#999 not a task here', 'real again']) assert.ok(after.includes(piece), `lost: ${piece}`);
    // The 2.5 MB of garbage is over the kept cap: it is saved to the file the board names, not dropped.
    const saved = /saved in (\.steward\/board-overflow\/kept-[0-9a-f]+\.md)/.exec(after)?.[1];
    assert.ok(saved, 'the board names the overflow file');
    assert.equal(readFileSync(join(ws.board, '..', saved), 'utf8').split('x'.repeat(100)).length - 1, 25_000);
    assert.ok(after.length < 400_000, 'the board itself stays small');
    assert.equal(ws.store.tasks.get(1)?.status, 'ready');
    assert.equal(ws.store.integrityCheck(), 'ok');
    const again = ws.tick(30);
    assert.deepEqual((again.ingest as { unreadable_lines: unknown[] }).unreadable_lines, [], 'kept lines are reported once');
  });
});

test('property: random hand edits and queue changes never lose a line and never apply one twice', () => {
  const editArb = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), title: fc.stringMatching(/^[a-z]{3,8}( [a-z]{2,6})?$/), project: fc.constantFrom('default', 'web') }),
    fc.record({ kind: fc.constant('garbage' as const), text: fc.stringMatching(/^[=%]{1,3}[a-z ]{0,12}$/) }),
    fc.record({ kind: fc.constantFrom('tick' as const, 'cancel' as const, 'queue-add' as const, 'queue-claim' as const), n: fc.nat(5) }),
  );
  fc.assert(
    fc.property(fc.array(fc.array(editArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (rounds) => {
      const ws = workspace();
      ws.tick(1);
      const typed: string[] = [];
      let now = 10;
      for (const round of rounds) {
        let text = ws.read();
        for (const e of round) {
          if (e.kind === 'add') {
            const title = `${e.title} ${typed.length}`;
            typed.push(title);
            text = text.includes(`## ${e.project}\n`) ? text.replace(`## ${e.project}\n`, `## ${e.project}\n\n- [ ] ${title}\n`) : `${text}\n## ${e.project}\n\n- [ ] ${title}\n`;
          } else if (e.kind === 'garbage') {
            typed.push(e.text.trim());
            text += `\n${e.text}\n`;
          } else if (e.kind === 'tick' || e.kind === 'cancel') {
            const lines = text.split('\n').filter((l) => /^- \[ \] #\d+/.test(l));
            const line = lines[e.n % Math.max(lines.length, 1)];
            if (line) text = text.replace(line, line.replace('[ ]', e.kind === 'tick' ? '[x]' : '[-]'));
          } else if (e.kind === 'queue-add') {
            ops.addTask(ws.store, { title: `queued ${now}` }, at(now++));
          } else {
            ops.claimTask(ws.store, { agent: 'a' }, at(now++));
          }
        }
        ws.write(text);
        ws.tick((now += 10));
      }
      const file = ws.read();
      const titles = ws.store.db.prepare('SELECT title FROM tasks').all().map((r) => (r as { title: string }).title);
      for (const t of typed) {
        const asTask = titles.filter((x) => x === t).length;
        assert.ok(asTask <= 1, `"${t}" applied ${asTask} times`);
        assert.ok(asTask === 1 || file.includes(t), `"${t}" was lost`);
      }
      ws.store.close();
    }),
    { numRuns: 40 },
  );
});
