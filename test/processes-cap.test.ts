// The cap on a test's wait for a child process (test/helpers/processes.ts) can fail: a child that never exits makes the
// capped wait reject with what it waited for and the child's stderr, and leaves no process of its group behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, test } from 'node:test';
import { REPO_ROOT } from './support/helpers.js';
import { capped, execFileSyncCapped, exited, isAlive, killChildren, spawnSyncCapped, syncCapped, tracked, waitFor, waitGone } from './helpers/processes.js';

afterEach(killChildren);

/** A node child that starts a grandchild in its own process group, says both pids on stderr, and never exits. */
function neverEnding(detached: boolean) {
  const code = `const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    process.stderr.write('hanging on purpose, grandchild ' + g.pid + '\\n');
    setInterval(() => {}, 1 << 30);`;
  const child = tracked(spawn(process.execPath, ['-e', code], { detached, stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, grandchild: () => waitFor('the grandchild pid', () => Number(/grandchild (\d+)/.exec(err)?.[1]) || undefined) };
}

test('a capped wait on a child that never exits rejects, naming the wait and quoting its stderr; its group is gone', async () => {
  const { child, grandchild } = neverEnding(true);
  const g = await grandchild(); // the stderr line is there before the cap starts: the short cap bounds work, not speed
  // Only this test of the helper itself uses a short cap; every other wait gets CHILD_CAP_MS.
  await assert.rejects(exited(child, 'steward work --run 7 (the never-ending child)', 200), (e: Error) => {
    assert.match(e.message, /^steward work --run 7 \(the never-ending child\): still waiting after 0\.2 s/);
    assert.match(e.message, new RegExp(`pid ${child.pid} and its process group killed`));
    assert.match(e.message, /its stderr ends:\nhanging on purpose, grandchild \d+\n$/);
    return true;
  });
  await waitGone(child.pid!);
  await waitGone(g);
});

test('capped names a wait given as a function at the time it fails, and says when stderr was not captured', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  let state = 'starting';
  const never = new Promise<void>(() => {});
  const wait = capped(never, () => `run 3 (${state})`, child, 200);
  state = 'running';
  await assert.rejects(wait, /^Error: run 3 \(running\): still waiting after 0\.2 s .*its stderr was not captured/);
  await waitGone(child.pid!);
});

test('capped returns what the wait returns when it settles first, and passes its rejection on', async () => {
  assert.equal(await capped(Promise.resolve(42), 'an answer'), 42);
  await assert.rejects(capped(Promise.reject(new Error('its own failure')), 'a failure'), /^Error: its own failure$/);
  const child = tracked(spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }));
  assert.deepEqual(await exited(child, 'node exiting 3'), [3, null]);
  // Asked again after the exit (the event is long gone): the same answer, at once.
  assert.deepEqual(await exited(child, 'node exiting 3'), [3, null]);
});

test('killChildren kills what the test left running: a group leader with its grandchild, and a child in our group', async () => {
  const leader = neverEnding(true);
  const plain = neverEnding(false);
  const leaderGrandchild = await leader.grandchild();
  const plainGrandchild = await plain.grandchild();
  killChildren();
  await waitGone(leader.child.pid!);
  await waitGone(leaderGrandchild);
  await waitGone(plain.child.pid!);
  // A child in the test's own group has no group of its own to kill: its grandchild is orphaned, so end it here.
  assert.equal(isAlive(plainGrandchild), true);
  process.kill(plainGrandchild, 'SIGKILL');
  await waitGone(plainGrandchild);
});

