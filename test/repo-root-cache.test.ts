// A spare babysitter asks git where each project's repository is while it waits (src/git/repo-root-cache.ts): handed a
// run, it uses that answer without running git — but only while the `.git` entries above the folder are the same.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rememberRepoRoot, repoRootOf } from '../src/git/repo-root-cache.js';
import { tempDir } from './support/helpers.js';
import { spawnSyncCapped } from './helpers/processes.js';

const gitInit = (dir: string) => assert.equal(spawnSyncCapped('git', ['init', '-q', dir]).status, 0);

/** Runs `fn` with no git on PATH: whatever it returns did not come from a git process. */
function withoutGit<T>(fn: () => T): T {
  const path = process.env.PATH;
  process.env.PATH = '';
  try {
    return fn();
  } finally {
    process.env.PATH = path;
  }
}

test('the remembered answer is used without git while the .git entries above are unchanged, and dropped when one appears', () => {
  const top = realpathSync(tempDir('steward-reporoot-'));
  const repo = join(top, 'repo');
  const inner = join(repo, 'pkg');
  mkdirSync(inner, { recursive: true });
  gitInit(repo);
  rememberRepoRoot(inner);
  assert.equal(withoutGit(() => repoRootOf(inner)), repo, 'remembered: no git needed');
  // A repository made inside after the answer was taken: the marks differ, so git is asked again.
  gitInit(inner);
  assert.equal(withoutGit(() => repoRootOf(inner)), null, 'git asked again (and, with no git on PATH, nothing to isolate with)');
  assert.equal(repoRootOf(inner), inner);
});

test('a folder in no repository is remembered as none, until a repository is made there', () => {
  const dir = realpathSync(tempDir('steward-reporoot-'));
  rememberRepoRoot(dir);
  const outside = repoRootOf(dir);
  if (outside !== null) return; // the temp folder sits inside some repository on this machine: nothing to check
  gitInit(dir);
  assert.equal(repoRootOf(dir), dir);
});

test('a folder never remembered is always git\'s answer', () => {
  const dir = realpathSync(tempDir('steward-reporoot-'));
  gitInit(dir);
  assert.equal(repoRootOf(dir), dir);
  assert.equal(withoutGit(() => repoRootOf(dir)), null);
});
