// A stop that comes after the CLI exited on its own (before its exit was read) stopped nothing: its result stands.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readProcStat } from '../src/runner/process-group.js';
import { superviseProcess } from '../src/runner/supervise.js';

describe('an abort after the CLI exited', () => {
  test('the CLI ended as its exit says (its output kept), not "aborted"', async () => {
    const stop = new AbortController();
    let pid = 0;
    const ended = superviseProcess({
      file: 'sh', args: ['-c', 'echo final result'], cwd: process.cwd(), env: process.env, timeoutMs: 120_000, graceMs: 1000,
      signal: stop.signal, onStart: (p) => (pid = p),
    });
    // The event loop is held here, so the exit is not read yet: the child stays a zombie until we let go.
    while (readProcStat(pid)?.state !== 'Z');
    // The run stops being ours now (cancelled, reaped): the babysitter's liveness poll aborts.
    stop.abort({ kind: 'lease_lost', why: 'cancelled' });
    const r = await ended;
    assert.deepEqual([r.ended, r.exitCode, r.signal, r.stdout], ['exit', 0, null, 'final result\n']);
    assert.deepEqual(r.abortReason, { kind: 'lease_lost', why: 'cancelled' });
  });

  test('an abort while the CLI still runs stops it: "aborted"', async () => {
    const stop = new AbortController();
    const ended = superviseProcess({
      file: 'sh', args: ['-c', 'echo started; exec sleep 600'], cwd: process.cwd(), env: process.env, timeoutMs: 120_000, graceMs: 1000,
      signal: stop.signal, onOutput: () => stop.abort({ kind: 'lease_lost', why: 'cancelled' }),
    });
    const r = await ended;
    assert.deepEqual([r.ended, r.signal], ['aborted', 'SIGTERM']);
  });
});
