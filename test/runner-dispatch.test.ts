// Dispatch within the WIP caps, the tick's liveness hooks, and a real dispatched babysitter end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import type { Run } from '../src/core/types.js';
import { addTask, claimTask } from '../src/ops/index.js';
import { BABYSITTER_NODE_FLAGS, babysitterEnv, CLI_MAIN, dispatchLocal, type StartRequest } from '../src/runner/dispatch.js';
import { writeOutboxEntry } from '../src/runner/outbox.js';
import { procIdentity } from '../src/runner/process-group.js';
import { makeIsDead, makeOnLost } from '../src/runner/tick-hooks.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { isAlive, killChildren, spawnSyncCapped, tracked, waitFor, waitGone } from './helpers/processes.js';
import { cli } from './support/helpers.js';
import { assertNothingLeft, configOf, fakeProfile, now, runOf, sandbox, taskOf, writeConfig } from './support/runner.js';

afterEach(killChildren);

describe('dispatchLocal', () => {
  test('claims round-robin within every cap: global, maxConcurrent, perAgent, perProject; skips missing executables and paused agents', () => {
    const sb = sandbox();
    const config = configOf(
      {
        a: { cli: 'claude', maxConcurrent: 2 },
        b: { cli: 'codex', maxConcurrent: 5 },
        c: { cli: 'opencode', maxConcurrent: 10 },
        gone: { cli: 'gemini', bin: '/nonexistent/gemini' },
      },
      { wip: { global: 4, perAgent: { b: 1 }, perProject: { web: 1 } }, projects: { web: { workdir: '.' }, api: { workdir: '.' } } },
    );
    addTask(sb.store, { title: 'api0', project: 'api', priority: 10 }, now());
    for (const t of ['web1', 'web2', 'api1', 'api2', 'api3']) addTask(sb.store, { title: t, project: t.slice(0, 3) }, now());
    assert.equal(claimTask(sb.store, { agent: 'a' }, now()).task?.title, 'api0');
    const started: StartRequest[] = [];
    const deps = {
      store: sb.store, ctx: now('tick'), workspace: sb.ws, config,
      start: (req: StartRequest) => (started.push(req), 4_000_000 + req.runId),
      which: (bin: string) => (bin.startsWith('/nonexistent') ? null : bin),
    };
    const report = dispatchLocal(deps);
    const titles = report.started.map((s) => [s.agent, taskOf(sb, s.task_id).title]);
    assert.deepEqual(titles, [['a', 'web1'], ['b', 'api1'], ['c', 'api2']]);
    assert.deepEqual(report.skipped, [{ agent: 'gone', reason: 'executable /nonexistent/gemini not found' }]);
    for (const s of report.started) {
      const run = runOf(sb, s.run_id);
      assert.deepEqual([run.pid, run.pgid, run.log_path], [s.pid, s.pid, started.find((r) => r.runId === s.run_id)!.logPath]);
    }
    assert.deepEqual(dispatchLocal(deps).started, [], 'the global cap is full');
    sb.store.agents.pause('c', Date.now() + 60_000, 'rate limited');
    const roomier = { ...deps, config: configOf(config.agents, { wip: { global: 10, perAgent: { b: 1 } }, projects: config.projects }) };
    const next = dispatchLocal(roomier);
    assert.deepEqual(next.started, [], 'a and b are at their own caps, c is paused');
    assert.match(next.skipped.find((s) => s.agent === 'c')!.reason, /^paused until /);
  });

  test('a babysitter that cannot be started fails its run (transient) instead of leaving it running', () => {
    const sb = sandbox();
    const config = configOf({ a: { cli: 'claude' } });
    const { task } = addTask(sb.store, { title: 'x' }, now());
    const report = dispatchLocal({
      store: sb.store, ctx: now('tick'), workspace: sb.ws, config, which: (b) => b,
      start: () => {
        throw new Error('EAGAIN');
      },
    });
    assert.equal(report.failed.length, 1);
    assert.deepEqual([taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['ready', 1]);
  });
});

describe('tick hooks', () => {
  test('isDead: only pids of this host, gone or reused, and never while an outcome waits in the outbox', () => {
    const sb = sandbox();
    const isDead = makeIsDead(sb.ws, 'here');
    const dead = Number(spawnSyncCapped(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const run = (over: Partial<Run>) => ({ id: 7, host: 'here', pid: process.pid, proc_start: procIdentity(process.pid), ...over }) as Run;
    assert.equal(isDead(run({})), false, 'alive, same identity');
    assert.equal(isDead(run({ proc_start: null })), false, 'alive, identity unknown');
    assert.equal(isDead(run({ proc_start: `${procIdentity(process.pid)}1` })), true, 'the pid now belongs to another process');
    assert.equal(isDead(run({ pid: dead })), true);
    assert.equal(isDead(run({ pid: dead, host: 'elsewhere' })), false, 'another host: its lease decides');
    assert.equal(isDead(run({ pid: null })), false);
    writeOutboxEntry(sb.ws.outboxDir, { version: 1, run_id: 7, task_id: 1, verb: 'complete', input: {}, decided_at: 0, host: 'here', pid: dead });
    assert.equal(isDead(run({ pid: dead })), false, 'its outcome waits in the outbox');
  });

  test('onLost: SIGKILLs the process group of a lost run of this host only', async () => {
    const group = () => tracked(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' }));
    const mine = group();
    const theirs = group();
    const lost = (pgid: number, host: string) => ({ run_id: 1, task_id: 1, to: 'ready' as const, reason: 'x', run: { id: 1, host, pgid } as Run });
    makeOnLost({ root: '/nowhere' }, 'here')([lost(mine.pid!, 'here'), lost(theirs.pid!, 'elsewhere')]);
    await waitGone(mine.pid!);
    assert.equal(isAlive(theirs.pid!), true);
    process.kill(-theirs.pid!, 'SIGKILL');
    await waitGone(theirs.pid!);
  });

  test('onLost: finds a lost run\'s processes by STEWARD_DIR and STEWARD_RUN_ID when their group was never recorded', async () => {
    const sb = sandbox();
    // Each stands for a CLI its babysitter started and died before recording (own group, the run's variables).
    const cli = (dir: string, runId: string) => tracked(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      detached: true, stdio: 'ignore', env: { ...process.env, STEWARD_DIR: dir, STEWARD_RUN_ID: runId },
    }));
    const orphan = cli(sb.ws.root, '7');
    const secondOrphan = cli(sb.ws.root, '8');
    const otherRun = cli(sb.ws.root, '70');
    const otherWorkspace = cli(`${sb.ws.root}-other`, '7');
    const all = [orphan, secondOrphan, otherRun, otherWorkspace];
    try {
      await new Promise((r) => setTimeout(r, 200)); // let the children reach node (environ is read from /proc)
      const lost = (id: number) => ({ run_id: id, task_id: 1, to: 'ready' as const, reason: 'worker process is gone', run: { id, host: 'here', pgid: null } as Run });
      makeOnLost(sb.ws, 'here')([lost(7), lost(8)]);
      await waitGone(orphan.pid!);
      await waitGone(secondOrphan.pid!);
      assert.deepEqual([isAlive(otherRun.pid!), isAlive(otherWorkspace.pid!)], [true, true], 'another run, another workspace: left alone');
    } finally {
      for (const p of all) if (isAlive(p.pid!)) process.kill(-p.pid!, 'SIGKILL');
      await Promise.all(all.map((p) => waitGone(p.pid!)));
    }
  });

  test('a babysitter does not inherit the run variables of the process that dispatched it', () => {
    const env = babysitterEnv({ PATH: '/bin', STEWARD_DIR: '/w', STEWARD_RUN_ID: '3', STEWARD_TASK_ID: '4' });
    assert.deepEqual(env, { PATH: '/bin', STEWARD_DIR: '/w' });
  });
});

describe('local dispatch end to end', () => {
  test('the tick starts detached `steward work --run N` processes within the cap; they finish the tasks', async () => {
    const sb = sandbox();
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'slow', { maxConcurrent: 5 }, { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '700' }) }, { wip: { global: 2 } });
    const ids = ['one', 'two', 'three'].map((title) => addTask(sb.store, { title }, now()).task.id);
    const hooks = buildTickHooks({ workspace: sb.ws, config });
    const first = tickOnce({ store: sb.store, ctx: now('tick'), hooks }).dispatch as { started: Array<{ run_id: number; pid: number }> };
    assert.equal(first.started.length, 2);
    for (const s of first.started) {
      const run = runOf(sb, s.run_id);
      assert.deepEqual([run.pid, run.host !== null, typeof run.proc_start], [s.pid, true, 'string']);
      // Started with the babysitter's node flags (lite mode: its memory, see BABYSITTER_NODE_FLAGS), the bin after them.
      const argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(argv.slice(1, 1 + BABYSITTER_NODE_FLAGS.length + 2), [...BABYSITTER_NODE_FLAGS, CLI_MAIN, 'work']);
      assert.ok(BABYSITTER_NODE_FLAGS.includes('--lite-mode'));
    }
    const second = tickOnce({ store: sb.store, ctx: now('tick'), hooks }).dispatch as { started: unknown[] };
    assert.deepEqual(second.started, [], 'both slots are taken');
    await waitFor('the first two done', () => (ids.slice(0, 2).every((id) => taskOf(sb, id).status === 'done') ? true : undefined));
    for (const s of first.started) await waitGone(s.pid);
    const third = tickOnce({ store: sb.store, ctx: now('tick'), hooks }).dispatch as { started: Array<{ pid: number; run_id: number }> };
    assert.equal(third.started.length, 1);
    await waitFor('the third done', () => (taskOf(sb, ids[2]!).status === 'done' ? true : undefined));
    await waitGone(third.started[0]!.pid);
    const run = runOf(sb, third.started[0]!.run_id);
    assert.ok(run.pgid && run.pgid !== run.pid, "the CLI's own group replaced the babysitter's");
    const log = readFileSync(run.log_path!, 'utf8');
    assert.match(log, /^=== steward /, 'the log starts with steward\'s header, no node warning before it');
    // Tick 1 comes before the end whatever the CLI's speed (both timers overdue: the earlier runs first); a third tick
    // needs 300 ms of its 700 unstarved.
    assert.match(log, /fake-cli: tick 1\n/);
    assert.match(log, /=== steward .* run \d+: completed → task #\d+ done/);
    const shown = cli(['logs', String(ids[2]), '--dir', sb.root], { cwd: sb.root });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(`${shown.stdout.trimEnd()}\n`, log.endsWith('\n') ? log : `${log}\n`);
    await assertNothingLeft(sb);
  });
});
