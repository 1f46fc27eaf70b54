// The one wrapper around gray-matter: YAML front matter + markdown body, in and out.
import matter from 'gray-matter';
import { StewardError } from '../core/errors.js';

export interface FrontMatterDoc {
  data: Record<string, unknown>;
  body: string;
}

/** gray-matter evaluates `---js` / `---javascript` front matter with eval(); files here are untrusted. */
function refuseCode(): never {
  throw new StewardError('PARSE_ERROR', 'front matter must be YAML (executable front matter is refused)');
}
const SAFE_ENGINES = { js: refuseCode, javascript: refuseCode, coffee: refuseCode, coffeescript: refuseCode, cson: refuseCode };

/** Splits a markdown text into its front matter (an object) and body; PARSE_ERROR on bad YAML or a non-YAML language. */
export function readFrontMatter(text: string): FrontMatterDoc {
  try {
    // Fresh options bypass gray-matter's cache (it would share parsed data between calls) and disarm code engines.
    const lang = /^---[ \t]*([A-Za-z]+)/.exec(text)?.[1]?.toLowerCase();
    if (lang && lang !== 'yaml' && lang !== 'yml') refuseCode();
    const parsed = matter(text, { engines: SAFE_ENGINES });
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
