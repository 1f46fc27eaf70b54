// The inbox folder on disk: which files wait there, and the folders ingested and refused files move to.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { inboxFolderProblems } from './inbox-dirs.js';
import { isInboxFileName, isSettled } from './parse-inbox-file.js';

/** Subfolder a writer renames finished files into: read at once, no settle wait (Maildir's `new/`). */
export const INBOX_NEW = 'new';
/** Where ingested files go, named `<stem>.p<proposal id>.md`. */
export const INBOX_DONE = 'done';
/** Where refused files go, each with a `<name>.reason` file beside it. */
export const INBOX_REJECTED = 'rejected';

/** A file waiting in the inbox. */
export interface InboxFile {
  name: string;
  path: string;
  /** true for files in `new/`: complete as soon as they appear (written elsewhere, then renamed). */
  renamed: boolean;
  stats: Stats;
}

function filesIn(dir: string, renamed: boolean): InboxFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: InboxFile[] = [];
  for (const name of names.sort()) {
    if (!isInboxFileName(name)) continue;
    const path = join(dir, name);
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch {
      continue; // moved away by another tick between readdir and stat
    }
    if (stats.isDirectory()) continue;
    out.push({ name, path, renamed, stats });
  }
  return out;
}

/** Candidate files of an inbox folder: `*.md` in it and in `new/`, by name; hidden and editor files skipped. */
export function listInboxFiles(inboxDir: string): InboxFile[] {
  return [...filesIn(inboxDir, false), ...filesIn(join(inboxDir, INBOX_NEW), true)];
}

/** What `steward inbox` shows of a file not yet ingested. */
export interface WaitingFile {
  file: string;
  bytes: number;
  /** false while it may still be being written (changed less than a second ago). */
  settled: boolean;
}

/** The files a tick has not ingested yet, with whether the next tick would read them (none while a folder is a link). */
export function waitingInboxFiles(inboxDir: string, now: number): WaitingFile[] {
  if (inboxFolderProblems(inboxDir).length > 0) return [];
  return listInboxFiles(inboxDir).map((f) => ({
    file: f.renamed ? `${INBOX_NEW}/${f.name}` : f.name,
    bytes: f.stats.size,
    settled: f.renamed || isSettled(f.stats.mtimeMs, now),
  }));
}
