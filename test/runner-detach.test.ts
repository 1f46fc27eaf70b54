// `steward work --run N` from a shell only waits on a detached babysitter: killing it (as OpenClaw's exec does at its
// timeout) never loses the run. Runs handed to OpenClaw keep a short hand-off lease until their babysitter starts.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { dispatchLocal } from '../src/runner/dispatch.js';
import { waitRun } from '../src/runner/wait-run.js';
import { workRun } from '../src/runner/work.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { isAlive, waitFor, waitGone } from './helpers/processes.js';
import { CLI } from './support/helpers.js';
import { configOf, depsOf, fakeProfile, now, runOf, sandbox, taskOf, writeConfig, type Sandbox } from './support/runner.js';

/** A profile whose "CLI" writes its pid, then waits for the file GO before it succeeds: the test decides when it ends. */
function gatedProfile(sb: Sandbox) {
  const script = `echo $$ >> '${sb.pidFile}'; while [ ! -e '${join(sb.root, 'GO')}' ]; do sleep 0.05; done; echo finished`;
  return { cli: 'command', command: ['sh', '-c', script], leaseSeconds: 30, env: { FAKE_PID_FILE: sb.pidFile } };
}

interface Waiter {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** `steward work --run N` as OpenClaw's exec starts it: a shell command in its own process group. */
function startWaiter(sb: Sandbox, runId: number): Waiter {
  const child = spawn(process.execPath, [CLI, 'work', '--run', String(runId), '--dir', sb.root], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, STEWARD_DIR: '', STEWARD_POLL_MS: '100' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  return { child, out: () => out, err: () => err, exited };
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function handOff(sb: Sandbox) {
  addTask(sb.store, { title: 'long work' }, now());
  const config = writeConfig(sb, { coder: gatedProfile(sb) }, { dispatch: 'openclaw' });
  const report = dispatchLocal({ store: sb.store, ctx: now('tick'), workspace: sb.ws, config, handOff: true });
  assert.equal(report.handoff.length, 1);
  return report.handoff[0]!;
}

describe('steward work --run N waits on a detached babysitter', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`${signal} to the waiter's process group (exec's timeout) leaves the run running; it completes`, async () => {
      const sb = sandbox();
      const h = handOff(sb);
      const waiter = startWaiter(sb, h.run);
      const [cliPid] = await waitFor('the CLI started', () => {
        try {
          const pids = readFileSync(sb.pidFile, 'utf8').trim().split('\n').map(Number).filter((n) => n > 0);
          return pids.length ? pids : undefined;
        } catch {
          return undefined;
        }
      }, 60_000);
      const babysitter = runOf(sb, h.run).pid!;
      assert.notEqual(babysitter, waiter.child.pid, 'the babysitter is another process');
      assert.notEqual(parentOf(babysitter), waiter.child.pid, 'and not the waiter\'s child: a kill of its process tree cannot reach it');
      process.kill(-waiter.child.pid!, signal);
      const [code, by] = await waiter.exited;
      assert.equal(code ?? by, signal === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL');
      assert.ok(isAlive(babysitter) && isAlive(cliPid!), 'the babysitter and its CLI live on');
      assert.equal(runOf(sb, h.run).status, 'running');
      // The sub-agent (or a person) runs the same command again: it adopts the babysitter instead of starting another.
      const again = startWaiter(sb, h.run);
      await waitFor('the second waiter adopted it', () => (again.err().includes(`waiting on the running babysitter, pid ${babysitter}`) ? true : undefined));
      writeFileSync(join(sb.root, 'GO'), '');
      assert.deepEqual(await again.exited, [0, null], again.err());
      assert.match(again.out(), new RegExp(`^run ${h.run} task #${h.task_id}: completed → task (review|done)   log: .+\\n$`));
      assert.deepEqual([runOf(sb, h.run).outcome, runOf(sb, h.run).pid], ['completed', babysitter]);
      await waitGone(babysitter);
    });
  }

  test('--here babysits in the process itself (what local dispatch starts); --here needs --run', async () => {
    const sb = sandbox();
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'success') });
    addTask(sb.store, { title: 'x' }, now());
    const report = dispatchLocal({ store: sb.store, ctx: now('tick'), workspace: sb.ws, config, handOff: true });
    const runId = report.handoff[0]!.run;
    const child = spawn(process.execPath, [CLI, 'work', '--run', String(runId), '--here', '--dir', sb.root], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(runOf(sb, runId).pid, child.pid, 'the run was babysat by that very process');
    const usage = spawn(process.execPath, [CLI, 'work', '--agent', 'coder', '--here', '--dir', sb.root], { stdio: 'ignore' });
    assert.equal(await new Promise<number | null>((resolve) => usage.on('exit', resolve)), 2);
  });
});