test('syncCapped throws once its cap killed a spawnSync child, naming the wait and quoting its stderr', () => {
  const hang = ['-e', "process.stderr.write('hanging on purpose\\n'); setInterval(() => {}, 1 << 30)"];
  // A short cap for this helper test only, doubled until the child had written its line first (work, not speed).
  let message = '';
  for (let ms = 250; ms <= 64_000 && !message.endsWith('ends:\nhanging on purpose\n'); ms *= 2) {
    const cap = ms;
    assert.throws(() => syncCapped('a node that never exits', (o) => spawnSync(process.execPath, hang, { encoding: 'utf8', ...o }), cap), (e: Error) => {
      message = e.message;
      return true;
    });
    assert.match(message, new RegExp(`^a node that never exits: still waiting after ${cap / 1000} s \\(a safety cap against a hang\\); pid \\d+ killed; its stderr `));
  }
  assert.match(message, /its stderr ends:\nhanging on purpose\n$/);
  const pid = Number(/pid (\d+) killed/.exec(message)![1]);
  assert.equal(isAlive(pid), false, 'spawnSync returned only once the child was dead and reaped');
  // Within the cap it is the plain result.
  assert.equal(syncCapped('node exiting 3', (o) => spawnSync(process.execPath, ['-e', 'process.exit(3)'], o)).status, 3);
});

test('spawnSyncCapped and execFileSyncCapped: a hang at the cap throws naming the command; execFileSyncCapped also names a failed exit with its stderr', () => {
  // The cap this helper test uses is short on purpose; the message is what it checks, not when it comes.
  const hang = ['-e', 'setInterval(() => {}, 1 << 30)'];
  assert.throws(() => spawnSyncCapped(process.execPath, hang, { encoding: 'utf8' }, 250),
    (e: Error) => e.message.startsWith(`${process.execPath} -e "setInterval(() => {}, 1 << 30)": still waiting after 0.25 s (a safety cap against a hang); pid `));
  assert.throws(() => execFileSyncCapped(process.execPath, hang, {}, 250), /: still waiting after 0\.25 s \(a safety cap against a hang\)/);
  // Within the cap: spawnSync's own result, and execFileSync's stdout or a failure naming the command.
  const r = spawnSyncCapped(process.execPath, ['-e', 'process.stdout.write("out"); process.exit(3)'], { encoding: 'utf8' });
  assert.deepEqual([r.status, r.stdout], [3, 'out']);
  assert.equal(execFileSyncCapped(process.execPath, ['-e', 'process.stdout.write("fine")']), 'fine');
  assert.throws(() => execFileSyncCapped(process.execPath, ['-e', 'process.stderr.write("broken\\n"); process.exit(4)']),
    (e: Error) => (e.message.startsWith(`${process.execPath} -e "process.stderr.write(`) && /: exit 4; its stderr ends:\nbroken\n$/.test(e.message)) || assert.fail(e.message));
  assert.throws(() => execFileSyncCapped('/nonexistent/steward-test-binary', []), { message: '/nonexistent/steward-test-binary: spawnSync /nonexistent/steward-test-binary ENOENT' });
});

/** The TypeScript files under `dir`, recursively (fixtures included: they are run too). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no test runs a synchronous child outside the cap: every spawnSync/execSync/execFileSync call in test/ spreads the cap into its options', () => {
  const raw: string[] = [];
  let calls = 0;
  for (const file of sources(join(REPO_ROOT, 'test'))) {
    const name = relative(REPO_ROOT, file);
    if (name === join('test', 'helpers', 'processes.ts')) continue; // where the cap is applied
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(spawnSync|execSync|execFileSync)\(/g)) {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      const line = text.slice(lineStart, text.indexOf('\n', m.index));
      if (/^\s*(\/\/|\*)/.test(line) || /^import /.test(line)) continue;
      // The call's arguments, to its closing parenthesis.
      let depth = 0;
      let end = m.index + m[0].length - 1;
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++;
        else if (text[end] === ')' && --depth === 0) break;
      }
      calls++;
      // Given syncCapped's options: `...cap` (or `o`, the name processes-cap's own checks give them).
      if (!/\.\.\.(cap|o)\b|, o\)$/.test(text.slice(m.index, end + 1))) raw.push(`${name}:${text.slice(0, m.index).split('\n').length}: ${line.trim()}`);
    }
  }
  assert.ok(calls >= 5, `found ${calls} calls: the scan itself works`);
  assert.deepEqual(raw, [], 'use spawnSyncCapped / execFileSyncCapped (test/helpers/processes.ts), or syncCapped with ...cap');
});
