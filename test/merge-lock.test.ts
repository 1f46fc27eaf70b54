// One merge at a time on a host (src/git/merge-lock.ts): the tick's merge step, a babysitter's merge after its run and
// `steward approve` each run git in the person's checkout of the base. Two babysitters whose runs ended together
// fast-forwarded one checkout together, and one left its branch's new file behind there, untracked, and blocked its
// task on it (seen with two real Claude Code runs in e2e/parallel.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { mergeLockKey, MERGE_LOCK_MS } from '../src/git/merge-lock.js';
import { mergeQueued } from '../src/git/merge-task.js';
import { addTask, approveTask, claimTask } from '../src/ops/index.js';
import { babysitRun } from '../src/runner/babysit.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { acquireMetaLock, releaseTickLock } from '../src/tick/tick-lock.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { killChildren, tracked, waitFor } from './helpers/processes.js';
import { fileAt, gitIn, makeRepo } from './support/git-repo.js';
import { depsOf, fakeProfile, now, sandbox, taskOf, writeConfig, type Sandbox } from './support/runner.js';

afterEach(killChildren);

function setup() {
  const sb = sandbox();
  const repo = makeRepo();
  const config = writeConfig(sb, { coder: fakeProfile(sb, 'command', 'success', { timeoutSeconds: 600, stallSeconds: 600 }, { FAKE_WRITE: JSON.stringify({ 'file-{task_id}.txt': 'task {task_id}\n' }) }) }, {
    dispatch: 'none',
    projects: { app: { workdir: repo } },
  });
  return { sb, repo, config };
}

const add = (sb: Sandbox, review: boolean) => addTask(sb.store, { title: `change ${review ? 'reviewed' : 'unreviewed'}`, project: 'app', type: 'code', review }, now()).task;
const claim = (sb: Sandbox) => {
  const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
  assert.ok(c.task, 'expected a claimable task');
  return c;
};

describe('the merge lock', () => {
  test('held by another process: the tick merges nothing and the task stays queued; let go, the next tick merges it', async () => {
    const { sb, repo, config } = setup();
    const t = add(sb, true);
    const c = claim(sb);
    await babysitRun(depsOf(sb, config), c.run, c.task);
    approveTask(sb.store, { id: t.id }, now());
    const tick = () => tickOnce({ store: sb.store, ctx: now('tick'), config, hooks: buildTickHooks({ workspace: sb.ws, config }) });
    const held = acquireMetaLock(sb.store, mergeLockKey(), 'another-process:1:0', Date.now(), MERGE_LOCK_MS);
    assert.ok('lock' in held);
    assert.equal(tick().dispatch?.merges, undefined, 'no merge while another process merges');
    assert.equal(taskOf(sb, t.id).status, 'review');
    assert.equal(fileAt(repo, 'main', `file-${t.id}.txt`), null);
    releaseTickLock(sb.store, held.lock);
    assert.deepEqual((tick().dispatch?.merges as Array<{ status: string }>).map((m) => m.status), ['merged']);
    assert.equal(taskOf(sb, t.id).status, 'done');
    assert.equal(gitIn(repo, 'status', '--porcelain'), '');
  });

  test('nothing queued: no lock is taken (a tick with nothing to merge writes nothing for it)', () => {
    const { sb, config } = setup();
    add(sb, true);
    const held = acquireMetaLock(sb.store, mergeLockKey(), 'another-process:1:0', Date.now(), MERGE_LOCK_MS);
    assert.ok('lock' in held);
    const told: string[] = [];
    const deps = { store: sb.store, config, workspace: sb.ws, ctx: () => now('tick') };
    assert.deepEqual(mergeQueued(deps, undefined, { onBusy: (h) => told.push(h.owner) }), []);
    assert.deepEqual(told, [], 'the busy lock was never asked for');
    releaseTickLock(sb.store, held.lock);
  });

  test('a babysitter whose run ends during another merge waits for it, says so in the run log, then merges', { timeout: 600_000 }, async () => {
    const { sb, repo, config } = setup();
    // Another process holds the lock until the run's log says the babysitter waits (the babysitter's wait is
    // synchronous: nothing in this process could let go meanwhile).
    const held = join(sb.root, 'held');
    const holder = tracked(spawn(process.execPath, ['--input-type=module', '-e', `
      import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
      const { openStore } = await import(${JSON.stringify(new URL('../src/store/open-store.js', import.meta.url).href)});
      const { acquireMetaLock, releaseTickLock } = await import(${JSON.stringify(new URL('../src/tick/tick-lock.js', import.meta.url).href)});
      const { mergeLockKey, MERGE_LOCK_MS } = await import(${JSON.stringify(new URL('../src/git/merge-lock.js', import.meta.url).href)});
      const store = openStore(${JSON.stringify(sb.ws.dbPath)});
      const got = acquireMetaLock(store, mergeLockKey(), 'holder:' + process.pid + ':0', Date.now(), MERGE_LOCK_MS);
      if (!('lock' in got)) process.exit(3);
      writeFileSync(${JSON.stringify(held)}, 'held');
      const logs = ${JSON.stringify(join(sb.ws.stewardDir, 'logs'))};
      const waiting = () => existsSync(logs) && readdirSync(logs).some((f) => readFileSync(logs + '/' + f, 'utf8').includes('waiting for'));
      while (!waiting()) await new Promise((r) => setTimeout(r, 20));
      writeFileSync(${JSON.stringify(held)}, 'released');
      releaseTickLock(store, got.lock);
      store.close();
    `], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await waitFor('the other process holds the merge lock', () => (existsSync(held) ? true : undefined));
    const t = add(sb, false);
    const c = claim(sb);
    const r = await babysitRun(depsOf(sb, config), c.run, c.task);
    assert.deepEqual([r.status, taskOf(sb, t.id).status], ['completed', 'done']);
    assert.equal(readFileSync(held, 'utf8'), 'released');
    assert.match(readFileSync(r.log_path, 'utf8'), /git: waiting for another process's merge \(holder:\d+:0\)[\s\S]*git: merged at/);
    assert.equal(fileAt(repo, 'main', `file-${t.id}.txt`), `task ${t.id}\n`);
    assert.equal(gitIn(repo, 'status', '--porcelain'), '');
    await new Promise((resolve) => (holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve)));
    assert.equal(holder.exitCode, 0);
  });
});
