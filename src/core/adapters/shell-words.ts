// POSIX-like word splitting for `verify` strings: quotes and backslashes, no expansion, no shell.
import { StewardError } from '../errors.js';

const SPACE = new Set([' ', '\t', '\n', '\r']);
// Unquoted, these would make a shell build a pipeline, list or redirection; argv cannot express that.
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')']);
// Inside double quotes a backslash only escapes these (POSIX); elsewhere it stays literal.
const DQ_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

function invalid(message: string, input: string, index: number): StewardError {
  return new StewardError('VALIDATION', `${message} at position ${index} in: ${input}`, { input, index });
}

/**
 * Splits a command line into argv words the way a POSIX shell would, minus every expansion:
 * `$VAR`, backticks, globs and `~` stay literal. Throws VALIDATION on an unterminated quote,
 * a trailing backslash, or an unquoted `| & ; < > ( )` (write `sh -c '…'` to get a shell).
 */
export function splitCommandLine(input: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (SPACE.has(ch)) {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (ch === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw invalid('unterminated single quote', input, i);
      word = (word ?? '') + input.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= input.length) throw invalid('unterminated double quote', input, i);
        const c = input[j];
        if (c === '"') break;
        if (c === '\\' && j + 1 < input.length && DQ_ESCAPABLE.has(input[j + 1])) {
          if (input[j + 1] !== '\n') part += input[j + 1];
          j += 2;
        } else {
          part += c;
          j++;
        }
      }
      word = (word ?? '') + part;
      i = j + 1;
    } else if (ch === '\\') {
      if (i + 1 >= input.length) throw invalid('trailing backslash', input, i);
      if (input[i + 1] !== '\n') word = (word ?? '') + input[i + 1];
      i += 2;
    } else if (OPERATORS.has(ch)) {
      throw invalid(`unquoted shell operator "${ch}" (no shell runs here; quote it, or use sh -c '...')`, input, i);
    } else {
      word = (word ?? '') + ch;
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Quotes one word so splitCommandLine (and a POSIX shell) reads it back unchanged; for logs. */
export function quoteWord(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
