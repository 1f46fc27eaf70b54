// Hostile and broken TASKS.md edits (issue 14 item 4) on a real workspace: a huge run of unreadable lines,
// stale double saves, a line that looks like a kept-entry header, a 50 MB board. Nothing lost, nothing made twice.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeTitle, renderBoard } from '../src/board/index.js';
import { KEPT_MAX_CHARS } from '../src/board/board-limits.js';
import { configSchema, type Config } from '../src/config/schema.js';
import * as ops from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';
import { BIDI_CHARS } from './board/board-fixtures.js';
import { at, tempDir } from './support/helpers.js';

interface Ws {
  root: string;
  store: Store;
  board: string;
  tick(now: number): ReturnType<typeof tickOnce>;
  read(): string;
  write(text: string): void;
}

function workspace(config: Config = configSchema.parse({ dispatch: 'none' })): Ws {
  const { workspace: w } = createWorkspaceDirs(tempDir());
  const store = openStore(w.dbPath);
  return {
    root: w.root,
    store,
    board: w.boardPath,
    tick: (now) => tickOnce({ store, ctx: at(now, 'triage'), hooks: buildTickHooks({ workspace: w, config }), config }),
    read: () => readFileSync(w.boardPath, 'utf8'),
    write: (text) => writeFileSync(w.boardPath, text),
  };
}
const titles = (s: Store) => (s.db.prepare('SELECT title FROM tasks').all() as Array<{ title: string }>).map((r) => r.title);
const count = (s: Store, title: string) => titles(s).filter((t) => t === title).length;
const metaBytes = (s: Store, key: string) => (s.db.prepare('SELECT length(value) AS n FROM meta WHERE key = ?').get(key) as { n: number } | undefined)?.n ?? 0;

