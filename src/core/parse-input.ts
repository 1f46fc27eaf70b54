// Validation at every border: zod issues become one StewardError('VALIDATION').
import type { z } from 'zod';
import { StewardError } from './errors.js';

/** Validates `input` with `schema`; throws VALIDATION naming each bad field and what was expected. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const text = issues.map((i) => (i.path === '(root)' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  throw new StewardError('VALIDATION', `invalid ${what}: ${text}`, { issues });
}
