// Crashes and a locked database: real `steward work` processes killed, the next tick repairs, no result lost.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { cancelTask, recordRunProcess, showTask } from '../src/ops/index.js';
import { outboxPath, writeOutboxEntry } from '../src/runner/outbox.js';
import { workRun } from '../src/runner/work.js';
import { openStore } from '../src/store/open-store.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { exitOnceAwaited, isAlive, killChildren, spawnSyncCapped, tracked, waitFor } from './helpers/processes.js';
import { holdWriteLock } from './support/backend.js';
import { CLI } from './support/helpers.js';
import { addAndClaim, assertNothingLeft, depsOf, fakePids, fakeProfile, now, runOf, sandbox, taskOf, writeConfig, type Sandbox } from './support/runner.js';

afterEach(killChildren);

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: PromiseLike<[number | null, NodeJS.Signals | null]>;
}

/** Starts the real babysitter binary for a run, as dispatch would. */
function startWorker(sb: Sandbox, runId: number, env: Record<string, string> = {}): Worker {
  const child = tracked(spawn(process.execPath, [CLI, 'work', '--run', String(runId), '--here', '--dir', sb.root], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEWARD_DIR: '', ...env },
  }));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  return { child, stderr: () => err, exited: exitOnceAwaited(child, `steward work --run ${runId} --here (pid ${child.pid}) to exit`) };
}

/** The file a slow fake CLI waits for before it finishes (FAKE_GO_FILE). */
const goFile = (sb: Sandbox) => join(sb.root, 'GO');

const tick = (sb: Sandbox, config: ReturnType<typeof writeConfig>) =>
  tickOnce({ store: sb.store, ctx: now('tick'), hooks: buildTickHooks({ workspace: sb.ws, config }) });

/** Entries of a kind in the task's timeline (its events and the claims and completions its runs record). */
const countEvents = (sb: Sandbox, taskId: number, kind: string) =>
  showTask(sb.store, { id: taskId }, { runs: 100, events: 100 }).events.filter((e) => e.kind === kind).length;