describe('TASKS.md: hostile edits', () => {
  test('the renderer takes a 130,000-line unreadable entry (no spread onto the stack)', () => {
    const text = Array.from({ length: 130_000 }, (_, i) => `junk ${i}`).join('\n');
    const out = renderBoard([], { now: 0, unreadable: [{ text, reason: 'not a task line' }] });
    assert.ok(out.includes('  > junk 129999'));
  });

  test('130,000 consecutive unreadable lines: every tick succeeds; the lines are saved, the board stays small', () => {
    const ws = workspace();
    ws.tick(1);
    const junk = Array.from({ length: 130_000 }, (_, i) => `junk line ${i}`).join('\n');
    ws.write(`${ws.read()}\n${junk}\n`);
    const r = ws.tick(10);
    assert.equal(r.errors, undefined);
    const board = ws.read();
    assert.ok(board.length < KEPT_MAX_CHARS * 2, `board ${board.length} chars`);
    const saved = /saved in (\.steward\/board-overflow\/kept-[0-9a-f]+\.md)/.exec(board)?.[1];
    assert.ok(saved);
    const kept = `${board}\n${readFileSync(join(ws.root, saved), 'utf8')}`;
    for (const i of [0, 1, 64_999, 129_999]) assert.ok(kept.includes(`junk line ${i}\n`), `line ${i} kept`);
    assert.ok(metaBytes(ws.store, 'board.kept') <= KEPT_MAX_CHARS * 2);
    assert.equal(ws.tick(20).errors, undefined, 'the next tick too');
  });

  test('a stale double save of a new line creates its task once', () => {
    const ws = workspace();
    ws.tick(1);
    const stale = ws.read().replace('# Tasks\n', '# Tasks\n\n## default\n\n- [ ] write the changelog\n');
    ws.write(stale);
    ws.tick(10);
    assert.equal(count(ws.store, 'write the changelog'), 1);
    assert.match(ws.read(), /- \[ \] #1 write the changelog/);
    ws.write(stale); // the editor saves its old buffer again
    ws.tick(20);
    ws.write(stale); // and again
    ws.tick(30);
    assert.equal(count(ws.store, 'write the changelog'), 1, 'never created twice');
    assert.match(ws.read(), /- \[ \] #1 write the changelog/);
    // Typed again beside its task on purpose: a second task.
    ws.write(ws.read().replace(/(- \[ \] #1 write the changelog.*)/, '$1\n- [ ] write the changelog'));
    ws.tick(40);
    assert.equal(count(ws.store, 'write the changelog'), 2);
  });

  test('a new line never carries a command (issue 14 item 2): "verify:" text, in the title or after " — ", sets no verify', () => {
    const ws = workspace();
    ws.tick(1);
    ws.write(ws.read().replace('# Tasks\n', '# Tasks\n\n## default\n\n- [ ] ship it verify: touch pwned\n- [ ] deploy — verify: touch pwned2 · then: x\n'));
    const r = ws.tick(10);
    assert.equal(r.errors, undefined);
    const rows = ws.store.db.prepare('SELECT title, verify_json, then_json FROM tasks ORDER BY id').all() as Array<{ title: string; verify_json: string; then_json: string }>;
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.match(rows[0]!.title, /^ship it/);
    assert.match(rows[1]!.title, /^deploy/);
    for (const row of rows) {
      assert.deepEqual(JSON.parse(row.verify_json), [], row.title);
      assert.deepEqual(JSON.parse(row.then_json), [], row.title);
    }
  });

  test('a line starting "- ⚠ " is a person\'s line: a task under a project, kept in Could not read', () => {
    const ws = workspace();
    ws.tick(1);
    ws.write(ws.read().replace('# Tasks\n', '# Tasks\n\n## default\n\n- ⚠ fix the warning icon\n'));
    ws.tick(10);
    assert.equal(count(ws.store, '⚠ fix the warning icon'), 1);
    ws.write(ws.read().replace('## default', '## Could not read\n\n- ⚠ my own note\n\n## default'));
    ws.tick(20);
    assert.match(ws.read(), /> - ⚠ my own note/, 'kept, not dropped');
  });

  test('a 50 MB TASKS.md is not read: saved aside whole, the board rendered again, meta stays small', () => {
    const ws = workspace();
    ops.addTask(ws.store, { title: 'real work' }, at(1));
    ws.tick(2);
    const line = `${'- [ ] a line of a runaway generator '.padEnd(99, 'z')}\n`;
    const big = ws.read() + line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
    ws.write(big);
    const size = statSync(ws.board).size;
    const r = ws.tick(10);
    assert.equal(r.errors, undefined);
    const board = ws.read();
    assert.ok(board.length < 10_000, `board ${board.length} chars`);
    assert.match(board, /#1 real work/);
    const saved = /saved as (\.steward\/board-overflow\/TASKS-[0-9a-f]+\.md)/.exec(board)?.[1];
    assert.ok(saved, board);
    assert.equal(statSync(join(ws.root, saved)).size, size, 'the whole file is saved');
    assert.equal(count(ws.store, 'a line of a runaway generator'), 0, 'nothing in it was applied');
    assert.ok(metaBytes(ws.store, 'board.last_render') < 10_000);
    assert.ok(metaBytes(ws.store, 'board.kept') < 10_000);
    assert.equal((r.digest.board as Array<{ text: string }>).length, 1);
    const again = ws.tick(20);
    assert.equal(again.digest.board, undefined, 'reported once');
    assert.equal(readdirSync(join(ws.root, '.steward', 'board-overflow')).length, 1);
  });

  test('a title with bidi controls: TASKS.md shows them escaped, and saving the file unchanged (or with another edit) keeps the title (issue 14)', () => {
    const ws = workspace();
    const title = 'approve \u202Efdp.exe\u202C invoice \u2066isolated\u2069 and zero\u200Bwidth';
    const { task } = ops.addTask(ws.store, { title }, at(1));
    ws.tick(2);
    const board = ws.read();
    assert.ok(board.includes(`#${task.id} approve \\u{202E}fdp.exe\\u{202C} invoice \\u{2066}isolated\\u{2069} and zero\\u{200B}width`), board);
    assert.equal(/[\u202a-\u202e\u2066-\u2069\u200b]/u.test(board), false, 'no raw bidi character in TASKS.md');
    const events = () => ws.store.events.forTask(task.id, 100).length;
    const before = events();
    ws.write(board); // a person's save of the unchanged file
    ws.tick(3);
    ws.write(ws.read().replace(/(#\d+ approve .*) !normal/, '$1 !high')); // another edit on the same line
    ws.tick(4);
    const after = ws.store.tasks.get(task.id)!;
    assert.equal(after.title, title, 'the title is unchanged');
    assert.equal(after.priority, 30, 'the other edit applied');
    assert.equal(ws.store.events.forTask(task.id, 100).filter((e) => e.kind === 'edited' && JSON.stringify(e.data ?? '').includes('title')).length, 0);
    assert.ok(events() > before);
    // A new line typed with a raw bidi character creates the task with that character, shown escaped after.
    ws.write(ws.read().replace('## default\n', '## default\n\n- [ ] typed \u202Eraw\n'));
    ws.tick(5);
    assert.equal(count(ws.store, 'typed \u202Eraw'), 1);
    assert.ok(ws.read().includes('typed \\u{202E}raw'));
  });

  test('property: random edits with stale double saves never create a task twice and never lose a line', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        title: fc.tuple(fc.stringMatching(/^[a-z]{3,8}$/), fc.constantFrom('', '', ...BIDI_CHARS)).map(([w, bidi]) => `${w}${bidi}x`),
        project: fc.constantFrom('default', 'web'),
      }),
      fc.record({ kind: fc.constant('garbage' as const), text: fc.stringMatching(/^[=%]{1,3}[a-z ]{0,12}$/) }),
      fc.record({ kind: fc.constantFrom('tick' as const, 'cancel' as const, 'queue-add' as const), n: fc.nat(5) }),
    );
    const round = fc.record({ edits: fc.array(step, { maxLength: 3 }), stale: fc.option(fc.nat(), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 6 }), (rounds) => {
        const ws = workspace(configSchema.parse({ dispatch: 'none', board: { doneLimit: 100 } }));
        ws.tick(1);
        const typed: string[] = [];
        const saves: string[] = [];
        let now = 10;
        for (const r of rounds) {
          let text = ws.read();
          for (const e of r.edits) {
            if (e.kind === 'add') {
              const title = `${e.title} ${typed.length}`;
              typed.push(title);
              text = text.includes(`## ${e.project}\n`) ? text.replace(`## ${e.project}\n`, `## ${e.project}\n\n- [ ] ${title}\n`) : `${text}\n## ${e.project}\n\n- [ ] ${title}\n`;
            } else if (e.kind === 'garbage') {
              typed.push(e.text.trim());
              text += `\n${e.text}\n`;
            } else if (e.kind === 'tick' || e.kind === 'cancel') {
              const lines = text.split('\n').filter((l) => /^- \[ \] #\d+/.test(l));
              const l = lines[e.n % Math.max(lines.length, 1)];
              if (l) text = text.replace(l, l.replace('[ ]', e.kind === 'tick' ? '[x]' : '[-]'));
            } else {
              ops.addTask(ws.store, { title: `queued ${now}` }, at(now++));
            }
          }
          ws.write(text);
          saves.push(text);
          ws.tick((now += 10));
          // A stale double save: the editor writes the buffer it saved before over the render, once or twice.
          if (r.stale !== undefined) {
            for (let i = 0; i <= r.stale % 2; i++) {
              ws.write(saves[saves.length - 1]!);
              ws.tick((now += 10));
            }
          }
        }
        const file = ws.read();
        assert.equal(/[\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u061c\ufeff\u2060]/u.test(file), false, 'TASKS.md holds a raw bidi or invisible character');
        const all = titles(ws.store);
        for (const t of typed) {
          const made = all.filter((x) => x === t).length;
          assert.ok(made <= 1, `"${t}" created ${made} times`);
          assert.ok(made === 1 || file.includes(t) || file.includes(escapeTitle(t)), `"${t}" was lost`);
        }
        ws.store.close();
      }),
      { numRuns: 40 },
    );
  });
});
