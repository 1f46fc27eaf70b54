// Names of moved inbox files: control characters replaced, cut so `NAME.reason` fits the file system's 255 bytes.
import { visibleText } from '../core/visible-text.js';

/** The longest file name (bytes) Linux, macOS and Windows file systems take. */
export const NAME_MAX_BYTES = 255;
/** The longest suffix a moved file gets beside it (the reason file). */
const REASON_SUFFIX = '.reason';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\\u2028\u2029]/g;

/** True when a name holds characters a name should not (line breaks, control characters). */
export function hasUnsafeChars(name: string): boolean {
  return new RegExp(UNSAFE.source).test(name);
}

/** A name as a person can read it in a report: line breaks, control and bidi characters shown escaped (`\\u{000A}`). */
export function displayName(name: string): string {
  return visibleText(name, { oneLine: true });
}

/** `text` cut to at most `max` UTF-8 bytes, never inside a character. */
export function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

/** The target name `<stem><suffix>`: the stem sanitised and shortened so the name plus `.reason` fits NAME_MAX. */
export function movedName(stem: string, suffix: string): string {
  const clean = stem.replace(UNSAFE, '_') || '_';
  const room = NAME_MAX_BYTES - Buffer.byteLength(suffix + REASON_SUFFIX, 'utf8');
  const cut = cutToBytes(clean, Math.max(1, room));
  return `${cut === clean ? cut : `${cutToBytes(cut, Math.max(1, room - 1))}~`}${suffix}`;
}

/** Whether a file in the inbox folder is one to ingest: NAME.md, not hidden, not an editor's lock or backup (a name with a line break is one: it is refused by name, never ignored). */
export function isInboxFileName(name: string): boolean {
  return /^[^.#~].*\.md$/is.test(name) && !/[/\\]/.test(name);
}
