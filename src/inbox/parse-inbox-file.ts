// One inbox file (.steward/inbox/*.md) → one proposal, or the reason it cannot be one. Pure; never throws.
import { basename } from 'node:path';
import { closestKey, describeIssues, formatPath } from '../core/issue-text.js';
import { proposeInput, taskFieldsShape, type ProposeInput } from '../core/schemas.js';
import { readFrontMatter } from '../files/front-matter.js';
import { isInboxFileName } from './inbox-names.js';

/** Files larger than this (1 MB) are refused. */
export const INBOX_MAX_BYTES = 1_048_576;
/** A file is read only once it has not changed for this long (it may still be being written). */
export const INBOX_SETTLE_MS = 1000;

export type InboxParseResult =
  | { ok: true; proposal: ProposeInput; /** things the parser filled in, e.g. the title from the heading */ notes: string[] }
  | { ok: false; reason: string };

/** Front-matter keys an inbox file may use: the fields of a proposal. */
export const INBOX_KEYS = Object.keys(taskFieldsShape);
const TEXT_KEYS = ['title', 'goal', 'type', 'project', 'agent', 'key'];

export { isInboxFileName };

/** Whether a file last modified at `mtimeMs` is safe to read at `now` (unchanged for a second). */
export function isSettled(mtimeMs: number, now: number): boolean {
  if (!Number.isFinite(mtimeMs) || !Number.isFinite(now)) return false;
  // An mtime well in the future (a copied timestamp, clock skew) is not a file being written right now.
  return now - mtimeMs >= INBOX_SETTLE_MS || mtimeMs - now > 60_000;
}

/** Parses one inbox file: YAML front matter for the fields, the body as the goal. */
export function parseInboxFile(name: string, content: string | Buffer): InboxParseResult {
  try {
    return parse(name, content);
  } catch (err) {
    return { ok: false, reason: `cannot parse: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parse(name: string, content: string | Buffer): InboxParseResult {
  const file = basename(name);
  if (!isInboxFileName(file)) return fail(`not an inbox file name: "${file}" (expected NAME.md, not hidden)`);
  const decoded = decode(content);
  if (!decoded.ok) return decoded;
  const text = decoded.text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');

  const fence = checkFence(text);
  if (fence) return fail(fence);
  let data: Record<string, unknown>;
  let body: string;
  try {
    ({ data, body } = readFrontMatter(text));
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^front matter: /, '').replace(/:$/, '');
    return fail(`invalid YAML front matter: ${message}`);
  }
  if (expandsPast(data, INBOX_MAX_BYTES)) {
    return fail(`front matter too large once its YAML aliases (*name) are expanded (over ${INBOX_MAX_BYTES} characters): write the values out`);
  }

  const unknown = Object.keys(data).filter((k) => !INBOX_KEYS.includes(k));
  if (unknown.length) {
    const described = unknown.slice(0, MAX_LISTED).map((k) => {
      const near = closestKey(k.slice(0, 100), INBOX_KEYS);
      return `unknown front-matter key ${JSON.stringify(cut(k))} (${near ? `did you mean ${near}?` : `expected ${INBOX_KEYS.join(', ')}`})`;
    });
    return fail(listed(described, unknown.length, 'unknown keys'));
  }

  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined) continue; // `priority:` with nothing after it means not set
    fields[k] = TEXT_KEYS.includes(k) ? asText(v) : v;
  }
  const notes: string[] = [];
  const goal = body.trim();
  if (goal) {
    if (fields.goal !== undefined) return fail('goal is given twice, in the front matter and as the body: keep one');
    fields.goal = goal;
  }
  if (fields.title === undefined || (typeof fields.title === 'string' && fields.title.trim() === '')) {
    const heading = firstHeading(goal);
    if (heading === undefined) {
      const hint = /^\s*---\s*\n/.test(body) ? ' (front matter must start on the first line)' : '';
      return fail(`missing title: add "title: ..." to the front matter or a "# heading" to the body${hint}`);
    }
    fields.title = heading;
    notes.push('title taken from the first # heading');
  }

  const result = proposeInput.safeParse(fields, { reportInput: true });
  if (!result.success) {
    const issues = describeIssues(result.error.issues);
    return fail(listed(issues.slice(0, MAX_LISTED).map((i) => `${cut(formatPath(i.path))}: ${i.text}`), issues.length, 'problems'));
  }
  return { ok: true, proposal: result.data, notes };
}

/**
 * Problems a reason names; the rest are counted. A 1 MB file of 100,000 unknown keys wrote an 18 MB reason (beside
 * the file, in the event log) and took its tick 7 s.
 */
const MAX_LISTED = 10;

function listed(described: string[], total: number, what: string): string {
  return total > described.length ? `${described.join('; ')}; and ${total - described.length} more ${what}` : described.join('; ');
}

/** A key or path as a reason shows it: at most 60 characters. */
function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** The file as text, or why it is not UTF-8 text. */
function decode(content: string | Buffer): { ok: true; text: string } | { ok: false; reason: string } {
  const size = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.length;
  if (size > INBOX_MAX_BYTES) return fail(`too large: ${size} bytes (the limit is ${INBOX_MAX_BYTES} bytes, 1 MB)`);
  if (typeof content === 'string') {
    const nul = content.indexOf('\0');
    if (nul >= 0) return fail(`binary file: NUL character at offset ${nul}`);
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(content)) return fail('not valid UTF-8 text');
    return { ok: true, text: content };
  }
  if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
    return fail('UTF-16 text: save the file as UTF-8');
  }
  const nul = content.indexOf(0);
  if (nul >= 0) return fail(`binary file: NUL byte at offset ${nul}`);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(content) };
  } catch {
    return fail('not valid UTF-8 text: save the file as UTF-8');
  }
}

/** Refuses front matter gray-matter would not read as YAML: another language (---js is eval'd!) or no closing ---. */
function checkFence(text: string): string | undefined {
  if (!text.startsWith('---') || text[3] === '-') return undefined;
  const eol = text.indexOf('\n');
  const first = eol < 0 ? text.slice(3) : text.slice(3, eol);
  const language = first.trim().toLowerCase();
  if (language && language !== 'yaml' && language !== 'yml') return `front matter must be YAML, not "---${first.trim()}"`;
  if (eol < 0 || text.indexOf('\n---', eol) < 0) return 'front matter is not closed: add a line "---" after it';
  return undefined;
}

/**
 * Whether `data` holds more than `limit` values and characters. Without aliases every one of them is at least a byte
 * of the file; an alias repeats a whole value for a few bytes, so a 3 KB file can be a billion nodes (a walk of it, a
 * JSON of it, would take the tick's CPU and memory). An explicit stack, stopping as soon as the count passes `limit`.
 */
function expandsPast(data: unknown, limit: number): boolean {
  let used = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') used += Math.max(1, v.length);
    else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      used += 1;
      if (Array.isArray(v)) for (const item of v) stack.push(item);
      else for (const [k, item] of Object.entries(v)) {
        used += k.length;
        stack.push(item);
      }
    } else used += 1;
    if (used > limit) return true;
  }
  return false;
}

/** YAML may read a title or key as a number, boolean or date; the file meant the text. */
function asText(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return v;
}

/** The text of the first level-1 "# heading" outside code fences. */
function firstHeading(body: string): string | undefined {
  let inFence = false;
  for (const line of body.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    else if (!inFence) {
      const m = /^#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
      if (m && m[1]) return m[1];
    }
  }
  return undefined;
}
