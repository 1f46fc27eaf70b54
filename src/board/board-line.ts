// The one task-line syntax of TASKS.md, written once and used by both render and parse.
//
//   - [ ] #12 Fix the login bug !high type:code @coder — running on coder for 12m
//
// - checkbox: `[ ]` open, `[x]` done, `[-]` cancelled. A bullet (`-`, `*`, `+`) or a checkbox is
//   enough for a new line: `- write the changelog`, `[ ] write the changelog` are both tasks.
// - `#12` right after the checkbox is the task id. A line without one is a new task.
// - markers, anywhere in the line, the last one of a kind wins: priority `!urgent` `!high`
//   `!normal` `!low` `!0`…`!100` or `p0`…`p100`; type `type:code`; agent `@coder`.
//   Leaving a marker out of an existing line changes nothing.
// - on a line with an id, everything after the word ` — ` (an em dash standing alone) is
//   steward's note about the state; it is rewritten on each render and never read.
// - title rule: a title is one line. Line breaks, tabs and control characters become spaces,
//   runs of spaces become one, ends are trimmed. On render `\` escapes the characters
//   \ — # [ ] | < and the backquote, and a title word that would read as a marker (!x, @x,
//   p30, type:x) gets a leading `\`. On read, `\x` always means a literal x. Render caps a title
//   at 1000 characters; a line over 4000 characters is never read as a task.
// - hidden characters (bidi controls such as U+202E, invisible ones such as U+200B; see
//   src/core/visible-text.ts) are written `\u{202E}` in a title and in the note, and a `\u{XXXX}`
//   naming one of them reads back as that character, so an unchanged line keeps its title.
import { PRIORITY_WORDS, parsePriority } from '../core/policy.js';
import type { TaskState } from '../core/states.js';
import { escapeChar, hiddenFromEscape, isHiddenChar, visibleText } from '../core/visible-text.js';

/** A checkbox: open, done or cancelled. */
export type Check = ' ' | 'x' | '-';

/** What one task line says. Markers left out are undefined; `fact` is null on a new line. */
export interface LineFields {
  id: number | null;
  check: Check;
  title: string;
  priority?: number;
  type?: string;
  agent?: string;
  fact: string | null;
}

