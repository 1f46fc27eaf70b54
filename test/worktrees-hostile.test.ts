// Coding runs in worktrees against hostile agents and odd repositories: real git, real babysitters (docs/WORKTREES.md).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { collectGarbage, findLeftovers } from '../src/git/gc.js';
import { addTask, approveTask, claimTask, requestChanges } from '../src/ops/index.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { babysitRun } from '../src/runner/babysit.js';
import { killChildren } from './helpers/processes.js';
import { commitOnBranch, fileAt, gitIn, makeRepo } from './support/git-repo.js';
import { tempDir } from './support/helpers.js';
import { depsOf, now, sandbox, taskOf, writeConfig } from './support/runner.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';

afterEach(killChildren);

/** A sandbox whose project `app` is the repository `repo`, and a coder that runs the shell `script` in its workdir. */
function setup(repo: string, script: string) {
  const sb = sandbox();
  const config = writeConfig(sb, { coder: { cli: 'command', command: ['sh', '-c', script, '{prompt}'], timeoutSeconds: 600, stallSeconds: 600, leaseSeconds: 60 } }, {
    dispatch: 'none', projects: { app: { workdir: repo } }, retry: { baseSeconds: 0, capSeconds: 0 },
  });
  return { sb, config };
}

/** Adds a code task of project `app` (done without review: it merges at the end of its run) and babysits its run. */
async function runTask(sb: ReturnType<typeof sandbox>, config: ReturnType<typeof writeConfig>, title: string) {
  const t = addTask(sb.store, { title, project: 'app', type: 'code', review: false }, now()).task;
  const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
  assert.ok(c.task, 'expected a claimable task');
  assert.equal(c.task.id, t.id);
  const r = await babysitRun(depsOf(sb, config), c.run, c.task);
  return { t, r };
}

describe('a hostile agent in its worktree', () => {
  test('a branch that starts tracking a file the person\'s checkout ignores never overwrites that file at the merge', async () => {
    const repo = makeRepo();
    writeFileSync(join(repo, '.gitignore'), '.env\n');
    gitIn(repo, 'add', '.gitignore');
    gitIn(repo, 'commit', '--quiet', '-m', 'ignore .env');
    writeFileSync(join(repo, '.env'), 'SECRET=the person\'s\n');
    // The agent drops the ignore rule and writes its own .env: the run's commit tracks it.
    const { sb, config } = setup(repo, 'printf "" > .gitignore && echo SECRET=agent > .env');
    const { t, r } = await runTask(sb, config, 'Track the env file');
    assert.equal(r.status, 'completed');
    assert.equal(readFileSync(join(repo, '.env'), 'utf8'), 'SECRET=the person\'s\n', 'the ignored file of the person is kept');
    const task = taskOf(sb, t.id);
    assert.deepEqual([task.status, task.blocked_kind], ['blocked', 'merge']);
    assert.match(task.error!, /\.env/, 'git\'s message names the file');
    assert.match(task.question!, new RegExp(`^merge blocked: git will not overwrite uncommitted or ignored files in ${repo} \\(see git's message below\\)`));
    assert.equal(fileAt(repo, 'main', '.env'), null, 'the base did not move');
  });
});

describe('the person\'s checkout at the merge', () => {
  test('an uncommitted change there to a file the branch changes: the base is not moved, the task blocks naming that file', async () => {
    const repo = makeRepo();
    writeFileSync(join(repo, 'README.md'), 'the person is editing this\n');
    const { sb, config } = setup(repo, 'echo agent > README.md');
    const { t } = await runTask(sb, config, 'Touch the readme');
    const task = taskOf(sb, t.id);
    assert.deepEqual([task.status, task.blocked_kind], ['blocked', 'merge']);
    assert.deepEqual(sb.store.branches.get(t.id)!.conflict, ['README.md']);
    // Not a conflict between the branches: the question says where the files are that git will not overwrite.
    assert.ok(task.question!.startsWith(`merge blocked: git will not overwrite uncommitted or ignored files in ${repo} (README.md). Commit, stash or move them there`), task.question!);
    assert.equal(readFileSync(join(repo, 'README.md'), 'utf8'), 'the person is editing this\n');
  });
});

