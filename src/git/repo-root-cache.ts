// repoRoot without a git process on the hot path of a warm babysitter (issue 18): a spare (src/runner/spare.ts) asks
// git while it waits for a run and keeps the answer with the `.git` entries of the folder's ancestors it saw then —
// what git's discovery walks (steward clears GIT_DIR and the like, git.ts). Handed a run, it uses the answer only when
// those entries are still the same ones (path and inode), else it asks git again. Other processes keep nothing.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './git.js';

const remembered = new Map<string, { marks: string; root: string | null }>();

/** Every ancestor of `dir` (itself included) that has a `.git` entry, with that entry's inode. */
function gitMarks(dir: string): string {
  const found: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      found.push(`${d}:${statSync(join(d, '.git')).ino}`);
    } catch {
      /* no .git here */
    }
    if (dirname(d) === d) break;
  }
  return found.join('\n');
}

/** Asks git for `dir`'s repository now and keeps the answer for `repoRootOf`. */
export function rememberRepoRoot(dir: string): void {
  const marks = gitMarks(dir);
  remembered.set(resolve(dir), { marks, root: repoRoot(dir) });
}

/** `repoRoot(dir)`: the remembered answer while the `.git` entries above `dir` are unchanged, otherwise git's. */
export function repoRootOf(dir: string): string | null {
  const known = remembered.get(resolve(dir));
  if (known && known.marks === gitMarks(dir)) return known.root;
  return repoRoot(dir);
}
