import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffBoard, parseBoard, renderBoard, unreadableLines, type BoardTask } from '../../src/board/index.js';
import { bt, editLine } from './board-fixtures.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
const tasks: BoardTask[] = [bt(1, { title: 'one' }), bt(2, { title: 'two', status: 'blocked', fact: 'why?' })];
const last = renderBoard(tasks, { now: NOW });

test('an empty file: every task line was deleted, nothing else', () => {
  assert.deepEqual(diffBoard(last, '', tasks), [
    { kind: 'removed', id: 1 },
    { kind: 'removed', id: 2 },
  ]);
  assert.deepEqual(diffBoard(null, '', tasks), []);
  assert.deepEqual(diffBoard(null, '\n\n  \n', []), []);
  assert.deepEqual(parseBoard(''), { frontMatter: null, tasks: [], headings: [], kept: [], problems: [], keptHeaders: [] });
});

test('CRLF and CR line endings read like LF', () => {
  assert.deepEqual(diffBoard(last, last.replace(/\n/g, '\r\n'), tasks), []);
  assert.deepEqual(diffBoard(last, last.replace(/\n/g, '\r'), tasks), []);
  const ticked = editLine(last, 1, (l) => l.replace('[ ]', '[x]')).replace(/\n/g, '\r\n');
  assert.deepEqual(diffBoard(last.replace(/\n/g, '\r\n'), ticked, tasks), [{ kind: 'done', id: 1 }]);
  const answered = editLine(last, 2, (l) => `${l}\n  answer: yes\n    really`).replace(/\n/g, '\r\n');
  assert.deepEqual(diffBoard(last, answered, tasks), [{ kind: 'answer', id: 2, text: 'yes\nreally' }]);
});

test('a person\'s own "> Paused: …" note is kept; the paused-profile line steward wrote is skipped', () => {
  const paused = renderBoard(tasks, { now: NOW, paused: [{ name: 'coder', paused_until: NOW + 60_000, reason: 'rate limited: HTTP 429' }] });
  assert.match(paused, /^> Paused: agent coder until .* — rate limited: HTTP 429$/m);
  assert.deepEqual(diffBoard(paused, paused, tasks), []);
  assert.deepEqual(diffBoard(last, paused, tasks), [], 'an older render\'s paused line is steward\'s too');
  const note = '> Paused: the login work until legal signs off';
  const mine = paused.replace('## web\n', `## web\n\n${note}\n`);
  assert.deepEqual(unreadableLines(diffBoard(paused, mine, tasks)), [{ text: note, reason: 'not a task line: write a new task as "- [ ] title" under a project' }]);
});

test('a person\'s "_… and 2 more …_" note is kept; the "more" line steward wrote is skipped', () => {
  const many = [...tasks, ...[3, 4, 5].map((id) => bt(id, { title: `old ${id}`, status: 'done', finishedAt: id }))];
  const text = renderBoard(many, { now: NOW, doneLimit: 1 });
  assert.match(text, /^_… and 2 more done: steward list --status done --project web_$/m);
  assert.deepEqual(diffBoard(text, text, many), []);
  const note = '_… and 2 more ideas for later_';
  const mine = text.replace('## web\n', `## web\n\n${note}\n`);
  assert.deepEqual(unreadableLines(diffBoard(text, mine, many)), [{ text: note, reason: 'not a task line: write a new task as "- [ ] title" under a project' }]);
});