describe('an agent that leaves its branch', () => {
  const commit = 'git -c user.name=agent -c user.email=agent@localhost commit --quiet';

  test('detached, it commits and leaves more: the branch is moved onto its work, which merges back; nothing is left dangling', async () => {
    const repo = makeRepo();
    const { sb, config } = setup(repo, `git checkout --quiet --detach && echo a > a.txt && git add a.txt && ${commit} -m agent && echo b > b.txt`);
    const { t, r } = await runTask(sb, config, 'Detach and commit');
    assert.deepEqual([r.status, taskOf(sb, t.id).status], ['completed', 'done']);
    assert.equal(fileAt(repo, 'main', 'a.txt'), 'a\n', 'the agent\'s own commit is merged');
    assert.equal(fileAt(repo, 'main', 'b.txt'), 'b\n', 'what it left uncommitted is merged');
    assert.equal(gitIn(repo, 'fsck', '--no-reflogs', '--unreachable', '--no-progress'), '', 'no commit is left unreachable');
  });

  test('it only went back to an older commit and left nothing: back on its branch, done as usual', async () => {
    const repo = makeRepo();
    const { sb, config } = setup(repo, `echo a > a.txt && git add a.txt && ${commit} -m agent && git checkout --quiet --detach HEAD~1`);
    const { t, r } = await runTask(sb, config, 'Look back');
    assert.deepEqual([r.status, taskOf(sb, t.id).status], ['completed', 'done']);
    assert.equal(fileAt(repo, 'main', 'a.txt'), 'a\n');
  });

  test('on a history that does not continue its branch: nothing moves, the work stays in its worktree, the task blocks saying where', async () => {
    const repo = makeRepo();
    const { sb, config } = setup(repo, `git checkout --quiet --orphan elsewhere && git rm -r --quiet --cached . && echo c > c.txt`);
    const { t, r } = await runTask(sb, config, 'Wander off');
    assert.equal(r.status, 'failed');
    const task = taskOf(sb, t.id);
    assert.equal(task.status, 'blocked');
    assert.match(task.question!, /branch elsewhere at [0-9a-f]{12}, which does not continue the task's branch steward\/\d+-wander-off/);
    const wt = sb.store.branches.get(t.id)!.worktree!;
    assert.equal(gitIn(wt, 'symbolic-ref', '--short', 'HEAD'), 'elsewhere', 'the worktree is kept as the agent left it');
    assert.equal(fileAt(repo, 'elsewhere', 'c.txt'), 'c\n', 'its work is committed there');
    assert.equal(fileAt(repo, 'main', 'c.txt'), null, 'the base did not move');
  });
});

describe('an agent that deletes its own worktree', () => {
  test('after committing: its branch still rebases onto a base that moved and merges (git had it checked out in the folder that is gone)', async () => {
    const repo = makeRepo();
    // Task 1 writes its file; task 2 commits its own, then deletes its worktree.
    const { sb, config } = setup(repo, 'echo "$STEWARD_TASK_ID" > "f$STEWARD_TASK_ID.txt"; if [ "$STEWARD_TASK_ID" = 2 ]; then git add -A && git -c user.name=agent -c user.email=agent@localhost commit --quiet -m agent && cd / && rm -rf "$OLDPWD"; fi');
    const add = (title: string) => addTask(sb.store, { title, project: 'app', type: 'code', review: true }, now()).task;
    const [first, second] = [add('Plain change'), add('Deletes its worktree')];
    for (const id of [first.id, second.id]) {
      const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
      assert.ok(c.task, 'expected a claimable task');
      assert.equal(c.task.id, id);
      assert.equal((await babysitRun(depsOf(sb, config), c.run, c.task)).status, 'completed');
    }
    const tick = () => tickOnce({ store: sb.store, ctx: now('tick'), config, hooks: buildTickHooks({ workspace: sb.ws, config }) });
    approveTask(sb.store, { id: first.id }, now());
    tick();
    approveTask(sb.store, { id: second.id }, now());
    tick();
    const task = taskOf(sb, second.id);
    assert.equal(task.status, 'done', task.error ?? '');
    assert.equal(fileAt(repo, 'main', `f${second.id}.txt`), `${second.id}\n`);
    assert.equal(fileAt(repo, 'main', `f${first.id}.txt`), `${first.id}\n`);
  });
});

describe('an agent that breaks its worktree', () => {
  test('it removes its .git file in a workspace inside the person\'s checkout: nothing is committed there, the task blocks', async () => {
    // The workspace is the project's own checkout (steward init in the repository), with an uncommitted change.
    const sb = sandbox();
    gitIn(sb.root, 'init', '--quiet', '-b', 'main');
    writeFileSync(join(sb.root, 'README.md'), '# app\n');
    gitIn(sb.root, 'add', 'README.md');
    gitIn(sb.root, 'commit', '--quiet', '-m', 'initial');
    writeFileSync(join(sb.root, 'README.md'), 'the person is editing this\n');
    const config = writeConfig(sb, { coder: { cli: 'command', command: ['sh', '-c', 'echo agent > a.txt && rm .git', '{prompt}'], timeoutSeconds: 600, stallSeconds: 600, leaseSeconds: 60 } }, {
      dispatch: 'none', projects: { app: { workdir: sb.root } },
    });
    const { t, r } = await runTask(sb, config, 'Remove the dot git');
    assert.equal(r.status, 'failed');
    assert.equal(gitIn(sb.root, 'rev-list', '--count', 'main'), '1', 'no commit on the person\'s branch');
    assert.equal(gitIn(sb.root, 'status', '--porcelain', '--untracked-files=no'), 'M README.md', 'their change is still theirs, uncommitted');
    const task = taskOf(sb, t.id);
    assert.equal(task.status, 'blocked');
    assert.match(task.question!, /is no longer the run's git worktree/);
  });
});

describe('hooks of the repository', () => {
  test('steward\'s own git calls run no hook and no fsmonitor: an agent\'s (or a slow) hook never runs in, or freezes, the babysitter or up', async () => {
    const repo = makeRepo();
    const marks = tempDir('steward-hook-marks-');
    // Every hook git runs around worktree add, commit, rebase and merge, and an fsmonitor command for status.
    const hooks = ['post-checkout', 'post-commit', 'post-merge', 'post-rewrite', 'pre-rebase', 'reference-transaction', 'pre-commit', 'commit-msg', 'pre-merge-commit', 'post-index-change'];
    for (const name of hooks) writeFileSync(join(repo, '.git/hooks', name), `#!/bin/sh\necho ${name} >> '${marks}/ran'\nexit 0\n`, { mode: 0o755 });
    writeFileSync(join(marks, 'fsmonitor.sh'), `#!/bin/sh\necho fsmonitor >> '${marks}/ran'\nexit 1\n`, { mode: 0o755 });
    gitIn(repo, 'config', 'core.fsmonitor', join(marks, 'fsmonitor.sh'));
    // A person who signs their commits: steward's commits are its own, never signed with their key.
    writeFileSync(join(marks, 'gpg.sh'), `#!/bin/sh\necho gpg >> '${marks}/ran'\nexit 1\n`, { mode: 0o755 });
    gitIn(repo, 'config', 'commit.gpgSign', 'true');
    gitIn(repo, 'config', 'gpg.program', join(marks, 'gpg.sh'));
    // The agent moves the base while it works (its own git calls skip the hooks), so the merge has to rebase.
    const quiet = "-c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgSign=false -c user.name=p -c user.email=p@localhost";
    const { sb, config } = setup(repo, `echo agent > a.txt && echo base > '${repo}/base.txt' && git -C '${repo}' ${quiet} add base.txt && git -C '${repo}' ${quiet} commit --quiet -m base`);
    const t = addTask(sb.store, { title: 'Hooked repository', project: 'app', type: 'code', review: false }, now()).task;
    const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
    assert.ok(c.task);
    const r = await babysitRun(depsOf(sb, config), c.run, c.task);
    assert.equal(r.status, 'completed');
    assert.equal(taskOf(sb, t.id).status, 'done', taskOf(sb, t.id).error ?? '');
    assert.equal(fileAt(repo, 'main', 'a.txt'), 'agent\n');
    assert.equal(fileAt(repo, 'main', 'base.txt'), 'base\n', 'rebased onto the moved base');
    assert.equal(existsSync(join(marks, 'ran')) ? readFileSync(join(marks, 'ran'), 'utf8') : '', '', 'no hook, fsmonitor or signing program ran');
  });
});

describe('a run whose changes cannot be committed', () => {
  test('it leaves index.lock in its worktree: the completion is not merged as done, the task blocks, the work stays in the worktree', async () => {
    const repo = makeRepo();
    const { sb, config } = setup(repo, 'echo agent > a.txt && touch "$(git rev-parse --git-dir)/index.lock"');
    const { t, r } = await runTask(sb, config, 'Lock the index');
    assert.equal(r.status, 'failed');
    const task = taskOf(sb, t.id);
    assert.equal(task.status, 'blocked', 'not done: nothing of its work is on the branch');
    assert.match(task.question!, /could not commit the run's changes .*index\.lock/);
    const wt = sb.store.branches.get(t.id)!.worktree!;
    assert.equal(readFileSync(join(wt, 'a.txt'), 'utf8'), 'agent\n', 'the work is kept where it was left');
    assert.equal(fileAt(repo, 'main', 'a.txt'), null);
  });
});

describe('a branch that exists already', () => {
  test('a steward/<id>-… branch with commits the store has no record of (another workspace\'s task #1) is never taken over', async () => {
    const repo = makeRepo();
    commitOnBranch(repo, 'steward/1-old-work', { 'old.txt': 'someone else\'s work\n' }, 'task #1 of another workspace');
    const { sb, config } = setup(repo, 'echo new > new.txt');
    const { t, r } = await runTask(sb, config, 'New task one');
    assert.equal(r.status, 'failed');
    assert.match(r.error!, /branch steward\/1-old-work .* has commits task #1 has no record of/);
    assert.equal(fileAt(repo, 'main', 'old.txt'), null, 'the other task\'s work was not merged');
    assert.equal(sb.store.branches.get(t.id), undefined);
    assert.equal(fileAt(repo, 'steward/1-old-work', 'old.txt'), 'someone else\'s work\n', 'that branch is untouched');
  });
});

describe('a workspace reached through a symbolic link', () => {
  test('git lists its worktrees by their real path: a retry still takes over the earlier run\'s worktree, doctor still lists them', async () => {
    const link = join(tempDir('steward-link-'), 'workspace');
    symlinkSync(tempDir('steward-real-'), link);
    const { workspace } = createWorkspaceDirs(link);
    const sb = { ...sandbox(), root: link, ws: workspace, store: openStore(workspace.dbPath) };
    const repo = makeRepo();
    const config = writeConfig(sb, { coder: { cli: 'command', command: ['sh', '-c', 'echo x > "run-$STEWARD_RUN_ID.txt"', '{prompt}'], timeoutSeconds: 600, stallSeconds: 600, leaseSeconds: 60 } }, {
      dispatch: 'none', projects: { app: { workdir: repo } },
    });
    const t = addTask(sb.store, { title: 'Through a link', project: 'app', type: 'code', review: true }, now()).task;
    const attempt = async () => {
      const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
      assert.ok(c.task, 'expected a claimable task');
      return babysitRun(depsOf(sb, config), c.run, c.task);
    };
    assert.equal((await attempt()).status, 'completed');
    assert.deepEqual(findLeftovers(sb.store, sb.ws, config).map((l) => [l.kind, l.task_id]), [['worktree', t.id]], 'doctor sees the worktree');
    requestChanges(sb.store, { id: t.id, feedback: 'once more' }, now());
    const second = await attempt();
    assert.equal(second.status, 'completed', second.error);
    assert.equal(taskOf(sb, t.id).status, 'review');
  });
});

describe('doctor and gc with a repository that is gone', () => {
  test('a project repository whose .git was removed does not hide the leftovers of the others, nor stop gc', async () => {
    const sb = sandbox();
    const [good, gone] = [makeRepo(), makeRepo()];
    const config = writeConfig(sb, { coder: { cli: 'command', command: ['sh', '-c', 'echo x > a.txt', '{prompt}'], timeoutSeconds: 600, stallSeconds: 600, leaseSeconds: 60 } }, {
      dispatch: 'none', projects: { good: { workdir: good }, gone: { workdir: gone } },
    });
    for (const project of ['good', 'gone']) {
      addTask(sb.store, { title: `in ${project}`, project, type: 'code', review: true }, now());
      const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
      assert.ok(c.task, 'expected a claimable task');
      assert.equal((await babysitRun(depsOf(sb, config), c.run, c.task)).status, 'completed');
    }
    rmSync(join(gone, '.git'), { recursive: true, force: true });
    assert.deepEqual(findLeftovers(sb.store, sb.ws, config).map((l) => [l.kind, l.repo]), [['worktree', good]]);
    assert.deepEqual(collectGarbage(sb.store, sb.ws, config).kept.map((l) => l.repo), [good], 'kept: unmerged');
  });
});
