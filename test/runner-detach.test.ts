// `steward work --run N` from a shell only waits on a detached babysitter: killing it (as OpenClaw's exec does at its
// timeout) never loses the run. Runs handed to OpenClaw keep a short hand-off lease until their babysitter starts.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { hostname } from 'node:os';
import { addTask, claimRunProcess, claimTask } from '../src/ops/index.js';
import { dispatchLocal } from '../src/runner/dispatch.js';
import { makeDispatch } from '../src/runner/tick-hooks.js';
import { waitRun } from '../src/runner/wait-run.js';
import { workRun } from '../src/runner/work.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { exited, exitOnceAwaited, isAlive, killChildren, spawnSyncCapped, syncCapped, tracked, waitFor, waitGone } from './helpers/processes.js';
import { CLI, cli, tempDir } from './support/helpers.js';
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
  /** [code, signal] once it exits; rejects, saying what the run is, if it still runs CHILD_CAP_MS after the first wait. */
  exited: PromiseLike<[number | null, NodeJS.Signals | null]>;
}

/** The sandboxes of the running test: afterEach lets each gated CLI end, then kills what the file started (killChildren). */
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) writeFileSync(join(root, 'GO'), '');
  killChildren();
});

/** `steward work --run N` as OpenClaw's exec starts it: a shell command in its own process group. */
function startWaiter(sb: Sandbox, runId: number, env: NodeJS.ProcessEnv = {}): Waiter {
  const child = tracked(spawn(process.execPath, [CLI, 'work', '--run', String(runId), '--dir', sb.root], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, STEWARD_DIR: '', STEWARD_POLL_MS: '100', ...env },
  }));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  /** What the run is when the cap fires (a waiter that waits for a run nothing will end once held the suite 12+ minutes). */
  const what = () => {
    let state: string;
    try {
      const run = runOf(sb, runId);
      state = `${run.status}${run.outcome ? ` (${run.outcome})` : ''}, process ${run.pid ?? 'none'} recorded`;
    } catch (e) {
      state = `unreadable (${(e as Error).message})`;
    }
    return `steward work --run ${runId} (pid ${child.pid}) to exit; run ${runId} is ${state}`;
  };
  roots.push(sb.root);
  return { child, out: () => out, err: () => err, exited: exitOnceAwaited(child, what) };
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `pid` and every process below it (OpenClaw's attached fallback walks /proc the same way). */
function treeOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = parentOf(Number(name));
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** The pids the gated "CLI" wrote (one line per start). */
function cliStarts(sb: Sandbox): number[] {
  try {
    return readFileSync(sb.pidFile, 'utf8').trim().split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return [];
  }
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
    const child = tracked(spawn(process.execPath, [CLI, 'work', '--run', String(runId), '--here', '--dir', sb.root], { stdio: ['ignore', 'ignore', 'pipe'] }));
    const [code] = await exited(child, `steward work --run ${runId} --here`);
    assert.equal(code, 0);
    assert.equal(runOf(sb, runId).pid, child.pid, 'the run was babysat by that very process');
    const usage = tracked(spawn(process.execPath, [CLI, 'work', '--agent', 'coder', '--here', '--dir', sb.root], { stdio: ['ignore', 'ignore', 'pipe'] }));
    assert.equal((await exited(usage, 'steward work --agent coder --here (a usage error)'))[0], 2);
  });
});

