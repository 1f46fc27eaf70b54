// Text as a person sees it (TASKS.md, the CLI's text output, the digest's text, MCP text summaries, notifications):
// characters that are invisible or that change how the text around them is shown are written as `\u{XXXX}`.
//
// A right-to-left override (U+202E) in a title makes `fix login !low` display as something else; an isolate or an
// invisible character makes two titles look the same or hides words from a reviewer; a terminal control code (ESC)
// rewrites the screen. JSON output keeps the raw string: it is unambiguous there (docs/SECURITY.md).
//
// Escaped: C0 and C1 control characters except tab and line feed (and CR before a line feed), the bidi controls
// (ALM U+061C, LRM/RLM U+200E/U+200F, embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069), the line and
// paragraph separators U+2028/U+2029, invisible characters (U+180E, zero width space U+200B, U+2060–U+2064, the
// deprecated format characters U+206A–U+206F, the byte order mark U+FEFF, the annotation characters U+FFF9–U+FFFB)
// and the tag characters U+E0000–U+E007F (invisible "ASCII smuggling" in text an agent reads). Kept: the zero
// width (non-)joiner U+200C/U+200D, which Persian, Indic scripts and emoji sequences need and which reorder nothing.

const HIDDEN_CLASS =
  '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u2028-\\u202e' +
  '\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}';
/** Hidden characters; a CR is hidden unless a line feed follows it. */
const HIDDEN = new RegExp(`[${HIDDEN_CLASS}]|\\r(?!\\n)`, 'gu');
/** The same, plus tab, CR and line feed: for text that must stay on one line. */
const HIDDEN_ONE_LINE = new RegExp(`[${HIDDEN_CLASS}\\t\\n\\r]`, 'gu');
const ONE_HIDDEN = new RegExp(`^[${HIDDEN_CLASS}\\t\\n\\r]$`, 'u');

/** How a hidden character is written: `\u{202E}` (upper-case hex, at least 4 digits). */
export function escapeChar(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
}

/** True when `ch` (one code point) is one `visibleText` escapes in one-line text. */
export function isHiddenChar(ch: string): boolean {
  return ONE_HIDDEN.test(ch);
}

/**
 * `text` with its hidden characters written as `\u{XXXX}`. Line breaks and tabs stay unless `oneLine`.
 * The one function every text output uses; its result is plain visible text (escaping it again changes nothing).
 */
export function visibleText(text: string, options: { oneLine?: boolean } = {}): string {
  return String(text).replace(options.oneLine ? HIDDEN_ONE_LINE : HIDDEN, escapeChar);
}

/** The character a `\u{XXXX}` escape stands for when it is one `visibleText` writes; null for any other. */
export function hiddenFromEscape(hex: string): string | null {
  const code = Number.parseInt(hex, 16);
  if (!Number.isFinite(code) || code > 0x10ffff) return null;
  const ch = String.fromCodePoint(code);
  return isHiddenChar(ch) ? ch : null;
}