test('broken front matter: one unreadable about it, the rest read as the board', () => {
  const broken = last.replace("generated: true", 'generated: [oops');
  const cmds = diffBoard(last, editLine(broken, 1, (l) => l.replace('[ ]', '[x]')), tasks);
  assert.equal(cmds.length, 2);
  const [fm, done] = cmds;
  assert.equal(fm?.kind, 'unreadable');
  assert.ok(fm?.kind === 'unreadable' && fm.line === 1 && fm.reason.startsWith('broken front matter (') && fm.text.startsWith('---\ngenerated: [oops'));
  assert.deepEqual(done, { kind: 'done', id: 1 });
  // Never closed: the opening line is reported, the rest is the board.
  const open = `---\ntitle: x\n- [ ] new one\n`;
  assert.deepEqual(
    diffBoard(null, open, []).map((c) => [c.kind, c.kind === 'unreadable' ? c.text : c.kind === 'create' ? c.title : '']),
    [
      ['unreadable', '---'],
      ['unreadable', 'title: x'],
      ['create', 'new one'],
    ],
  );
  // Front matter that is YAML but not a mapping.
  const scalar = diffBoard(null, '---\njust text\n---\n- [ ] a\n', []);
  assert.deepEqual(scalar.map((c) => c.kind), ['unreadable', 'create']);
  assert.ok(scalar[0]?.kind === 'unreadable' && scalar[0].reason.includes('not a YAML mapping'));
});

test('binary bytes and NULs never throw and are kept visibly', () => {
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)).toString('utf8');
  const text = `${last}${bytes}\n\u0000\u0000\u0000\n`;
  const cmds = diffBoard(last, text, tasks);
  assert.ok(cmds.length > 0);
  assert.ok(cmds.every((c) => c.kind === 'unreadable' || c.kind === 'create'));
  const next = renderBoard(tasks, { now: NOW, unreadable: unreadableLines(cmds) });
  assert.equal(next.includes('\u0000'), false);
  assert.ok(next.includes('  > ␀␀␀'));
  // The board with the binary junk kept reads back to the same kept texts, and nothing else.
  const again = diffBoard(next, next, tasks);
  assert.ok(again.every((c) => c.kind === 'unreadable' && !c.fresh));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (arr) => {
      const junk = Buffer.from(arr).toString('utf8');
      const c = diffBoard(last, junk, tasks);
      renderBoard(tasks, { now: NOW, unreadable: unreadableLines(c) });
      diffBoard(junk, last, tasks);
      diffBoard(junk, junk, tasks);
    }),
  );
});

test('a 5 MB file is read without throwing', () => {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 5 * 1024 * 1024; i++) {
    const l = i % 3 === 0 ? `- [ ] new task number ${i} !high` : i % 3 === 1 ? `junk ${'x'.repeat(i % 200)}` : `- [x] #${(i % 5) + 1} x`;
    lines.push(l);
    size += l.length + 1;
  }
  const big = `${last}${lines.join('\n')}`;
  const cmds = diffBoard(last, big, tasks);
  assert.equal(cmds.filter((c) => c.kind === 'create').length, lines.filter((l) => l.startsWith('- [ ] new task')).length);
  assert.equal(cmds.filter((c) => c.kind === 'unreadable').length, lines.filter((l) => l.startsWith('- [x]')).length + lines.filter((l) => l.startsWith('junk')).length);
  // One 5 MB line, and a 5 MB front matter that never closes.
  const long = diffBoard(last, `${last}${'- [ ] '.repeat(900_000)}`, tasks);
  assert.deepEqual(long.map((c) => (c.kind === 'unreadable' ? c.reason : c.kind)), ['too long for a task line (over 4000 characters)']);
  assert.equal(diffBoard(null, `---\n${'a: b\n'.repeat(1_000_000)}`, []).length, 2);
  assert.equal(diffBoard(null, `${' '.repeat(5_000_000)}x`, []).length, 1);
  assert.equal(diffBoard(null, `# ${' '.repeat(5_000_000)}x`, []).length, 1);
});

test('duplicated and unknown ids are unreadable; the first copy still counts', () => {
  const dup = editLine(last, 1, (l) => `${l.replace('[ ]', '[x]')}\n${l.replace('one', 'uno')}\n- [ ] #77 ghost`);
  const cmds = diffBoard(last, dup, tasks);
  assert.deepEqual(
    cmds.map((c) => (c.kind === 'unreadable' ? `${c.kind}: ${c.reason}` : c.kind)),
    ['done', `unreadable: #1 is already on line ${dup.split('\n').findIndex((l) => l.includes('#1 one')) + 1}: one line per task`, 'unreadable: there is no task #77: write a new task without an id'],
  );
});
