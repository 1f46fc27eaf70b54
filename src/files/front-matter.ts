// The one wrapper around gray-matter: YAML front matter + markdown body, in and out.
import matter from 'gray-matter';
import { StewardError } from '../core/errors.js';

export interface FrontMatterDoc {
  data: Record<string, unknown>;
  body: string;
}

/** Splits a markdown text into its front matter (an object) and body; PARSE_ERROR on bad YAML. */
export function readFrontMatter(text: string): FrontMatterDoc {
  try {
    // An empty options object bypasses gray-matter's cache, which would share parsed data between calls.
    const parsed = matter(text, {});
    const data = parsed.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new StewardError('PARSE_ERROR', 'front matter is not a YAML mapping');
    }
    return { data: { ...data }, body: parsed.content };
  } catch (err) {
    if (err instanceof StewardError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new StewardError('PARSE_ERROR', `front matter: ${message}`, {}, err);
  }
}

/** Writes a markdown text with `data` as YAML front matter above `body`. */
export function writeFrontMatter(data: Record<string, unknown>, body: string): string {
  return matter.stringify(body, data);
}
