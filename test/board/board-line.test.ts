import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeTitle, formatTaskLine, normaliseTitle, parseTaskLine, priorityMarker } from '../../src/board/index.js';
import { TRICKY_TITLES, arbTitle } from './board-fixtures.js';

/** Any character TASKS.md must never hold raw: bidi controls and invisible format characters. */
const HIDDEN = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

const line = (title: string) =>
  formatTaskLine({ id: 7, check: ' ', title, priority: 35, type: 'code', agent: 'coder', fact: 'a fact — with | stuff' });

test('a rendered task line reads back to the same fields', () => {
  assert.equal(line('Fix the login bug'), '- [ ] #7 Fix the login bug !35 type:code @coder — a fact — with | stuff');
  assert.deepEqual(parseTaskLine(line('Fix the login bug')), {
    ok: true,
    fields: { id: 7, check: ' ', title: 'Fix the login bug', priority: 35, type: 'code', agent: 'coder', fact: 'a fact — with | stuff' },
  });
});

test('tricky titles are escaped as documented', () => {
  assert.equal(escapeTitle('Split | pipes'), 'Split \\| pipes');
  assert.equal(escapeTitle('#12 and [x] — ok'), '\\#12 and \\[x\\] \\— ok');
  assert.equal(escapeTitle('mail @bob !high p30 type:code P7 p500'), 'mail \\@bob \\!high \\p30 \\type:code \\P7 p500');
  assert.equal(escapeTitle('C:\\dir <b> `x`'), 'C:\\\\dir \\<b> \\`x\\`');
  assert.equal(escapeTitle('line one\nline  two\t!'), 'line one line two !');
});

test('bidi and invisible characters are written \\u{XXXX} in a title and read back as themselves (issue 14)', () => {
  const title = 'pay \u202Eevil\u202C \u2066x\u2069 zero\u200Bwidth';
  const text = line(title);
  assert.equal(text, '- [ ] #7 pay \\u{202E}evil\\u{202C} \\u{2066}x\\u{2069} zero\\u{200B}width !35 type:code @coder — a fact — with | stuff');
  assert.equal(HIDDEN.test(text), false);
  const parsed = parseTaskLine(text);
  assert.ok(parsed?.ok);
  assert.equal(parsed.fields.title, title);
  // A marker-looking word behind a bidi character stays a title word; a literal "\u{41}" is not decoded.
  assert.equal(escapeTitle('\u202E!high'), '\\u{202E}!high');
  assert.equal(escapeTitle('literal \\u{202E}'), 'literal \\\\u{202E}');
  assert.deepEqual((parseTaskLine('- [ ] #3 a \\u{41} b \\u{202e}') as { fields: { title: string } }).fields.title, 'a u{41} b \u202E');
  // The note after the dash is escaped too (an agent's error text).
  assert.equal(formatTaskLine({ id: 1, check: ' ', title: 't', priority: 50, type: '', agent: '', fact: 'failed: \u202Egnp.exe' }), '- [ ] #1 t !normal — failed: \\u{202E}gnp.exe');
});

test('every tricky title round-trips to its normalised form', () => {
  for (const title of TRICKY_TITLES) {
    const parsed = parseTaskLine(line(title));
    assert.ok(parsed?.ok, `title ${JSON.stringify(title)}`);
    assert.equal(parsed.fields.title, normaliseTitle(title) || '(untitled)');
    assert.equal(parsed.fields.priority, 35);
    assert.equal(parsed.fields.agent, 'coder');
  }
});

test('property: any title round-trips through a task line', () => {
  fc.assert(
    fc.property(arbTitle, fc.integer({ min: 0, max: 100 }), fc.constantFrom(' ', 'x', '-') as fc.Arbitrary<' ' | 'x' | '-'>, (title, priority, check) => {
      const text = formatTaskLine({ id: 3, check, title, priority, type: 't', agent: 'a', fact: 'f' });
      const parsed = parseTaskLine(text);
      assert.ok(parsed?.ok);
      assert.equal(parsed.fields.title, normaliseTitle(title) || '(untitled)');
      assert.equal(parsed.fields.priority, priority);
      assert.equal(parsed.fields.check, check);
      assert.equal(parsed.fields.id, 3);
      assert.equal(text.includes('\n'), false);
      assert.equal(HIDDEN.test(text), false, `a hidden character written raw: ${JSON.stringify(text)}`);
    }),
    { numRuns: 1000 },
  );
});

test('priority markers: the word when exact, else the number', () => {
  assert.equal(priorityMarker(10), '!urgent');
  assert.equal(priorityMarker(30), '!high');
  assert.equal(priorityMarker(50), '!normal');
  assert.equal(priorityMarker(80), '!low');
  assert.equal(priorityMarker(0), '!0');
  assert.equal(priorityMarker(79), '!79');
});

test('new-line syntax is forgiving', () => {
  const cases: [string, object][] = [
    ['- [ ] write the changelog', { id: null, check: ' ', title: 'write the changelog', fact: null }],
    ['- write the changelog', { id: null, check: ' ', title: 'write the changelog', fact: null }],
    ['* [] write it', { id: null, check: ' ', title: 'write it', fact: null }],
    ['[ ] write it', { id: null, check: ' ', title: 'write it', fact: null }],
    ['  -[ ] indented', { id: null, check: ' ', title: 'indented', fact: null }],
    ['- [ ] !high ship it', { id: null, check: ' ', title: 'ship it', priority: 30, fact: null }],
    ['- [ ] ship it p5 type:ops @codex', { id: null, check: ' ', title: 'ship it', priority: 5, type: 'ops', agent: 'codex', fact: null }],
    ['- [ ] ship !LOW it !urgent', { id: null, check: ' ', title: 'ship it', priority: 10, fact: null }],
    ['- [ ] a — b', { id: null, check: ' ', title: 'a — b', fact: null }],
    ['- [ ] bob@example.com p500 !', { id: null, check: ' ', title: 'bob@example.com p500 !', fact: null }],
    ['- [X] #4: done it', { id: 4, check: 'x', title: 'done it', fact: null }],
    ['- [-] #4 gone — whatever note', { id: 4, check: '-', title: 'gone', fact: 'whatever note' }],
  ];
  for (const [text, fields] of cases) assert.deepEqual(parseTaskLine(text), { ok: true, fields }, text);
});

test('lines that are not task lines, and task lines that cannot be read', () => {
  for (const text of ['plain prose', '---', '* * *', '-', '**bold**', '  answer: yes', '#12 not a bullet']) {
    assert.equal(parseTaskLine(text), null, text);
  }
  assert.deepEqual(parseTaskLine('- [ ] fix !hgh'), {
    ok: false,
    id: null,
    reason: 'unknown priority "!hgh": use !urgent, !high, !normal, !low or !0…!100',
  });
  assert.deepEqual(parseTaskLine('- [ ] #5 !101 x'), {
    ok: false,
    id: 5,
    reason: 'unknown priority "!101": use !urgent, !high, !normal, !low or !0…!100',
  });
  assert.deepEqual(parseTaskLine('- [ ] #5 !high'), { ok: false, id: 5, reason: 'a task line needs a title' });
  assert.deepEqual(parseTaskLine('- [ ] #99999999999999999999 x'), { ok: false, id: null, reason: '"#99999999999999999999" is not a task id' });
});
