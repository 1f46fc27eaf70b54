// The pure decisions of worktree isolation, as tables: names, isolation, merge plans, path leases, shared files.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { branchName, globPrefix, isolationOf, leasedOut, pathsOverlap, planMerge, runCommitMessage, sharedFiles, slugOf } from '../src/core/worktree.js';

describe('names', () => {
  const slugs: Array<[string, string]> = [
    ['Fix the login bug', 'fix-the-login-bug'],
    ['  Überprüfe  API/v2 — routes!  ', 'uberprufe-api-v2-routes'],
    ['???', 'task'],
    ['a'.repeat(60), 'a'.repeat(40)],
    ['one two three four five six seven eight nine ten', 'one-two-three-four-five-six-seven-eight'],
  ];
  for (const [title, slug] of slugs) test(`slug of "${title.slice(0, 30)}" is ${slug.slice(0, 20)}`, () => assert.equal(slugOf(title), slug));
  test('branch name', () => assert.equal(branchName(12, 'Add a README'), 'steward/12-add-a-readme'));
  test('commit message names task and run, with trailers', () => {
    const m = runCommitMessage({ taskId: 3, runId: 9, title: 'T', outcome: 'completed', summary: 'did it' });
    assert.match(m, /^steward: task #3 run 9 \(completed\): T\n\ndid it\n\nSteward-Task: 3\nSteward-Run: 9\n$/);
  });
});

describe('isolation', () => {
  const rows: Array<[Parameters<typeof isolationOf>, string]> = [
    [[undefined, true, 'code'], 'worktree'],
    [[undefined, true, 'research'], 'none'],
    [[undefined, false, 'code'], 'none'],
    [['worktree', true, 'ops'], 'worktree'],
    [['none', true, 'code'], 'none'],
  ];
  for (const [args, want] of rows) test(`${JSON.stringify(args)} → ${want}`, () => assert.equal(isolationOf(...args), want));
});

describe('merge plan', () => {
  const rows: Array<[Parameters<typeof planMerge>[0], string]> = [
    [{ strategy: 'rebase', branchInBase: true, baseInBranch: false }, 'nothing'],
    [{ strategy: 'rebase', branchInBase: true, baseInBranch: true }, 'nothing'],
    [{ strategy: 'rebase', branchInBase: false, baseInBranch: true }, 'fast-forward'],
    [{ strategy: 'merge', branchInBase: false, baseInBranch: true }, 'fast-forward'],
    [{ strategy: 'rebase', branchInBase: false, baseInBranch: false }, 'rebase'],
    [{ strategy: 'merge', branchInBase: false, baseInBranch: false }, 'merge-commit'],
  ];
  for (const [input, want] of rows) test(`${JSON.stringify(input)} → ${want}`, () => assert.equal(planMerge(input), want));
});

describe('path leases', () => {
  const rows: Array<[string[], string[], boolean]> = [
    [['src/a.ts'], ['src/a.ts'], true],
    [['src/a.ts'], ['src/b.ts'], false],
    [['src/**'], ['src/a.ts'], true],
    [['src/a/**'], ['src/b/**'], false],
    [['src/a/**'], ['src/**/*.ts'], true],
    [['*.md'], ['src/x.ts'], true],
    [['docs'], ['docs/x.md'], true],
    [['docs'], ['docsx/x.md'], false],
    [['./lib/x.ts'], ['lib/x.ts'], true],
    [['lib/x*'], ['lib/y.ts'], false],
    [[], ['src/**'], false],
  ];
  for (const [a, b, want] of rows) {
    test(`${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${want}`, () => {
      assert.equal(pathsOverlap(a, b), want);
      assert.equal(pathsOverlap(b, a), want, 'symmetric');
    });
  }
  test('glob prefix', () => assert.deepEqual(['src/a/**', 'x.ts', '**', 'a/b?/c'].map(globPrefix), ['src/a/', 'x.ts', '', 'a/b']));
  test('a ready task waits only for an overlapping running task, never for itself; no paths never waits', () => {
    const ready = [{ task_id: 1, paths: ['src/**'] }, { task_id: 2, paths: ['docs/**'] }, { task_id: 3, paths: [] }, { task_id: 4, paths: ['src/a.ts'] }];
    assert.deepEqual(leasedOut(ready, [{ task_id: 9, paths: ['src/a.ts'] }]), [1, 4]);
    assert.deepEqual(leasedOut(ready, []), []);
    assert.deepEqual(leasedOut([{ task_id: 9, paths: ['src/**'] }], [{ task_id: 9, paths: ['src/**'] }]), []);
  });
});

test('shared files: only files on two or more branches, sorted', () => {
  assert.deepEqual(
    sharedFiles([{ task_id: 1, files: ['a', 'b', 'b'] }, { task_id: 2, files: ['b', 'c'] }, { task_id: 3, files: ['c', 'a'] }]),
    [{ file: 'a', tasks: [1, 3] }, { file: 'b', tasks: [1, 2] }, { file: 'c', tasks: [2, 3] }],
  );
  assert.deepEqual(sharedFiles([{ task_id: 1, files: ['a'] }]), []);
});
