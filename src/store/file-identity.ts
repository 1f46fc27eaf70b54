// Which file a store has open: device and inode at open, compared later to catch a database deleted or replaced under it.
import { statSync } from 'node:fs';

/** A file's device and inode. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now, or null when there is none. */
export function fileIdentity(path: string): FileIdentity | null {
  try {
    const s = statSync(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

/** Why `path` is no longer the file that was opened (deleted, replaced), or null when it still is. */
export function fileChange(path: string, opened: FileIdentity): string | null {
  const now = fileIdentity(path);
  if (!now) return `the database file ${path} was deleted while it was open`;
  if (now.dev !== opened.dev || now.ino !== opened.ino) return `the database file ${path} was replaced by another file while it was open`;
  return null;
}