describe('a babysitter that dies', () => {
  test('kill -9 mid-run: the next tick marks the run lost, kills the orphaned CLI group, and retries the task', async () => {
    const sb = sandbox();
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'grandchild', { timeoutSeconds: 600, stallSeconds: 600 }) }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const w = startWorker(sb, run.id);
    const [cliPid, grandchild] = await fakePids(sb, 2);
    await waitFor('the CLI group recorded', () => (runOf(sb, run.id).pgid === cliPid ? true : undefined));
    assert.equal(runOf(sb, run.id).pid, w.child.pid);
    assert.ok(runOf(sb, run.id).proc_start, 'the babysitter identity is recorded');
    w.child.kill('SIGKILL');
    await w.exited;
    assert.ok(isAlive(cliPid!) && isAlive(grandchild!), 'the CLI outlives its babysitter');
    const result = tick(sb, config);
    assert.deepEqual(result.reaped, [{ run_id: run.id, task_id: task.id, to: 'ready' }]);
    assert.deepEqual([runOf(sb, run.id).outcome, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['lost', 'ready', 1]);
    await assertNothingLeft(sb);
    assert.deepEqual(tick(sb, config).reaped, [], 'a second tick has nothing to reap');
  });

  test('kill -9 while its final write waits for a locked database: the outbox entry is applied by the next tick', async () => {
    const sb = sandbox();
    // The CLI ends only once the lock is held (GO): a CLI that ended first would have its outcome written at once.
    const env = { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '0', FAKE_GO_FILE: goFile(sb) };
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'codex', 'slow', {}, env) }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const w = startWorker(sb, run.id);
    const [cliPid] = await fakePids(sb);
    await waitFor('the CLI group recorded', () => (runOf(sb, run.id).pgid === cliPid ? true : undefined));
    const holder = openStore(sb.ws.dbPath);
    const release = holdWriteLock(holder);
    try {
      writeFileSync(goFile(sb), '');
      await waitFor('the outbox entry', () => (existsSync(outboxPath(sb.ws.outboxDir, run.id)) ? true : undefined));
      w.child.kill('SIGKILL');
      assert.deepEqual(await w.exited, [null, 'SIGKILL']);
    } finally {
      release();
      holder.close();
    }
    assert.equal(runOf(sb, run.id).status, 'running', 'the babysitter died before its write');
    const entry = JSON.parse(readFileSync(outboxPath(sb.ws.outboxDir, run.id), 'utf8'));
    assert.deepEqual([entry.run_id, entry.verb, entry.pid], [run.id, 'complete', w.child.pid]);
    const result = tick(sb, config);
    assert.deepEqual(result.reaped, [], 'a run whose outcome waits in the outbox is not lost');
    assert.deepEqual((result.outbox as { applied: number[] }).applied, [run.id]);
    assert.deepEqual([taskOf(sb, task.id).status, runOf(sb, run.id).outcome], ['done', 'completed']);
    assert.equal(existsSync(outboxPath(sb.ws.outboxDir, run.id)), false);
    await assertNothingLeft(sb);
  });

  test('a database locked past the busy timeout: the outcome goes to the outbox, and the next tick applies it', async () => {
    const sb = sandbox();
    // The CLI ends only once the lock is held (GO): a CLI that ended first would have its outcome written at once.
    const env = { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '0', FAKE_GO_FILE: goFile(sb) };
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'opencode', 'slow', {}, env) }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const store = openStore(sb.ws.dbPath, { busyTimeoutMs: 200 });
    const done = workRun(depsOf(sb, config, { store }), run.id);
    await fakePids(sb);
    await waitFor('the CLI group recorded', () => (runOf(sb, run.id).pgid ? true : undefined));
    const holder = openStore(sb.ws.dbPath);
    const release = holdWriteLock(holder);
    writeFileSync(goFile(sb), '');
    const r = await done.finally(() => {
      release();
      holder.close();
    });
    store.close();
    assert.equal(r.status, 'deferred');
    assert.equal(r.outbox_path, outboxPath(sb.ws.outboxDir, run.id));
    assert.ok(existsSync(r.outbox_path!));
    assert.equal(runOf(sb, run.id).status, 'running');
    tick(sb, config);
    assert.deepEqual([taskOf(sb, task.id).status, existsSync(r.outbox_path!)], ['done', false]);
    await assertNothingLeft(sb);
  });

  test('an outcome decided before the lease expired is applied before the reap: the run ends with it, not lost, no strike (issue 14)', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const dead = Number(spawnSyncCapped(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    recordRunProcess(sb.store, run.id, { host: hostname(), pid: dead, proc_start: null });
    const claimed = runOf(sb, run.id);
    // Decided one second before the lease ran out; the tick comes a minute after it.
    const decided_at = claimed.lease_expires_at - 1000;
    const entry = { version: 1 as const, run_id: run.id, task_id: task.id, verb: 'complete' as const, input: { summary: 'finished in time' }, decided_at, host: hostname(), pid: dead };
    const path = writeOutboxEntry(sb.ws.outboxDir, entry);
    const later = { ...now('tick'), now: claimed.lease_expires_at + 60_000 };
    const result = tickOnce({ store: sb.store, ctx: later, hooks: buildTickHooks({ workspace: sb.ws, config }) });
    assert.deepEqual(result.reaped, [], 'not reaped as lost');
    assert.deepEqual((result.outbox as { applied: number[] }).applied, [run.id]);
    const after = runOf(sb, run.id);
    assert.deepEqual([after.outcome, after.failure_kind, after.late], ['completed', null, null]);
    assert.deepEqual([taskOf(sb, task.id).status, taskOf(sb, task.id).result, taskOf(sb, task.id).attempts], ['done', 'finished in time', 0]);
    assert.deepEqual([countEvents(sb, task.id, 'late_result'), countEvents(sb, task.id, 'retry_scheduled')], [0, 0]);
    assert.equal(existsSync(path), false);
  });

  test('an outcome decided after the lease expired stays a late result: the run is lost (issue 14)', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const claimed = runOf(sb, run.id);
    const entry = { version: 1 as const, run_id: run.id, task_id: task.id, verb: 'complete' as const, input: { summary: 'too late' }, decided_at: claimed.lease_expires_at + 1000, host: 'elsewhere', pid: 1 };
    writeOutboxEntry(sb.ws.outboxDir, entry);
    const later = { ...now('tick'), now: claimed.lease_expires_at + 60_000 };
    const result = tickOnce({ store: sb.store, ctx: later, hooks: buildTickHooks({ workspace: sb.ws, config }) });
    assert.deepEqual((result.outbox as { late: number[] }).late, [run.id]);
    assert.deepEqual(result.reaped, [{ run_id: run.id, task_id: task.id, to: 'ready' }]);
    const after = runOf(sb, run.id);
    assert.equal(after.outcome, 'lost');
    assert.equal((after.late as { summary?: string }).summary, 'too late');
    assert.equal(taskOf(sb, task.id).attempts, 1);
  });

  test('an outbox entry left by a dead babysitter is applied exactly once', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const dead = Number(spawnSyncCapped(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    recordRunProcess(sb.store, run.id, { host: hostname(), pid: dead, proc_start: null });
    const entry = { version: 1 as const, run_id: run.id, task_id: task.id, verb: 'complete' as const, input: { summary: 'from the outbox', cost_usd: 0.5 }, decided_at: Date.now(), host: hostname(), pid: dead };
    const path = writeOutboxEntry(sb.ws.outboxDir, entry);
    copyFileSync(path, `${sb.root}/copy.json`);
    const first = tick(sb, config);
    assert.deepEqual(first.reaped, []);
    assert.deepEqual((first.outbox as { applied: number[] }).applied, [run.id]);
    assert.deepEqual([taskOf(sb, task.id).status, taskOf(sb, task.id).result, runOf(sb, run.id).cost_usd], ['done', 'from the outbox', 0.5]);
    // The same entry again (a second applier that raced, a restored backup): recognised, nothing written.
    copyFileSync(`${sb.root}/copy.json`, path);
    const second = tick(sb, config);
    assert.deepEqual((second.outbox as { duplicate: number[] }).duplicate, [run.id]);
    assert.equal(existsSync(path), false);
    assert.deepEqual([countEvents(sb, task.id, 'completed'), countEvents(sb, task.id, 'late_result'), runOf(sb, run.id).late], [1, 0, null]);
    assert.equal(tick(sb, config).outbox, undefined);
  });

  test('killed between writing its outcome and the rename: the tick finishes the write and applies it; a torn write is moved aside (found by the chaos run)', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const whole = addAndClaim(sb);
    const torn = addAndClaim(sb);
    const dead = Number(spawnSyncCapped(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const temp = (runId: number, pid: number) => `${outboxPath(sb.ws.outboxDir, runId)}.${pid}.tmp`;
    for (const { run } of [whole, torn]) recordRunProcess(sb.store, run.id, { host: hostname(), pid: dead, proc_start: null });
    const entry = { version: 1, run_id: whole.run.id, task_id: whole.task.id, verb: 'complete', input: { summary: 'decided, not renamed' }, decided_at: Date.now(), host: hostname(), pid: dead };
    mkdirSync(sb.ws.outboxDir, { recursive: true });
    writeFileSync(temp(whole.run.id, dead), `${JSON.stringify(entry)}\n`);
    writeFileSync(temp(torn.run.id, dead), JSON.stringify({ ...entry, run_id: torn.run.id }).slice(0, 40));
    writeFileSync(temp(9999, process.pid), 'a live writer: left alone');
    const result = tick(sb, config);
    assert.deepEqual(result.reaped, [{ run_id: torn.run.id, task_id: torn.task.id, to: 'ready' }], 'only the torn write is a lost run');
    assert.deepEqual((result.outbox as { applied: number[] }).applied, [whole.run.id]);
    assert.deepEqual([taskOf(sb, whole.task.id).status, taskOf(sb, whole.task.id).result], ['done', 'decided, not renamed']);
    assert.deepEqual(readdirSync(sb.ws.outboxDir).sort(), [`9999.json.${process.pid}.tmp`, 'rejected']);
    assert.match(readFileSync(`${sb.ws.outboxDir}/rejected/${torn.run.id}.json.${dead}.tmp.reason.txt`, 'utf8'), /incomplete outbox write of a babysitter/);
  });

  test('an unreadable outbox entry is moved aside with its reason, not retried forever', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const { run } = addAndClaim(sb);
    writeOutboxEntry(sb.ws.outboxDir, { version: 1, run_id: run.id, task_id: 1, verb: 'complete', input: {}, decided_at: 0, host: 'h', pid: 1 });
    const path = outboxPath(sb.ws.outboxDir, run.id);
    const text = readFileSync(path, 'utf8').replace('"version":1', '"version":9');
    spawnSyncCapped('sh', ['-c', 'cat > "$0"', path], { input: text });
    writeFileSync(outboxPath(sb.ws.outboxDir, 999), 'not json');
    const result = tick(sb, config);
    assert.deepEqual((result.outbox as { rejected: string[] }).rejected, [`${run.id}.json`, '999.json']);
    assert.match(readFileSync(`${sb.ws.outboxDir}/rejected/${run.id}.json.reason.txt`, 'utf8'), /version/);
    // A run's outcome that never reached the queue is news: the digest says so once, naming the run when there is one.
    assert.equal(result.digest.quiet, false);
    const items = result.digest.outbox_rejected as Array<{ file: string; run?: number; id?: number; reason: string; moved_to: string }>;
    assert.deepEqual(items.map((i) => [i.file, i.run, i.id, i.moved_to]), [[`${run.id}.json`, run.id, run.task_id, `rejected/${run.id}.json`], ['999.json', undefined, undefined, 'rejected/999.json']]);
    assert.match(items[0]!.reason, /version/);
    assert.equal(tick(sb, config).digest.outbox_rejected, undefined, 'reported once');
  });

  test('the digest counts the outcomes the tick applied from the outbox (it is not "quiet" about them)', () => {
    const sb = sandbox();
    const config = writeConfig(sb, {}, { dispatch: 'none' });
    const { run, task } = addAndClaim(sb);
    writeOutboxEntry(sb.ws.outboxDir, { version: 1, run_id: run.id, task_id: task.id, verb: 'complete', input: { summary: 'from the outbox' }, decided_at: Date.now(), host: 'h', pid: 1 });
    const result = tick(sb, config);
    assert.deepEqual((result.outbox as { applied: number[] }).applied, [run.id]);
    assert.equal(result.digest.acted?.outcomes_applied, 1);
  });
});