/** A task line read: its fields, or why it cannot be read (with the id when one was found). */
export type TaskLineParse = { ok: true; fields: LineFields } | { ok: false; id: number | null; reason: string };

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPED_CHARS = /[\\—#[\]|<`]/g;
const PRIORITY_TOKEN = /^!([A-Za-z0-9]+)$/;
const P_TOKEN = /^[pP](\d{1,3})$/;
const AGENT_TOKEN = /^@(\S+)$/;
const TYPE_TOKEN = /^type:(\S+)$/i;
const ID_TOKEN = /^#(\d+)[:.]?$/;
const SEPARATOR = '—';
const TASK_SHAPE = /^(\s*)(?:([-*+])(?=[\s[])\s*)?(?:\[([ xX-]?)\](?=\s|$))?\s*(.*)$/;
const MAX_TASK_LINE = 4000;
const THEMATIC_BREAK = /^\s*([-*_])(?:\s*\1){2,}\s*$/;

/** The title rule: one line, control characters and whitespace runs become one space, trimmed. */
export function normaliseTitle(title: string): string {
  return String(title).replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** A type or agent name as a marker can carry it: no spaces, no control characters. */
export function normaliseWord(word: string): string {
  return String(word).replace(CONTROL, ' ').trim().replace(/\s+/g, '-');
}

/** Makes text safe to keep in the file: control characters (not line breaks or tabs) become visible symbols. */
export function sanitiseText(text: string): string {
  return String(text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) =>
    c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
  );
}

/** One line of at most `max` characters (an ellipsis marks a cut). */
export function oneLine(text: string, max: number): string {
  const flat = normaliseTitle(text);
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** True when a token would be read as a marker (so a title word like it must be escaped). */
function looksLikeMarker(token: string): boolean {
  if (PRIORITY_TOKEN.test(token) || AGENT_TOKEN.test(token) || TYPE_TOKEN.test(token)) return true;
  const p = P_TOKEN.exec(token);
  return p !== null && Number(p[1]) <= 100;
}

/** The title as written in a task line (see the title rule above). */
export function escapeTitle(title: string): string {
  return normaliseTitle(title)
    .split(' ')
    .filter((w) => w.length > 0)
    .map((word) => {
      const escaped = Array.from(word.replace(ESCAPED_CHARS, (c) => `\\${c}`), (c) => (isHiddenChar(c) ? escapeChar(c) : c)).join('');
      return looksLikeMarker(escaped) ? `\\${escaped}` : escaped;
    })
    .join(' ');
}

/** Reads `\x` as a literal x, and `\u{XXXX}` naming a hidden character as that character. */
export function unescapeText(text: string): string {
  return text.replace(/\\u\{([0-9A-Fa-f]{1,6})\}|\\(.)/gsu, (whole, hex: string | undefined, ch: string | undefined) =>
    hex === undefined ? ch! : (hiddenFromEscape(hex) ?? whole.slice(1)),
  );
}

/** The priority marker for a number: the word when it is exactly one, else `!N`. */
export function priorityMarker(priority: number): string {
  for (const [word, value] of Object.entries(PRIORITY_WORDS)) if (value === priority) return `!${word}`;
  return `!${priority}`;
}

/** The checkbox a state shows. */
export function statusCheck(status: TaskState): Check {
  if (status === 'done') return 'x';
  if (status === 'cancelled') return '-';
  return ' ';
}

/** One rendered task line. */
export function formatTaskLine(task: {
  id: number;
  check: Check;
  title: string;
  priority: number;
  type: string;
  agent: string;
  fact: string;
}): string {
  // Caps keep every rendered line under MAX_TASK_LINE, so a render always reads back.
  const title = escapeTitle(oneLine(task.title, 1000)) || '(untitled)';
  const parts = [`- [${task.check}]`, `#${task.id}`, title, priorityMarker(task.priority)];
  const type = Array.from(normaliseWord(task.type)).slice(0, 200).join('');
  const agent = Array.from(normaliseWord(task.agent)).slice(0, 200).join('');
  if (type) parts.push(`type:${type}`);
  if (agent) parts.push(`@${agent}`);
  const fact = visibleText(oneLine(task.fact, 240), { oneLine: true });
  if (fact) parts.push(SEPARATOR, fact);
  return parts.join(' ');
}

/** True for a markdown horizontal rule (`---`, `* * *`), which is never a task. */
export function isThematicBreak(line: string): boolean {
  return THEMATIC_BREAK.test(line);
}

/** Reads a task line; null when the line is not shaped like one (no bullet and no checkbox). */
export function parseTaskLine(line: string): TaskLineParse | null {
  if (isThematicBreak(line)) return null;
  const m = TASK_SHAPE.exec(line);
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  if (line.length > MAX_TASK_LINE) return { ok: false, id: null, reason: `too long for a task line (over ${MAX_TASK_LINE} characters)` };
  const box = m[3] ?? ' ';
  const check: Check = box === 'x' || box === 'X' ? 'x' : box === '-' ? '-' : ' ';
  const tokens = m[4]!.split(/\s+/).filter((t) => t.length > 0);
  let id: number | null = null;
  const idMatch = tokens.length > 0 ? ID_TOKEN.exec(tokens[0]!) : null;
  if (idMatch) {
    tokens.shift();
    id = Number(idMatch[1]);
    if (!Number.isSafeInteger(id) || id <= 0) return { ok: false, id: null, reason: `"#${idMatch[1]}" is not a task id` };
  }
  let fact: string | null = null;
  if (id !== null) {
    const sep = tokens.indexOf(SEPARATOR);
    if (sep >= 0) fact = tokens.splice(sep).slice(1).join(' ');
  }
  const fields: LineFields = { id, check, title: '', fact };
  const words: string[] = [];
  for (const token of tokens) {
    const error = readMarker(token, fields);
    if (error === false) words.push(unescapeText(token));
    else if (error !== true) return { ok: false, id, reason: error };
  }
  fields.title = normaliseTitle(words.join(' '));
  if (fields.title === '') return { ok: false, id, reason: 'a task line needs a title' };
  return { ok: true, fields };
}

/** Applies a marker token to `fields`: true when it was one, false when it is a title word, or a reason. */
function readMarker(token: string, fields: LineFields): boolean | string {
  if (token.startsWith('\\')) return false;
  const bang = PRIORITY_TOKEN.exec(token);
  if (bang) {
    const value = parsePriority(bang[1]!);
    if (value === undefined) return `unknown priority "${token}": use !urgent, !high, !normal, !low or !0…!100`;
    fields.priority = value;
    return true;
  }
  const p = P_TOKEN.exec(token);
  if (p && Number(p[1]) <= 100) {
    fields.priority = Number(p[1]);
    return true;
  }
  const agent = AGENT_TOKEN.exec(token);
  if (agent) {
    fields.agent = normaliseWord(agent[1]!);
    return true;
  }
  const type = TYPE_TOKEN.exec(token);
  if (type) {
    fields.type = normaliseWord(type[1]!);
    return true;
  }
  return false;
}

/**
 * The line a task shows in its state. Fields are copied one by one: `{ ...task, check }` (a spread plus a new key)
 * costs microseconds per task on Node 20, which a board of thousands of tasks pays on every render.
 */
export function taskLine(task: { id: number; status: TaskState; title: string; priority: number; type: string; agent: string; fact: string }): string {
  return formatTaskLine({
    id: task.id,
    check: statusCheck(task.status),
    title: task.title,
    priority: task.priority,
    type: task.type,
    agent: task.agent,
    fact: task.fact,
  });
}
