// Stall = no output from a CLI that streams events (Claude stream-json, Codex and opencode JSONL), whatever its CPU does.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getAdapter } from '../src/core/adapters/index.js';
import { superviseProcess } from '../src/runner/supervise.js';
import { workRun } from '../src/runner/work.js';
import { tempDir } from './support/helpers.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakeProfile, runOf, sandbox, taskOf } from './support/runner.js';

describe('stall detection per adapter', () => {
  for (const cli of ['claude', 'codex', 'opencode']) {
    test(`${cli} (streams events): busy CPU and no output → stalled`, async () => {
      const sb = sandbox();
      const config = configOf({ coder: fakeProfile(sb, cli, 'busy', { timeoutSeconds: 600, stallSeconds: 1 }) });
      const { task, run } = addAndClaim(sb);
      const r = await workRun(depsOf(sb, config), run.id);
      assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['failed', 'stalled', 'ready', 1]);
      assert.match(runOf(sb, run.id).error!, /^stalled: no output for 1 s/);
      await assertNothingLeft(sb);
    });
  }

});

// The start-up allowance: a CLI that prints nothing while it starts (opencode, Gemini CLI, Qwen Code on a loaded
// machine) is not stalled before its first output unless it stays silent for max(stallSeconds, startSeconds).
describe('start-up allowance (startSeconds)', () => {
  const silentThenPrint = ['-c', 'sleep 3; echo started; exec sleep 600'];

  test('before its first output the stall limit is startMs; after it, stallMs', async () => {
    const r = await superviseProcess({ file: 'sh', args: silentThenPrint, cwd: process.cwd(), env: process.env, timeoutMs: 120_000, stallMs: 500, startMs: 60_000, stallOn: 'output', graceMs: 1000 });
    assert.equal(r.ended, 'stalled');
    assert.equal(r.stdout, 'started\n', 'it was not stopped during its silent start');
    assert.ok(r.firstOutputMs !== undefined && r.firstOutputMs >= 2500, `first output at ${r.firstOutputMs} ms`);
  });

  test('without startMs the stall clock runs from the start (the silent start is a stall)', async () => {
    // Silent until a file no one writes: stalled whenever the stall check comes (with the 3 s silence above, a machine
    // that starved the check for 2.5 s saw it print first).
    const silentForever = ['-c', `while [ ! -e '${join(tempDir(), 'never')}' ]; do sleep 0.05; done; echo started; exec sleep 600`];
    const r = await superviseProcess({ file: 'sh', args: silentForever, cwd: process.cwd(), env: process.env, timeoutMs: 120_000, stallMs: 500, stallOn: 'output', graceMs: 1000 });
    assert.equal(r.ended, 'stalled');
    assert.equal(r.stdout, '');
    assert.equal(r.firstOutputMs, undefined);
  });

  test('a CLI silent past its startSeconds is stalled, and the error names the allowance', async () => {
    const sb = sandbox();
    const config = configOf({ coder: { cli: 'command', command: ['sh', '-c', 'exec sleep 600', '{prompt}'], timeoutSeconds: 600, stallSeconds: 1, startSeconds: 2, leaseSeconds: 30 } });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['failed', 'stalled', 'ready', 1]);
    assert.match(runOf(sb, run.id).error!, /^stalled: no output and no CPU use for 2 s since it started \(its start-up allowance, startSeconds\)/);
    await assertNothingLeft(sb);
  });

  test('opencode, Gemini CLI and Qwen Code have a start-up allowance of their own; the profile overrides it', () => {
    for (const cli of ['opencode', 'gemini', 'qwen']) assert.equal(getAdapter(cli).startSeconds, 120, cli);
    assert.equal(getAdapter('claude').startSeconds, undefined);
    assert.equal(configOf({ coder: { cli: 'opencode', startSeconds: 30 } }).agents.coder!.startSeconds, 30);
    assert.throws(() => configOf({ coder: { cli: 'opencode', startSeconds: 0 } }));
  });
});

// The babysitter itself not running for a while (a starved machine, a laptop asleep): what the CLI printed meanwhile
// waits in the pipe, and the stall check (a timer) runs before the pipe is read. The time nobody watched is not the
// CLI's silence.
describe('a stall check that comes late', () => {
  test('a CLI printing all along is not stalled when this process was blocked for longer than the stall limit', async () => {
    // Prints every 0.1 s for ~10 s of work; this thread is blocked for 5 s from 0.3 s on (the stall limit is 2 s).
    const printing = ['-c', 'i=0; while [ $i -lt 100 ]; do echo line $i; sleep 0.1; i=$((i+1)); done'];
    // Blocked from a setImmediate, not from the timer: the loop's next turn then runs its due timers (the stall check)
    // before it polls the pipe, as after a sleep (a block inside a timer callback lets the poll phase come first).
    const blocked = new Promise<void>((resolve) =>
      setTimeout(() =>
        setImmediate(() => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
          resolve();
        }), 300),
    );
    const r = await superviseProcess({ file: 'sh', args: printing, cwd: process.cwd(), env: process.env, timeoutMs: 600_000, stallMs: 2000, stallOn: 'output', graceMs: 1000 });
    await blocked;
    assert.equal(r.ended, 'exit', `ended ${r.ended} after ${r.stdout.split('\n').length - 1} lines`);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /line 99\n$/);
  });
});
