// Helpers for worktree tests: a real git repository with one commit on main, and git reads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { spawnSyncCapped } from '../helpers/processes.js';

/** Runs git in `dir` (identity given, so no global config is needed); throws on a non-zero exit. */
export function gitIn(dir: string, ...args: string[]): string {
  const r = spawnSyncCapped('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-C', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Like gitIn, but returns the exit code and output instead of throwing. */
export function gitTry(dir: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSyncCapped('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-C', dir, ...args], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A fresh repository with README.md committed on `main`. */
export function makeRepo(): string {
  const dir = tempDir('steward-repo-');
  gitIn(dir, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), '# app\n');
  gitIn(dir, 'add', '.');
  gitIn(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

/** Branch `branch` off main with one commit writing `files` (path → text); main is checked out again. */
export function commitOnBranch(repo: string, branch: string, files: Record<string, string>, message: string): void {
  gitIn(repo, 'checkout', '--quiet', '-b', branch);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
  gitIn(repo, 'add', ...Object.keys(files));
  gitIn(repo, 'commit', '--quiet', '-m', message);
  gitIn(repo, 'checkout', '--quiet', 'main');
}

/** Files the branch changes against main (three-dot: its own changes only). */
export function branchChanges(repo: string, branch: string, base = 'main'): string[] {
  return gitIn(repo, 'diff', '--name-only', `${base}...${branch}`).split('\n').filter(Boolean).sort();
}

/** A file's text at a ref, or null when it is not there. */
export function fileAt(repo: string, ref: string, path: string): string | null {
  const r = gitTry(repo, 'show', `${ref}:${path}`);
  return r.code === 0 ? r.out : null;
}
