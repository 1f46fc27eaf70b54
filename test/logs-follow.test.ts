// `steward logs ID --follow` on a task that has not started waits for its first run, then follows it to the end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { capped, CHILD_CAP_MS, exited, killChildren, spawnSyncCapped, tracked } from './helpers/processes.js';
import { CLI, cli } from './support/helpers.js';
import { assertNothingLeft, fakeProfile, now, runningRun, sandbox, writeConfig } from './support/runner.js';

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

test('logs on a run whose log is a FIFO or a folder says it cannot be read, without blocking on the FIFO', () => {
  const { sb, task, path } = runningRun('odd log');
  assert.equal(spawnSyncCapped('mkfifo', [path]).status, 0);
  // A plain read of a FIFO waits for a writer that never comes: the cap only ends a hang, the verdict is the output.
  const fifo = cli(['logs', String(task)], { cwd: sb.root, timeoutMs: CHILD_CAP_MS });
  assert.equal(fifo.code, 3, fifo.stderr);
  assert.match(fifo.stderr, /log at .* cannot be read: not a regular file/);
  rmSync(path);
  mkdirSync(path);
  const folder = cli(['logs', String(task)], { cwd: sb.root });
  assert.equal(folder.code, 3, folder.stderr);
  assert.match(folder.stderr, /cannot be read: not a regular file/);
});

test('logs prints the log file byte for byte, as --follow does: output that is not UTF-8 is not turned into U+FFFD', () => {
  const { sb, task, path } = runningRun('latin-1 output');
  const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x00, 0xff, 0xfe, 0x0a]); // "café" in Latin-1, a NUL, two stray bytes
  writeFileSync(path, bytes);
  const r = spawnSyncCapped(process.execPath, [CLI, 'logs', String(task), '--dir', sb.root]);
  assert.equal(r.status, 0, String(r.stderr));
  assert.deepEqual(r.stdout, bytes);
  const json = cli(['logs', String(task), '--json'], { cwd: sb.root });
  assert.equal(json.json.log, bytes.toString('utf8'), '--json carries the text (JSON holds no raw bytes)');
});
