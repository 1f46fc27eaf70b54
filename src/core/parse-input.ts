// Validation at every border: zod issues become one StewardError('VALIDATION') a person can read.
import type { z } from 'zod';
import { StewardError } from './errors.js';
import { describeIssues, showValue } from './issue-text.js';

/** The value at `path` in `input`, if there is one. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

/** One sentence per problem: `priority must be 0–100 or one of urgent, high, normal, low (got "extreme")`. */
export function issueSentence(field: string, text: string, value: unknown): string {
  if (field === '(root)') return text;
  if (text.startsWith('required: ')) return `${field} is required`;
  if (text.startsWith('unknown key')) return `unknown field ${field}${text.slice('unknown key'.length)}`;
  if (/^(must|is|expected) /.test(text)) {
    const shown = /, got /.test(text) || value === undefined ? '' : ` (got ${showValue(value)})`;
    const body = text.startsWith('expected ') ? `must be ${text.slice('expected '.length)}` : text;
    return `${field} ${body.replace(/, got (.*)$/, ' (got $1)')}${shown}`;
  }
  return `${field}: ${text}${value === undefined ? '' : ` (got ${showValue(value)})`}`;
}

/** Validates `input` with `schema`; throws VALIDATION naming each bad field, what it must be and what it got. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues, schema).map((line) => {
    const path = line.path.map(String).join('.') || '(root)';
    return { path, message: issueSentence(path, line.text, valueAt(input, line.path)) };
  });
  throw new StewardError('VALIDATION', `invalid ${what}: ${issues.map((i) => i.message).join('; ')}`, { issues });
}
