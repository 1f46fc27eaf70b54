// What TASKS.md may cost: a file too large is not read (a copy is saved under .steward/), and the text kept
// under "Could not read" is capped (the rest is saved to a file the board names). Nothing is dropped.
import { createHash } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { UnreadableLine } from './board-types.js';

/** A TASKS.md larger than this (or than twice the last render, when that is larger) is not read. */
export const BOARD_MAX_BYTES = 4 * 1024 * 1024;
/** Characters of unreadable text kept in the board (and in `meta`); the rest goes to an overflow file. */
export const KEPT_MAX_CHARS = 256 * 1024;
/** The folder under the workspace's .steward/ where the excess is saved. */
export const OVERFLOW_FOLDER = 'board-overflow';

/** The size above which this TASKS.md is not read: never below a render steward wrote itself. */
export function boardLimit(lastRenderLength: number): number {
  return Math.max(BOARD_MAX_BYTES, 2 * lastRenderLength);
}

/** Where the excess of the board at `boardPath` goes (default: .steward/board-overflow beside it). */
export function overflowDirFor(boardPath: string, overflowDir?: string): string {
  return overflowDir ?? join(dirname(boardPath), '.steward', OVERFLOW_FOLDER);
}

function shown(dir: string, file: string, boardPath: string): string {
  return relative(dirname(boardPath), join(dir, file)) || file;
}

/** Copies an oversized TASKS.md aside (once per version of it) and returns the note the board shows instead. */
export function saveOversize(boardPath: string, dir: string, bytes: number, stamp: string, limit: number): UnreadableLine {
  const name = `${basename(boardPath, '.md')}-${createHash('sha256').update(stamp).digest('hex').slice(0, 12)}.md`;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, name))) copyFileSync(boardPath, join(dir, name), constants.COPYFILE_EXCL);
  return {
    text: `TASKS.md was ${bytes} bytes, over the ${limit}-byte limit: it was not read and nothing in it was applied. It is saved as ${shown(dir, name, boardPath)}; copy the lines you need from there.`,
    reason: 'the file was too large to read',
  };
}

/** The kept texts within KEPT_MAX_CHARS; the rest written to one overflow file, named by a note kept instead. */
export function capKept(list: UnreadableLine[], dir: string, boardPath: string): UnreadableLine[] {
  const size = (u: UnreadableLine) => u.text.length + u.reason.length;
  if (list.reduce((n, u) => n + size(u), 0) <= KEPT_MAX_CHARS) return list;
  // Cut well below the cap, so the note added here never pushes the next read over it again.
  let total = 0;
  let cut = 0;
  while (cut < list.length && total + size(list[cut]!) <= KEPT_MAX_CHARS - 4096) total += size(list[cut++]!);
  const rest = list.slice(cut);
  const body = rest.map((u) => `<!-- ${u.reason.replace(/--/g, '- -')} -->\n${u.text}\n`).join('\n');
  const name = `kept-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.md`;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, name))) writeFileSync(join(dir, name), body);
  const lines = rest.reduce((n, u) => n + u.text.split('\n').length, 0);
  const note = {
    text: `${lines} more unreadable lines (${body.length} characters) are not shown here: they are saved in ${shown(dir, name, boardPath)}`,
    reason: `more than ${KEPT_MAX_CHARS} characters could not be read`,
  };
  return [...list.slice(0, cut), note];
}
