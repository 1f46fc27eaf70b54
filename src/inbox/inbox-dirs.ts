// The inbox folders must be real folders inside the workspace: a symlink (or a folder that resolves elsewhere)
// is refused, so a tick never reads, moves or writes anything through it. Checked on every tick.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The subfolders of the inbox a tick reads from or writes to. */
export const INBOX_SUBFOLDERS = ['new', 'done', 'rejected'] as const;

/** The meta key holding the folder problems a tick last reported (ingest-inbox.ts reports each change once). */
export const INBOX_FOLDERS_KEY = 'inbox.folders';

/** A folder of the inbox that is not a real folder inside the workspace. */
export interface FolderProblem {
  /** The folder as the inbox names it: `inbox/`, `new/`, `done/`, `rejected/`. */
  folder: string;
  reason: string;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/** Why `path` (named `label`) is not a real folder directly inside `parent`, or undefined when it is (or is absent). */
function folderProblem(path: string, label: string): string | undefined {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    return `cannot be checked (${code(err) ?? String(err)})`;
  }
  if (stats.isSymbolicLink()) {
    let target = '?';
    try {
      target = readlinkSync(path);
    } catch {
      // keep '?'
    }
    return `${label} is a symbolic link (to ${JSON.stringify(target)}): replace it with a real folder; nothing is read, moved or written through it`;
  }
  if (!stats.isDirectory()) return `${label} is not a folder: replace it with a real folder`;
  try {
    const real = realpathSync(path);
    const expected = join(realpathSync(dirname(path)), basename(path));
    if (real !== expected) return `${label} resolves to ${JSON.stringify(real)}, outside the workspace: replace it with a real folder`;
  } catch (err) {
    return `${label} cannot be resolved (${code(err) ?? String(err)})`;
  }
  return undefined;
}

/** The inbox folders that are links or not folders; empty when the inbox is safe to use. */
export function inboxFolderProblems(inboxDir: string): FolderProblem[] {
  const out: FolderProblem[] = [];
  const top = folderProblem(inboxDir, 'inbox/');
  if (top) return [{ folder: 'inbox/', reason: top }];
  for (const name of INBOX_SUBFOLDERS) {
    const reason = folderProblem(join(inboxDir, name), `${name}/`);
    if (reason) out.push({ folder: `${name}/`, reason });
  }
  return out;
}

/** Creates `dir` (one level) when absent and checks it is a real folder; throws when it is a link or not a folder. */
export function ensureRealFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if (code(err) !== 'EEXIST') throw err;
  }
  const problem = folderProblem(dir, `${basename(dir)}/`);
  if (problem) throw Object.assign(new Error(problem), { code: 'EUNSAFEFOLDER' });
}

/** Writes a new file without following a link planted at `path` (an existing entry is replaced, never written through). */
export function writeFileNoFollow(path: string, text: string): void {
  try {
    if (!lstatSync(path).isDirectory()) unlinkSync(path);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
  }
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
