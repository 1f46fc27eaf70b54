// Turns zod issues into short lines a person can act on: the dotted path of the key and what was expected.
import type { z } from 'zod';

type Issue = z.ZodError['issues'][number];
export type IssuePath = readonly PropertyKey[];

/** One problem: where (a key path) and what is wrong there. */
export interface IssueLine {
  path: PropertyKey[];
  text: string;
}

/** Writes a key path as people read it: agents.coder.command[1], projects["my.app"].workdir. */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z0-9_:/-]+$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out || '(top level)';
}

/** A value as a message shows it: strings quoted and cut, lists and mappings named. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** zod's own messages start like this; anything else was written by a schema and is kept as is. */
const ZOD_DEFAULT = /^(Too small|Too big|Invalid|Unrecognized)/;

/** One line per problem, unknown keys one line each with a "did you mean" when a known key is close. */
export function describeIssues(issues: readonly Issue[], schema?: z.ZodType): IssueLine[] {
  const lines: IssueLine[] = [];
  for (const issue of issues) {
    const path = [...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeysAt(schema, path) : [];
      for (const key of issue.keys) {
        const near = closestKey(key, known);
        const hint = near ? ` (did you mean ${near}?)` : known.length ? ` (expected one of ${known.join(', ')})` : '';
        lines.push({ path: [...path, key], text: `unknown key${hint}` });
      }
      continue;
    }
    if (looserBound(issue, issues)) continue;
    const text = issueText(issue);
    // Two checks of one value can refuse it alike (an id past the safe integers: not a whole number, not positive): once.
    if (!lines.some((l) => l.text === text && formatPath(l.path) === formatPath(path))) lines.push({ path, text });
  }
  return lines;
}

/** A bound's limit: a too_small's minimum, a too_big's maximum. */
const limitOf = (issue: Issue): number => Number(issue.code === 'too_small' ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);

/**
 * zod's int() adds the safe-integer bounds to a schema's own: "1e21" broke both and the message named two maxima. Only
 * the tighter bound of one kind at one path is said.
 */
function looserBound(issue: Issue, issues: readonly Issue[]): boolean {
  if (issue.code !== 'too_big' && issue.code !== 'too_small') return false;
  const mine = limitOf(issue);
  const path = formatPath([...issue.path]);
  return issues.some((o) => {
    if (o === issue || o.code !== issue.code || formatPath([...o.path]) !== path) return false;
    const theirs = limitOf(o);
    return issue.code === 'too_big' ? theirs < mine : theirs > mine;
  });
}

function issueText(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  // NaN is what a numeric preprocess makes of a word; the word itself is gone, so say only what was expected.
  const got = typeof input === 'number' && Number.isNaN(input) ? '' : `, got ${showValue(input)}`;
  // A schema's own "must …" rule gets the value it refused, like zod's own messages.
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message.startsWith('must ') && input !== undefined && got ? `${issue.message}${got}` : issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `required: expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
      // Numbers typed as text are read in decimal digits only (decimal.ts): "1e9" or "0x10" is a number to a person, so
      // say which notation is meant.
      if ((issue.expected === 'number' || issue.expected === 'int') && typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) return `expected ${TYPE_WORDS[issue.expected]} in decimal digits${got}`;
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_value':
      if (input === undefined) return `required: expected ${issue.values.map((v) => String(v)).join(' | ')}`;
      return `expected ${issue.values.map((v) => String(v)).join(' | ')}${got}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = limitOf(issue);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') {
        if (small && limit === 1) return 'must not be empty';
        return `must be at ${small ? 'least' : 'most'} ${limit} characters`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have at ${small ? 'least' : 'most'} ${limit} item${limit === 1 ? '' : 's'}`;
      }
      const op = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
      return `must be ${op} ${limit}${got}`;
    }
    case 'invalid_format':
      return `${issue.format === 'url' ? 'expected a URL' : `not a valid ${issue.format}`}${got}`;
    case 'invalid_key': {
      const inner = issue.issues.map((i) => issueText(i as Issue)).join('; ');
      // The key itself is in the path (where a secret is redacted), so it is not repeated here.
      return `bad name: ${inner}`;
    }
    default:
      return issue.message;
  }
}

/** The keys an object schema accepts at `path` (records and lists are stepped through). */
export function knownKeysAt(schema: z.ZodType, path: IssuePath): string[] {
  let node: unknown = schema;
  const steps = [...path];
  for (let guard = 0; guard < 200 && node; guard++) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    const type = def.type as string;
    if ('innerType' in def) node = def.innerType;
    else if (type === 'pipe') node = (def.out as { _zod?: { def?: { type?: string } } })?._zod?.def?.type === 'transform' ? def.in : def.out;
    else if (type === 'lazy') node = (def.getter as () => unknown)();
    else if (steps.length === 0) return type === 'object' ? Object.keys(def.shape as object) : [];
    else {
      const seg = steps.shift();
      if (type === 'object') node = (def.shape as Record<string, unknown>)[String(seg)];
      else if (type === 'record') node = def.valueType;
      else if (type === 'array') node = def.element;
      else return [];
    }
  }
  return [];
}

/** The known key a typo most likely meant: same letters ignoring case and _/-, or within 2 edits. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const k = norm(key);
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(k, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