describe('the waiter is safe to kill at any moment (OpenClaw exec: SIGTERM to its tree, SIGKILL 5 s later)', () => {
  const GATES = ['guarded', 'launched'] as const;
  const cases = [
    { stage: 'guarded', signal: 'SIGTERM', how: 'group', what: 'before the babysitter is started' },
    { stage: 'guarded', signal: 'SIGHUP', how: 'tree', what: 'before the babysitter is started' },
    { stage: 'launched', signal: 'SIGTERM', how: 'group', what: 'while its launcher starts the babysitter' },
  ] as const;
  for (const c of cases) {
    test(`${c.signal} to the waiter's ${c.how} ${c.what}: held until the babysitter is detached; the run runs once and completes`, async () => {
      const sb = sandbox();
      const h = handOff(sb);
      const gate = tempDir('steward-gate-');
      // Every gate before this stage opens at once; this one waits for the test.
      for (const g of GATES.slice(0, GATES.indexOf(c.stage))) writeFileSync(join(gate, `${g}.go`), '');
      const waiter = startWaiter(sb, h.run, { STEWARD_TEST_WAITER_GATE: gate });
      await waitFor(`the waiter at ${c.stage}`, () => (existsSync(join(gate, `${c.stage}.reached`)) ? true : undefined));
      assert.deepEqual(cliStarts(sb), [], 'nothing started yet');
      const targets = c.how === 'group' ? [-waiter.child.pid!] : treeOf(waiter.child.pid!);
      for (const pid of targets) process.kill(pid, c.signal);
      for (const g of GATES) writeFileSync(join(gate, `${g}.go`), '');
      const [code, by] = await waiter.exited;
      assert.equal(by ?? code, c.signal, `the waiter ends by the held ${c.signal}; stderr: ${waiter.err()}`);
      const [cliPid] = await waitFor('the CLI started anyway', () => (cliStarts(sb).length ? cliStarts(sb) : undefined));
      assert.ok(isAlive(cliPid!));
      writeFileSync(join(sb.root, 'GO'), '');
      const done = await waitFor('the run recorded', () => (runOf(sb, h.run).status === 'finished' ? runOf(sb, h.run) : undefined));
      assert.equal(done.outcome, 'completed');
      assert.equal(cliStarts(sb).length, 1, 'the CLI ran once');
      await waitGone(done.pid!);
    });
  }

  // The 2026-12-05 Postgres hang: here the waiter reads the run after its babysitter took it, so it adopts it and
  // awaits nothing on the way: it released the signals before its event loop had run the handler of the SIGTERM that
  // the kernel had delivered long before, and that signal was lost — the waiter then waited for a run that only ends
  // after it does. Slower store opening (Postgres) made this order the common one; here it is forced.
  test('SIGTERM to the waiter\'s group while its babysitter takes the run before the waiter reads it (adopted): the held SIGTERM still ends it', async () => {
    const sb = sandbox();
    const h = handOff(sb);
    const gate = tempDir('steward-gate-');
    writeFileSync(join(gate, 'guarded.go'), '');
    const waiter = startWaiter(sb, h.run, { STEWARD_TEST_WAITER_GATE: gate });
    await waitFor('the waiter at launched', () => (existsSync(join(gate, 'launched.reached')) ? true : undefined));
    process.kill(-waiter.child.pid!, 'SIGTERM');
    // The babysitter (started before the gate) takes the run and starts the CLI while the waiter is held at the gate.
    const [cliPid] = await waitFor('the CLI started', () => (cliStarts(sb).length ? cliStarts(sb) : undefined));
    const babysitter = runOf(sb, h.run).pid!;
    writeFileSync(join(gate, 'launched.go'), '');
    const [code, by] = await waiter.exited;
    assert.equal(by ?? code, 'SIGTERM', `the waiter ends by the held SIGTERM; stderr: ${waiter.err()}`);
    assert.match(waiter.err(), new RegExp(`waiting on the running babysitter, pid ${babysitter}`), 'it adopted the babysitter');
    assert.ok(isAlive(cliPid!) && isAlive(babysitter), 'the run goes on');
    writeFileSync(join(sb.root, 'GO'), '');
    const done = await waitFor('the run recorded', () => (runOf(sb, h.run).status === 'finished' ? runOf(sb, h.run) : undefined));
    assert.equal(done.outcome, 'completed');
    assert.equal(cliStarts(sb).length, 1, 'the CLI ran once');
    await waitGone(babysitter);
  });

  test('SIGKILL before the babysitter is started: nothing runs, nothing is recorded; the same command again starts it, once', async () => {
    const sb = sandbox();
    const h = handOff(sb);
    const gate = tempDir('steward-gate-');
    const waiter = startWaiter(sb, h.run, { STEWARD_TEST_WAITER_GATE: gate });
    await waitFor('the waiter at guarded', () => (existsSync(join(gate, 'guarded.reached')) ? true : undefined));
    process.kill(-waiter.child.pid!, 'SIGKILL');
    assert.deepEqual(await waiter.exited, [null, 'SIGKILL']);
    assert.equal(runOf(sb, h.run).pid, null, 'no process recorded: the hand-off lease frees the run unless it is started again');
    assert.equal(runOf(sb, h.run).status, 'running');
    const again = startWaiter(sb, h.run);
    await waitFor('the CLI started', () => (cliStarts(sb).length ? true : undefined));
    writeFileSync(join(sb.root, 'GO'), '');
    assert.deepEqual(await again.exited, [0, null], again.err());
    assert.match(again.out(), new RegExp(`^run ${h.run} task #${h.task_id}: completed`));
    assert.equal(cliStarts(sb).length, 1);
    await waitGone(runOf(sb, h.run).pid!);
  });

  test('three waiters started at once: one babysitter, the CLI runs once, every waiter reports the outcome', async () => {
    const sb = sandbox();
    const h = handOff(sb);
    const waiters = [0, 1, 2].map(() => startWaiter(sb, h.run));
    await waitFor('the CLI started', () => (cliStarts(sb).length ? true : undefined));
    // Every waiter has its babysitter (started or adopted) before the run may end.
    await waitFor('every waiter waiting', () => (waiters.every((w) => /babysitter, pid \d+/.test(w.err())) ? true : undefined));
    writeFileSync(join(sb.root, 'GO'), '');
    for (const w of waiters) {
      assert.deepEqual(await w.exited, [0, null], w.err());
      assert.match(w.out(), new RegExp(`^run ${h.run} task #${h.task_id}: completed`));
    }
    assert.equal(cliStarts(sb).length, 1, 'the CLI ran once');
    assert.equal(runOf(sb, h.run).outcome, 'completed');
    // The same command once more (a worker whose exec was killed retries): the same last line, nothing started.
    const late = startWaiter(sb, h.run);
    assert.deepEqual(await late.exited, [0, null], late.err());
    assert.equal(late.out(), waiters[0]!.out());
    assert.equal(cliStarts(sb).length, 1);
    await waitGone(runOf(sb, h.run).pid!);
  });
});

