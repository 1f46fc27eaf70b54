// Reading a small form POST (application/x-www-form-urlencoded or JSON) into a map of strings and string lists.
import type { IncomingMessage } from 'node:http';
import { StewardError } from '../core/errors.js';

/** Largest form accepted (an answer or feedback is at most 20,000 characters). */
const MAX_FORM_BYTES = 256 * 1024;

/** Form fields; a field given more than once (checkboxes) is a list. */
export type Form = Record<string, string | string[]>;

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Reads the body of `req`; PAYLOAD_TOO_LARGE (as VALIDATION) past the limit. */
export async function readForm(req: IncomingMessage): Promise<Form> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new StewardError('VALIDATION', `form over ${MAX_FORM_BYTES} bytes`, { limit: MAX_FORM_BYTES });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || '{}');
    } catch (err) {
      throw new StewardError('PARSE_ERROR', `body is not JSON: ${(err as Error).message}`, {});
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new StewardError('VALIDATION', 'expected a JSON object', {});
    const out: Form = {};
    for (const [k, v] of Object.entries(parsed)) {
      // A form field is text (or a list of text): a nested value is refused, never stringified (a 100,000-deep list
      // overflowed the stack in String()).
      if (isScalar(v)) out[k] = String(v);
      else if (Array.isArray(v) && v.every(isScalar)) out[k] = v.map(String);
      else throw new StewardError('VALIDATION', `field ${k}: expected text, a number or a list of them`, { field: k });
    }
    return out;
  }
  const out: Form = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/** One value of a field (the first when repeated). */
export function field(form: Form, name: string): string | undefined {
  const v = form[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a field. */
export function fields(form: Form, name: string): string[] {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