describe('the babysitter binary', () => {
  test('a result that arrives after a cancel is kept on the run, and the babysitter exits 4 with one clear line', async () => {
    const sb = sandbox();
    // The CLI ends only once the task is cancelled (GO): a CLI that ended first would complete the task.
    const env = { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '0', FAKE_GO_FILE: goFile(sb) };
    writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'slow', {}, env) }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const w = startWorker(sb, run.id, { STEWARD_POLL_MS: '600000' });
    await fakePids(sb);
    cancelTask(sb.store, { id: task.id }, now('person'));
    writeFileSync(goFile(sb), '');
    assert.deepEqual(await w.exited, [4, null]);
    assert.match(w.stderr(), /^run \d+ task #\d+: LEASE_LOST — the run is no longer live \(finished\)/m);
    const late = runOf(sb, run.id).late as { verb: string; summary: string; reason: string };
    assert.deepEqual([late.verb, late.reason, taskOf(sb, task.id).status], ['complete', 'finished', 'cancelled']);
    await assertNothingLeft(sb);
  });

  test('SIGTERM to the babysitter: it kills its CLI group, records the run as lost, exits 143', async () => {
    const sb = sandbox();
    writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'grandchild') }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb);
    const w = startWorker(sb, run.id, { STEWARD_KILL_GRACE_MS: '500' });
    const [cliPid] = await fakePids(sb, 2);
    await waitFor('the CLI group recorded', () => (runOf(sb, run.id).pgid === cliPid ? true : undefined));
    w.child.kill('SIGTERM');
    assert.deepEqual(await w.exited, [143, null]);
    assert.deepEqual([runOf(sb, run.id).failure_kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['lost', 'ready', 1]);
    await assertNothingLeft(sb);
  });
});
