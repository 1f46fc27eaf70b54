// The review diffs on "needs attention" never block steward up (real steward up, real git): while a review's git diff
// runs, up still answers other requests (the worker API, MCP, /healthz and the tick share its one thread).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { taskDiff, taskDiffAsync } from '../src/git/diff.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { execFileSyncCapped, exited, killChildren, tracked, waitFor } from './helpers/processes.js';
import { commitOnBranch, gitIn, makeRepo } from './support/git-repo.js';
import { CLI, cli, tempDir, tempStore } from './support/helpers.js';

after(killChildren);

test('a review\'s git diff held open does not stop steward up from answering /healthz; the page shows the diff once git ends', { timeout: 120_000 }, async () => {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const token = /"([^"]+)": \{role: triage/.exec(readFileSync(join(ws, '.steward/config.yaml'), 'utf8'))?.[1];
  assert.ok(token, 'init wrote a triage token');
  const repo = makeRepo();
  commitOnBranch(repo, 'steward/1-notes', { 'NOTES.md': 'release notes\n' }, 'notes');
  const store = openStore(join(ws, '.steward/queue.db'));
  const ctx = { now: Date.now(), actor: 'test' };
  addTask(store, { title: 'write the notes', agent: 'nobody', review: true }, ctx);
  const c = claimTask(store, { agent: 'nobody' }, ctx) as { task: { id: number }; run: { id: number } };
  completeRun(store, { run_id: c.run.id, summary: 'wrote them' }, ctx);
  store.tx(() => store.branches.put({ task_id: c.task.id, repo, branch: 'steward/1-notes', base: 'main', state: 'open', worktree: null, files: [], conflict: [], merged_commit: null, updated_at: ctx.now }));
  store.close();

  // A git that holds the review's patch (`diff --no-color`) until the test releases it; every other call runs at once.
  // The hold gives up after a while (a safety bound, and the sign that nothing else was answered meanwhile).
  const hold = tempDir('steward-git-hold-');
  const realGit = execFileSyncCapped('sh', ['-c', 'command -v git']).trim();
  writeFileSync(join(hold, 'git'), `#!/bin/sh
for a in "$@"; do [ "$a" = "--no-color" ] && held=1; done
if [ -n "$held" ]; then
  : > "${hold}/held"
  i=0; while [ ! -e "${hold}/release" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
  [ -e "${hold}/release" ] || : > "${hold}/gave-up"
fi
exec "${realGit}" "$@"
`);
  chmodSync(join(hold, 'git'), 0o755);

  const up = tracked(spawn(process.execPath, [CLI, 'up', '--port', '0', '--dir', ws], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEWARD_DIR: '', PATH: `${hold}:${process.env.PATH}` } }));
  let log = '';
  up.stderr!.on('data', (chunk) => (log += String(chunk)));
  up.stdout!.on('data', (chunk) => (log += String(chunk)));
  try {
    const base = await waitFor('the board URL', () => /web +(http:\/\/\S+?)\/ /.exec(log)?.[1]);
    const page = fetch(`${base}/`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, text: await r.text() }));
    await waitFor('the review\'s git diff to start', () => (existsSync(join(hold, 'held')) ? true : undefined));
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(existsSync(join(hold, 'gave-up')), false, '/healthz was answered while the diff ran, not after it');
    writeFileSync(join(hold, 'release'), '');
    const shown = await page;
    assert.equal(shown.status, 200);
    assert.match(shown.text, /diff steward\/1-notes against main: 1 file\(s\), \+1 −0/);
    assert.match(shown.text, /\+release notes/);
  } finally {
    up.kill('SIGTERM');
    await exited(up, 'steward up');
  }
});

test('taskDiffAsync answers what taskDiff does, a long patch cut at maxBytes (its git stopped), multi-byte text included', async () => {
  const repo = makeRepo();
  commitOnBranch(repo, 'steward/2-big', { 'big.txt': 'é€😀 line\n'.repeat(200_000), 'small.txt': 'small\n' }, 'big');
  const store = tempStore();
  try {
    const id = addTask(store, { title: 'big', agent: 'nobody' }, { now: 1, actor: 'test' }).task.id;
    store.tx(() => store.branches.put({ task_id: id, repo, branch: 'steward/2-big', base: 'main', state: 'open', worktree: null, files: [], conflict: [], merged_commit: null, updated_at: 1 }));
    for (const opts of [{ maxBytes: 20_000 }, { maxBytes: 20_000, patch: false }, { maxBytes: 10_000_000 }]) {
      const sync = taskDiff(store, id, opts);
      const async = await taskDiffAsync(store, id, opts);
      assert.deepEqual(async, sync, JSON.stringify(opts));
    }
    const cut = await taskDiffAsync(store, id, { maxBytes: 20_000 });
    assert.equal(cut.truncated, true);
    assert.equal(cut.patch!.length, 20_000);
    assert.deepEqual(cut.files.map((f) => [f.path, f.added]), [['big.txt', 200_000], ['small.txt', 1]]);
    await assert.rejects(taskDiffAsync(store, id + 1), { code: 'NOT_FOUND' });
    gitIn(repo, 'branch', '--quiet', '-D', 'steward/2-big');
    await assert.rejects(taskDiffAsync(store, id), { code: 'NOT_FOUND' });
  } finally {
    store.close();
  }
});
