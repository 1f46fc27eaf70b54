// `steward logs ID --follow` on a task that has not started waits for its first run, then follows it to the end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { afterEach, test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { capped, exited, killChildren, tracked } from './helpers/processes.js';
import { CLI, cli } from './support/helpers.js';
import { assertNothingLeft, fakeProfile, now, sandbox, writeConfig } from './support/runner.js';

afterEach(killChildren);

test('logs --follow waits for a task that has not started, then streams its run', async () => {
  const sb = sandbox();
  writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'slow', {}, { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '600' }) });
  const { task } = addTask(sb.store, { title: 'not started yet' }, now());
  const follower = tracked(spawn(process.execPath, [CLI, 'logs', String(task.id), '--follow', '--dir', sb.root], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  follower.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  follower.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // Work only once the follower says it is waiting: the order is fixed by what it printed, not by a delay.
  const following = `steward logs ${task.id} --follow`;
  await capped(new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (err.includes(`task #${task.id} is ready: waiting for its first run`)) {
        clearInterval(check);
        resolve();
      } else if (follower.exitCode !== null || follower.signalCode !== null) {
        clearInterval(check);
        reject(new Error(`the follower exited instead of waiting: ${err}`));
      }
    }, 50);
  }), `${following} to say it waits for the first run`, follower);
  const work = cli(['work', '--agent', 'coder', '--once'], { cwd: sb.root });
  assert.equal(work.code, 0, work.stderr);
  assert.deepEqual(await exited(follower, `${following} to exit once the run ended`), [0, null], err);
  assert.match(out, /fake-cli: tick 1\n/);
  assert.match(out, /=== run \d+ completed\n$/);
  await assertNothingLeft(sb);
});

test('logs without --follow on a task with no run is NOT_FOUND and says --follow waits', () => {
  const sb = sandbox();
  const { task } = addTask(sb.store, { title: 'idle' }, now());
  const r = cli(['logs', String(task.id)], { cwd: sb.root });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /has no runs yet \(--follow waits for one\)/);
});