describe('waitRun', () => {
  test('a babysitter that leaves an expired run: lease_lost, not orphaned; one that dies on a live run: orphaned', async () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'a' }, now());
    addTask(sb.store, { title: 'b' }, now());
    const config = configOf({ coder: { cli: 'claude', maxConcurrent: 2 } });
    const claimed = dispatchLocal({ store: sb.store, ctx: now('tick'), workspace: sb.ws, config, handOff: true }).handoff;
    assert.equal(claimed.length, 2);
    // A "babysitter" that is gone at once; for the first run the lease ends meanwhile (a slow start).
    const gone = () => spawnSync(process.execPath, ['-e', '']).pid;
    const expired = await waitRun({ store: sb.store, workspace: sb.ws, pollMs: 20, start: () => {
      sb.store.db.prepare('UPDATE runs SET lease_expires_at = 1 WHERE id = ?').run(claimed[0]!.run);
      return gone();
    } }, claimed[0]!.run);
    assert.equal(expired.status, 'lease_lost');
    const orphan = await waitRun({ store: sb.store, workspace: sb.ws, pollMs: 20, start: gone }, claimed[1]!.run);
    assert.equal(orphan.status, 'orphaned');
  });
});

describe('the hand-off lease', () => {
  test('a handed-off run whose spawn never happens is reaped after handoffLeaseSeconds, not the profile lease', () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'never spawned' }, now());
    const config = configOf({ coder: { cli: 'claude', leaseSeconds: 300 } }, { dispatch: 'openclaw', handoffLeaseSeconds: 60 });
    const t0 = Date.now() + 1000;
    const ctx = { ...now('tick'), now: t0 };
    const [h] = dispatchLocal({ store: sb.store, ctx, workspace: sb.ws, config, handOff: true }).handoff;
    assert.equal(runOf(sb, h!.run).lease_expires_at, t0 + 60_000);
    const tick = (at: number) => tickOnce({ store: sb.store, ctx: { ...ctx, now: at }, hooks: {} });
    assert.deepEqual(tick(t0 + 59_000).reaped ?? [], [], 'still within the hand-off lease');
    assert.deepEqual(tick(t0 + 61_000).reaped, [{ run_id: h!.run, task_id: h!.task_id, to: 'ready' }]);
    assert.equal(taskOf(sb, h!.task_id).status, 'ready');
  });

  test('the babysitter extends a handed-off run to its profile lease as it starts', async () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'spawned' }, now());
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success', { leaseSeconds: 600 }) }, { dispatch: 'openclaw', handoffLeaseSeconds: 60 });
    const t0 = Date.now() + 1000;
    const [h] = dispatchLocal({ store: sb.store, ctx: { ...now('tick'), now: t0 }, workspace: sb.ws, config, handOff: true }).handoff;
    const startedAt = t0 + 30_000;
    const result = await workRun(depsOf(sb, config, { now: () => startedAt }), h!.run);
    assert.equal(result.status, 'completed');
    assert.equal(runOf(sb, h!.run).lease_expires_at, startedAt + 600_000, 'the profile lease from the babysitter\'s start');
  });
});