describe('a run is babysat at most once', () => {
  test('claimRunProcess: the first process wins, its starter\'s record counts as its own, a finished run is not_live', () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'x' }, now());
    const config = configOf({ coder: { cli: 'claude' } }, { dispatch: 'openclaw' });
    const [h] = dispatchLocal({ store: sb.store, ctx: now('tick'), workspace: sb.ws, config, handOff: true }).handoff;
    assert.deepEqual(claimRunProcess(sb.store, h!.run, { host: 'here', pid: 101 }), { status: 'claimed' });
    assert.deepEqual(claimRunProcess(sb.store, h!.run, { host: 'here', pid: 101 }), { status: 'claimed' }, 'the same process again');
    assert.deepEqual(claimRunProcess(sb.store, h!.run, { host: 'here', pid: 102 }), { status: 'taken', pid: 101, host: 'here' });
    assert.deepEqual(claimRunProcess(sb.store, h!.run, { host: 'there', pid: 101 }), { status: 'taken', pid: 101, host: 'here' });
    sb.store.db.prepare("UPDATE runs SET status = 'finished', outcome = 'completed' WHERE id = ?").run(h!.run);
    assert.deepEqual(claimRunProcess(sb.store, h!.run, { host: 'here', pid: 101 }), { status: 'not_live' });
  });

  test('a run whose babysitter died is not started again: --here says CONFLICT (exit 4), the waiter orphaned (exit 1)', async () => {
    const sb = sandbox();
    const h = handOff(sb);
    const dead = spawnSyncCapped(process.execPath, ['-e', '']).pid;
    sb.store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(dead, h.run);
    const here = syncCapped(`steward work --run ${h.run} --here`, (cap) =>
      spawnSync(process.execPath, [CLI, 'work', '--run', String(h.run), '--here', '--dir', sb.root], { encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' }, ...cap }));
    assert.equal(here.status, 4, here.stderr);
    assert.match(here.stderr, new RegExp(`error CONFLICT: run ${h.run} already has its babysitter \\(pid ${dead} `));
    const waiter = startWaiter(sb, h.run);
    assert.deepEqual(await waiter.exited, [1, null], waiter.err());
    assert.match(waiter.out(), new RegExp(`^run ${h.run} task #${h.task_id}: its babysitter \\(pid ${dead}\\) ended without recording the run`));
    assert.deepEqual(cliStarts(sb), [], 'the CLI never ran');
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
    const gone = () => spawnSyncCapped(process.execPath, ['-e', '']).pid;
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
  test('a handed-off run whose spawn never happens is returned after handoffLeaseSeconds, not the profile lease', () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'never spawned' }, now());
    const config = configOf({ coder: { cli: 'claude', leaseSeconds: 300 } }, { dispatch: 'openclaw', handoffLeaseSeconds: 60 });
    const t0 = Date.now() + 1000;
    const ctx = { ...now('tick'), now: t0 };
    const [h] = dispatchLocal({ store: sb.store, ctx, workspace: sb.ws, config, handOff: true }).handoff;
    assert.equal(runOf(sb, h!.run).lease_expires_at, t0 + 60_000);
    const tick = (at: number) => tickOnce({ store: sb.store, ctx: { ...ctx, now: at }, hooks: {} });
    assert.equal(tick(t0 + 59_000).handoffs_expired, undefined, 'still within the hand-off lease');
    const after = tick(t0 + 61_000);
    assert.deepEqual(after.handoffs_expired, [{ run_id: h!.run, task_id: h!.task_id, to: 'ready' }]);
    assert.deepEqual(after.reaped, [], 'not lost: its coding CLI never ran');
    assert.deepEqual([taskOf(sb, h!.task_id).status, taskOf(sb, h!.task_id).attempts], ['ready', 0]);
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

/** A `dispatch` item of the digest, as `steward tick --json` prints it. */
interface DispatchItem {
  run: number;
  task_id: number;
  profile: string;
  sessions_spawn: { task: string; label: string };
  reoffered?: boolean;
  lease_until?: string;
}

/** `steward tick --json` in the sandbox (a real process): its digest. */
function tickCli(sb: Sandbox): { quiet: boolean; dispatch?: DispatchItem[]; acted?: Record<string, number>; failures?: Array<{ id: number; kind: string }> } {
  const r = cli(['tick', '--json', '--dir', sb.root], { cwd: sb.root });
  assert.equal(r.code, 0, r.stderr);
  return r.json as ReturnType<typeof tickCli>;
}

// On Postgres a waiter in this block did not return in the 2026-12-05 whole-suite run (open defect, see docs/OPENCLAW.md).
describe('a hand-off no worker started is offered again (a heartbeat cut short before it spawned it)', () => {
  test('the next steward tick offers the same run again, marked, with the same spawn text; once its babysitter started, never', async () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'long work' }, now());
    writeConfig(sb, { coder: gatedProfile(sb) }, { dispatch: 'openclaw', handoffLeaseSeconds: 600 });
    const first = tickCli(sb);
    assert.equal(first.dispatch?.length, 1, JSON.stringify(first));
    const h = first.dispatch![0]!;
    assert.equal(h.reoffered, undefined, 'a first offer is not marked');
    // The quiet tick (nothing ready, nothing expired) must not swallow it: the same run, marked, the same text.
    const second = tickCli(sb);
    assert.equal(second.quiet, false);
    assert.deepEqual(second.dispatch?.map((x) => [x.run, x.task_id, x.profile, x.reoffered]), [[h.run, h.task_id, h.profile, true]]);
    assert.deepEqual(second.dispatch![0]!.sessions_spawn, h.sessions_spawn);
    const run = runOf(sb, h.run);
    assert.equal(second.dispatch![0]!.lease_until, new Date(run.lease_expires_at).toISOString());
    assert.ok(run.lease_expires_at <= run.started_at + 2 * 600_000, 'never past twice the hand-off lease from the claim');
    // The spawned worker starts the babysitter: from then on the run is not offered again.
    const waiter = startWaiter(sb, h.run);
    await waitFor('the CLI started', () => (cliStarts(sb).length ? true : undefined));
    assert.ok(runOf(sb, h.run).pid, 'the babysitter is recorded');
    assert.equal(tickCli(sb).dispatch, undefined, 'a started run is not offered again');
    writeFileSync(join(sb.root, 'GO'), '');
    assert.deepEqual(await waiter.exited, [0, null], waiter.err());
    assert.equal(cliStarts(sb).length, 1);
    await waitGone(runOf(sb, h.run).pid!);
  });

  test('a re-offer extends the hand-off lease to a whole lease from now, at most twice the lease from the claim; then the task is handed off anew', () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'never spawned' }, now());
    const config = configOf({ coder: { cli: 'claude', maxConcurrent: 1 } }, { dispatch: 'openclaw', handoffLeaseSeconds: 60 });
    const t0 = Date.now() + 1000;
    const hooks = { dispatch: makeDispatch({ workspace: sb.ws, config }) };
    const tick = (at: number) => tickOnce({ store: sb.store, ctx: { ...now('tick'), now: at }, hooks, config });
    const offers = (at: number) => (tick(at).digest.dispatch ?? []) as DispatchItem[];
    const [h] = offers(t0);
    assert.equal(runOf(sb, h!.run).lease_expires_at, t0 + 60_000);
    assert.deepEqual(offers(t0 + 10_000).map((x) => [x.run, x.reoffered]), [[h!.run, true]]);
    assert.equal(runOf(sb, h!.run).lease_expires_at, t0 + 70_000, 'a whole hand-off lease from the re-offer');
    offers(t0 + 65_000);
    assert.equal(runOf(sb, h!.run).lease_expires_at, t0 + 120_000, 'capped at twice the lease from the claim');
    assert.deepEqual(offers(t0 + 119_000).map((x) => x.lease_until), [new Date(t0 + 120_000).toISOString()]);
    const after = tick(t0 + 121_000);
    assert.deepEqual(after.handoffs_expired, [{ run_id: h!.run, task_id: h!.task_id, to: 'ready' }]);
    const fresh = (after.digest.dispatch ?? []) as DispatchItem[];
    assert.equal(fresh.length, 1, 'handed off anew in the same tick');
    assert.notEqual(fresh[0]!.run, h!.run);
    assert.equal(fresh[0]!.reoffered, undefined);
    assert.equal(taskOf(sb, h!.task_id).attempts, 0, 'no strike');
  });

  test('an expired hand-off nobody started goes back to ready without a strike, and show tells why; a run claimed otherwise is still lost', async () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'never spawned' }, now());
    const config = writeConfig(sb, { coder: { ...gatedProfile(sb), maxConcurrent: 1 } }, { dispatch: 'openclaw', handoffLeaseSeconds: 60 });
    const [h] = dispatchLocal({ store: sb.store, ctx: now('tick'), workspace: sb.ws, config, handOff: true }).handoff;
    // A run claimed by `steward claim` (an agent that reports by itself): no process recorded either, but not a hand-off.
    addTask(sb.store, { title: 'claimed by an agent' }, now());
    const other = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now(), { host: hostname() });
    assert.ok(other.task, 'claimed');
    sb.store.db.prepare("UPDATE runs SET lease_expires_at = 1 WHERE status = 'running'").run();
    const digest = tickCli(sb);
    assert.deepEqual([digest.acted?.handoffs_expired, digest.acted?.reaped], [1, 1]);
    assert.deepEqual(digest.failures?.map((f) => [f.id, f.kind]), [[other.task!.id, 'lost']], 'only the claimed run failed');
    const back = runOf(sb, h!.run);
    assert.deepEqual([back.status, back.outcome, back.failure_kind], ['finished', 'superseded', null]);
    assert.match(back.error ?? '', /no worker started it within its hand-off lease \(60 s\)/);
    assert.equal(taskOf(sb, h!.task_id).attempts, 0, 'no strike for a run that never ran');
    assert.equal(taskOf(sb, other.task!.id).attempts, 1, 'a lost run still strikes');
    assert.deepEqual(digest.dispatch?.map((x) => [x.task_id, x.reoffered]), [[h!.task_id, undefined]], 'handed off anew');
    const shown = cli(['show', String(h!.task_id), '--dir', sb.root], { cwd: sb.root });
    assert.match(shown.stdout, new RegExp(`handoff_expired running → ready — run ${h!.run} was handed off but no worker started it`));
    assert.match(shown.stdout, new RegExp(`run ${h!.run} .* superseded`));
    // The spawn happens after all: its worker starts nothing and says so.
    const late = startWaiter(sb, h!.run);
    assert.deepEqual(await late.exited, [4, null], late.err());
    assert.match(late.out(), new RegExp(`^run ${h!.run} task #${h!.task_id}: superseded → task running: run ${h!.run} was handed off`));
    assert.deepEqual(cliStarts(sb), [], 'the coding CLI never ran');
  });

  test('the original spawn and the re-offer both run: one babysitter, the CLI runs once, both workers report the outcome', async () => {
    const sb = sandbox();
    addTask(sb.store, { title: 'long work' }, now());
    writeConfig(sb, { coder: gatedProfile(sb) }, { dispatch: 'openclaw' });
    const [h] = tickCli(sb).dispatch!;
    const [again] = tickCli(sb).dispatch!;
    assert.deepEqual([again!.run, again!.reoffered], [h!.run, true]);
    // Both spawns happen, at once: two workers run the same command.
    const workers = [h!, again!].map((x) => startWaiter(sb, x.run));
    await waitFor('the CLI started', () => (cliStarts(sb).length ? true : undefined));
    await waitFor('both waiting', () => (workers.every((w) => /babysitter, pid \d+/.test(w.err())) ? true : undefined));
    writeFileSync(join(sb.root, 'GO'), '');
    for (const w of workers) {
      assert.deepEqual(await w.exited, [0, null], w.err());
      assert.match(w.out(), new RegExp(`^run ${h!.run} task #${h!.task_id}: completed`));
    }
    assert.equal(cliStarts(sb).length, 1, 'the CLI ran once');
    assert.equal(tickCli(sb).dispatch, undefined, 'nothing left to offer');
    await waitGone(runOf(sb, h!.run).pid!);
  });
});
