// `steward work --agent A --wait` (issue 22): an idle worker waits for work instead of exiting, and claims the task added
// after it went idle. On Postgres it is the NOTIFY of the `add` that wakes it: its poll is a day, far beyond the test's
// safety limit. On SQLite it polls. A stop signal while idle ends it cleanly (exit 0). Real processes, never timed.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { onPostgres } from './support/backend.js';
import { cli, tempDir } from './support/helpers.js';
import { killStarted, start, until, type Proc } from './support/remote.js';

afterEach(killStarted);

function workspace(): string {
  const root = tempDir('steward-work-wait-');
  const { workspace: ws } = initWorkspace(root);
  // The agent: a process that leaves a file named after its task, then exits 0.
  const script = "require('fs').writeFileSync(require('path').join(process.env.MARKS, 'started-' + process.env.STEWARD_TASK_ID), 'x')";
  const raw = { dispatch: 'none', agents: { coder: { cli: 'command', command: [process.execPath, '-e', script], env: { MARKS: root }, leaseSeconds: 60 } } };
  writeFileSync(ws.configPath, JSON.stringify(raw, null, 2));
  openStore(ws.dbPath).close(); // the queue (on Postgres: the workspace's schema)
  return root;
}

/** Lines saying the worker went idle; a worker that ended fails the wait at once, with its output. */
function waitingLines(worker: Proc): number {
  if (worker.child.exitCode !== null) throw new Error(`the worker exited ${worker.child.exitCode}: ${worker.err()}${worker.out()}`);
  return worker.err().split('\n').filter((l) => l.includes('waiting for work')).length;
}

test('an idle `work --wait` worker claims a task added after it went idle, and a stop signal while idle ends it with exit 0', { timeout: 300_000 }, async () => {
  const root = workspace();
  // On Postgres a day between polls: only the NOTIFY can wake it within the test's safety limit.
  const poll = onPostgres ? '86400' : '1';
  const worker = start(['work', '--agent', 'coder', '--wait', '--poll-seconds', poll, '--json'], root);
  await until('the worker idle', () => waitingLines(worker) >= 1);
  assert.match(worker.err(), onPostgres ? /LISTEN on the queue's channel, polling every 86400 s/ : /polling every 1 s/);

  const added = cli(['add', 'work for the idle worker', '--json'], { cwd: root });
  assert.equal(added.code, 0, added.stderr);
  const id = added.json.task.id as number;
  await until(`the agent of task #${id}`, () => existsSync(join(root, `started-${id}`)));
  // The run recorded, the worker is idle again (a second "waiting" line), still running.
  await until('the worker idle again', () => waitingLines(worker) >= 2);
  assert.equal(worker.child.exitCode, null);
  const shown = cli(['show', String(id), '--json'], { cwd: root });
  assert.equal(shown.code, 0, shown.stderr);
  assert.notEqual(shown.json.task.status, 'ready');

  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.err());
  const out = JSON.parse(worker.out());
  assert.equal(out.stopped, 'stopped');
  assert.equal(out.runs.length, 1);
  assert.equal(out.runs[0].task_id, id);
  assert.doesNotMatch(worker.err(), /LISTEN .* lost/);
});

test('SIGINT ends an idle worker that never ran anything with exit 0; --poll-seconds goes with --wait', { timeout: 300_000 }, async () => {
  const root = workspace();
  const worker = start(['work', '--agent', 'coder', '--wait', '--json'], root);
  await until('the worker idle', () => waitingLines(worker) >= 1);
  worker.child.kill('SIGINT');
  assert.equal(await worker.exited, 0, worker.err());
  assert.deepEqual(JSON.parse(worker.out()), { runs: [], stopped: 'stopped' });

  const bad = cli(['work', '--agent', 'coder', '--poll-seconds', '5'], { cwd: root });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /USAGE: --poll-seconds goes with --wait/);
  const zero = cli(['work', '--agent', 'coder', '--wait', '--poll-seconds', '0'], { cwd: root });
  assert.notEqual(zero.code, 0);
  assert.match(zero.stderr, /poll-seconds/);
});
