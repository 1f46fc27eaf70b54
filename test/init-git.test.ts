// `steward init` in a git repository keeps runtime files out of git; `npm start` here modifies no tracked file.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, REPO_ROOT, tempDir } from './support/helpers.js';
import { spawnSyncCapped } from './helpers/processes.js';

const git = (cwd: string, ...args: string[]) => spawnSyncCapped('git', args, { cwd, encoding: 'utf8' });
const hasGit = git(REPO_ROOT, '--version').status === 0;

test('init in a git repository adds /.steward/ to .gitignore once; nothing of .steward/ can be committed', { skip: !hasGit && 'no git here' }, () => {
  const repo = tempDir();
  assert.equal(git(repo, 'init', '-q').status, 0);
  writeFileSync(join(repo, '.gitignore'), 'node_modules/');
  const r = cli(['init'], { cwd: repo });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\.gitignore/);
  const text = readFileSync(join(repo, '.gitignore'), 'utf8');
  assert.equal(text, 'node_modules/\n\n# steward runtime files: the queue, run logs, and config.yaml with MCP tokens\n/.steward/\n');
  assert.equal(cli(['init'], { cwd: repo }).stdout.includes('nothing changed'), true, 'a second init changes nothing');
  assert.equal(readFileSync(join(repo, '.gitignore'), 'utf8'), text);
  assert.equal(git(repo, 'add', '-A').status, 0);
  const staged = git(repo, 'diff', '--cached', '--name-only').stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(staged, ['.gitignore', 'HEARTBEAT.md', 'TASKS.md']);
});

test('init outside git writes no .gitignore', () => {
  const dir = tempDir();
  assert.equal(cli(['init'], { cwd: dir }).code, 0);
  assert.equal(spawnSyncCapped('test', ['-e', join(dir, '.gitignore')]).status, 1);
});

test("npm start's workspace (workspace/) is ignored, so npm start leaves git clean; the sample TASKS.md stays tracked", { skip: !hasGit && 'no git here' }, () => {
  const inGit = git(REPO_ROOT, 'rev-parse', '--is-inside-work-tree');
  if (inGit.status !== 0) return; // an unpacked tarball, not a clone
  assert.equal(git(REPO_ROOT, 'ls-files', 'workspace', '.steward').stdout, '', 'workspace/ and .steward/ are not tracked');
  assert.equal(git(REPO_ROOT, 'ls-files', 'TASKS.md').stdout, 'TASKS.md\n', 'the sample board is part of the repository');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  assert.match(pkg.scripts.start, /init --dir workspace && .* up --dir workspace$/, 'npm start works in workspace/');
  for (const path of ['workspace/TASKS.md', 'workspace/HEARTBEAT.md', 'workspace/.steward/queue.db', '.steward/queue.db', '.steward/config.yaml', '.steward/up.json', '.steward/logs/1-1.log']) {
    assert.equal(git(REPO_ROOT, 'check-ignore', '-q', path).status, 0, `${path} is ignored`);
  }
});

test("a code task in a repository just made with git init fails saying to commit once; after a commit and requeue it runs", { skip: !hasGit && 'no git here' }, () => {
  const repo = tempDir();
  assert.equal(git(repo, 'init', '-q').status, 0);
  assert.equal(cli(['init'], { cwd: repo }).code, 0);
  const config = join(repo, '.steward/config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^agents:\n/m, 'agents:\n  bot: { cli: command, command: [sh, -c, "echo made it > made.txt"] }\n'));
  assert.equal(cli(['add', 'First task'], { cwd: repo }).code, 0);
  assert.equal(cli(['work', '--agent', 'bot', '--once'], { cwd: repo }).code, 0);
  const failed = cli(['show', '1', '--json'], { cwd: repo }).json.task;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error, /has no commit yet: commit once \(git commit --allow-empty -m "first commit"\), then requeue the task/);
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  assert.equal(spawnSyncCapped('git', ['commit', '-q', '--allow-empty', '-m', 'first commit'], { cwd: repo, env: { ...process.env, ...env } }).status, 0);
  assert.equal(cli(['requeue', '1'], { cwd: repo }).code, 0);
  assert.equal(cli(['work', '--agent', 'bot', '--once'], { cwd: repo, env }).code, 0);
  assert.equal(cli(['show', '1', '--json'], { cwd: repo }).json.task.status, 'done');
});

test("a profile's relative command (./scripts/agent.sh, as the config template shows) is the workspace's, also for a code task in its worktree and for doctor run elsewhere", { skip: !hasGit && 'no git here' }, () => {
  const repo = tempDir();
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  assert.equal(git(repo, 'init', '-q').status, 0);
  assert.equal(spawnSyncCapped('git', ['commit', '-q', '--allow-empty', '-m', 'first commit'], { cwd: repo, env: { ...process.env, ...env } }).status, 0);
  assert.equal(cli(['init'], { cwd: repo }).code, 0);
  mkdirSync(join(repo, 'scripts'));
  writeFileSync(join(repo, 'scripts/agent.sh'), '#!/bin/sh\necho "worked in $PWD" > made.txt\n', { mode: 0o755 }); // untracked: not in a worktree
  const config = join(repo, '.steward/config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^agents:\n/m, 'agents:\n  script: { cli: command, command: [./scripts/agent.sh, "{prompt}"] }\n'));
  const elsewhere = tempDir();
  const doctor = cli(['doctor', '--json', '--dir', repo], { cwd: elsewhere });
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.deepEqual(doctor.json.profiles.map((p: { name: string; runnable: boolean; path: string }) => [p.name, p.runnable, p.path]), [['script', true, join(repo, 'scripts/agent.sh')]]);
  assert.equal(cli(['add', 'code it'], { cwd: repo }).code, 0);
  const work = cli(['work', '--agent', 'script', '--once'], { cwd: repo, env });
  assert.equal(work.code, 0, work.stderr);
  const task = cli(['show', '1', '--json'], { cwd: repo }).json.task;
  assert.equal(task.status, 'done', task.error);
  assert.match(git(repo, 'show', 'steward/1-code-it:made.txt').stdout, /worked in .*\/\.steward\/worktrees\/1-1/, 'it ran in the task worktree');
});
