// Shared builders and fast-check arbitraries for the board tests.
import fc from 'fast-check';
import { TASK_STATES } from '../../src/core/states.js';
import type { BoardTask } from '../../src/board/index.js';

/** A board task with sensible defaults. */
export function bt(id: number, over: Partial<BoardTask> = {}): BoardTask {
  return {
    id,
    project: 'web',
    title: `task ${id}`,
    priority: 50,
    type: 'code',
    agent: 'any',
    status: 'ready',
    fact: 'waiting for a worker',
    ...over,
  };
}

/** Titles that stress the escaping rule. */
export const TRICKY_TITLES = [
  'Split | pipes',
  'Follow up on #12',
  '#12 at the start',
  '[x] looks ticked',
  '- [ ] a task in a title',
  'a — dash — or two',
  'line one\nline two',
  'tabs\tand  double  spaces',
  'mail @bob about !high p30 type:code',
  'C:\\path\\to\\file \\',
  '<script>alert(1)</script>',
  '`code` and *stars* and _under_',
  'answer: not an answer',
  '## not a heading',
  '> not a quote',
  '---',
  '— ',
  'emoji 🚀 and ünïcödé',
  'nul\u0000byte and \u0007bell',
  'bidi \u202Eevil\u202C and \u2066isolate\u2069 \u200Fmarks\u200E',
  '\u202E',
  'zero\u200Bwidth and \u2060joiner and \u061Calm and \u{E0041}tag',
  'a literal \\u{202E} and \\u{41} typed',
  '\u202E!high @\u202Ecoder',
  '   ',
  '',
];

/** Characters that hide or reorder text (shown `\u{XXXX}` in TASKS.md), mixed with the escape's own characters. */
export const BIDI_CHARS = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200B', '\u200E', '\u200F', '\u061C', '\uFEFF', '\u2060', '\u{E0041}'];
export const arbBidiTitle = fc
  .array(fc.constantFrom(...BIDI_CHARS, 'a', 'b', ' ', '\\', 'u', '{', '}', '2', '0', 'E', '!', '#', '@', '—'), { minLength: 1, maxLength: 30 })
  .map((chars) => chars.join(''));

export const arbTitle = fc.oneof(
  fc.constantFrom(...TRICKY_TITLES),
  arbBidiTitle,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.stringMatching(/^[a-z]{1,8}( [a-z]{1,8}){0,4}$/),
);

export const arbProject = fc.constantFrom('default', 'web', 'api', 'ops team', '#hash', 'ünï');
export const arbType = fc.constantFrom('code', 'research', 'docs', 'ops', 'two words', 'a\\b');
export const arbAgent = fc.constantFrom('any', 'coder', 'codex', 'gemini-cli');
export const arbStatus = fc.constantFrom(...TASK_STATES);

/** A random board task with this id. */
export function arbTask(id: number): fc.Arbitrary<BoardTask> {
  return fc.record({
    project: arbProject,
    title: arbTitle,
    priority: fc.integer({ min: 0, max: 100 }),
    type: arbType,
    agent: arbAgent,
    status: arbStatus,
    fact: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }), fc.constantFrom('waits for #3 — and | [x]', 'line\nbreak')),
    finishedAt: fc.integer({ min: 0, max: 1000 }),
  }).map((r) => ({ id, ...r }));
}

/** A random board: 0..n tasks with ids 1..n. */
export const arbBoard = fc
  .integer({ min: 0, max: 25 })
  .chain((n) => (n === 0 ? fc.constant([] as BoardTask[]) : fc.tuple(...Array.from({ length: n }, (_, i) => arbTask(i + 1)))));

/** Replaces the task line of `id` in a board text (null deletes it). */
export function editLine(text: string, id: number, fn: (line: string) => string | null): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^- \\[.\\] #${id} `).test(l));
  if (i < 0) throw new Error(`no line for #${id}`);
  const next = fn(lines[i]!);
  if (next === null) lines.splice(i, 1);
  else lines[i] = next;
  return lines.join('\n');
}

/** Inserts lines after the heading line `heading` (and the blank line under it). */
export function insertUnder(text: string, heading: string, added: string[]): string {
  const lines = text.split('\n');
  const i = lines.indexOf(heading);
  if (i < 0) throw new Error(`no heading ${heading}`);
  lines.splice(i + 2, 0, ...added);
  return lines.join('\n');
}
