import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_CLI_PATH, readSample } from './helpers/fixtures.js';
import { exitOnceAwaited, isAlive, killChildren, pidsIn, spawnSyncCapped, tracked, waitFor, waitGone } from './helpers/processes.js';

afterEach(killChildren);

interface Started {
  child: ChildProcess;
  pidFile: string;
  output: { stdout: string; stderr: string };
  closed: PromiseLike<[number | null, NodeJS.Signals | null]>;
}

// Starts the fake CLI as its own process group leader (detached), as the babysitter will.
function start(env: Record<string, string>): Started {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'steward-kill-')), 'pid');
  const child = tracked(spawn(FAKE_CLI_PATH, ['-p', 'x'], {
    env: { ...process.env, FAKE_PID_FILE: pidFile, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  }));
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const closed = exitOnceAwaited(child, `the fake CLI ${JSON.stringify(env)} (pid ${child.pid}) to close its output`, 'close');
  return { child, pidFile, output, closed };
}

const firstLine = (name: string): string => `${readSample(name).split('\n')[0]}\n`;

/** Waits until the fake has written `line` to stderr `count` times; fails at once if it exits first. */
async function answered(s: Started, line: string, count: number): Promise<void> {
  await waitFor(`${count} × "${line}"`, () => {
    if (s.output.stderr.split('\n').filter((l) => l === line).length >= count) return true;
    if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`the fake exited (${s.child.exitCode ?? s.child.signalCode}) before "${line}" × ${count}; stderr: ${s.output.stderr}`);
    return undefined;
  });
}

test('hang: prints a line, stays up, dies to SIGKILL on its group', async () => {
  const s = start({ FAKE_CLI: 'codex', FAKE_MODE: 'hang' });
  const [pid] = await waitFor('pid file', () => pidsIn(s.pidFile, 1));
  assert.equal(pid, s.child.pid);
  await waitFor('first line', () => (s.output.stdout ? true : undefined));
  assert.equal(s.output.stdout, firstLine('codex-exec.jsonl'));
  // Still running after its line: it answers a ping (a fake that exited after the line could not), and only the
  // SIGKILL ends it (its own exit would have no signal).
  process.kill(pid, 'SIGUSR2');
  await answered(s, 'fake-cli: still here', 1);
  assert.equal(isAlive(pid), true);
  process.kill(-pid, 'SIGKILL');
  assert.deepEqual(await s.closed, [null, 'SIGKILL']);
  await waitGone(pid);
});

test('ignore_sigterm: survives SIGTERM to its group, dies to SIGKILL', async () => {
  const s = start({ FAKE_CLI: 'claude', FAKE_MODE: 'ignore_sigterm' });
  const [pid] = await waitFor('pid file', () => pidsIn(s.pidFile, 1));
  await waitFor('first line', () => (s.output.stdout ? true : undefined));
  process.kill(-pid, 'SIGTERM');
  await answered(s, 'fake-cli: ignoring SIGTERM', 1);
  // It survived that SIGTERM: a second one is noticed too (a fake that died of the first could not), bound by that
  // answer rather than by a pause.
  process.kill(-pid, 'SIGTERM');
  await answered(s, 'fake-cli: ignoring SIGTERM', 2);
  assert.equal(isAlive(pid), true);
  process.kill(-pid, 'SIGKILL');
  assert.deepEqual(await s.closed, [null, 'SIGKILL']);
  await waitGone(pid);
});

test('grandchild: SIGKILL to the group takes the grandchild too; no process is left', async () => {
  const s = start({ FAKE_CLI: 'gemini', FAKE_MODE: 'grandchild' });
  const [pid, grandchild] = await waitFor('both pids', () => pidsIn(s.pidFile, 2));
  assert.equal(pid, s.child.pid);
  assert.notEqual(grandchild, pid);
  await waitFor('grandchild line', () => (s.output.stdout.includes(`started grandchild ${grandchild}`) ? true : undefined));
  assert.equal(isAlive(grandchild), true);
  const group = spawnSyncCapped('ps', ['-o', 'pgid=', '-p', String(grandchild)], { encoding: 'utf8' });
  if (group.status === 0) assert.equal(Number(group.stdout.trim()), pid);
  process.kill(-pid, 'SIGKILL');
  // The grandchild holds the stdout pipe: 'close' only comes once it is dead too.
  assert.deepEqual(await s.closed, [null, 'SIGKILL']);
  await waitGone(pid);
  await waitGone(grandchild);
  assert.throws(() => process.kill(grandchild, 0), { code: 'ESRCH' });
});

test('grandchild: killing only the leader leaves the grandchild running (why groups matter)', async () => {
  const s = start({ FAKE_CLI: 'command', FAKE_MODE: 'grandchild' });
  const [pid, grandchild] = await waitFor('both pids', () => pidsIn(s.pidFile, 2));
  process.kill(pid, 'SIGKILL');
  await waitGone(pid);
  try {
    assert.equal(isAlive(grandchild), true);
  } finally {
    process.kill(-pid, 'SIGKILL');
    await s.closed;
    await waitGone(grandchild);
  }
});
