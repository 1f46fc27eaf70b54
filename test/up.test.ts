// steward up's parts: one instance per workspace, /metrics and /healthz; dispatch: openclaw hands runs over.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema, defaultConfig } from '../src/config/schema.js';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { waitFor } from './helpers/processes.js';
import { cli, tempDir } from './support/helpers.js';

test('one steward up per workspace; /metrics needs a token; /healthz says ok; drain releases the lock', async () => {
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  const token = 'test-token-0123456789abcdef';
  config.mcp.tokens = { [token]: { role: 'triage' } };
  config.dispatch = 'none';
  const quiet = () => undefined;
  const up = await startUp({ workspace, config, store, port: 0, log: quiet });
  await assert.rejects(startUp({ workspace, config, store, port: 0, log: quiet }), (e: { code: string; message: string }) => {
    assert.equal(e.code, 'CONFLICT');
    assert.match(e.message, new RegExp(`pid ${process.pid}`));
    return true;
  });
  const second = cli(['up', '--port', '0', '--dir', workspace.root], { cwd: workspace.root });
  assert.equal(second.code, 4, second.stderr);
  assert.match(second.stderr, /^error CONFLICT: steward up is already running/);
  assert.equal((await fetch(`${up.url}/metrics`)).status, 401);
  const metrics = await fetch(`${up.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /^steward_tasks\{state="ready"\} 0$/m);
  assert.match(text, /^steward_tick_seconds_count \d+$/m);
  assert.equal(await (await fetch(`${up.url}/healthz`)).text(), 'ok\n');
  assert.equal((await fetch(`${up.url}/other`)).status, 404);
  await up.drain();
  await up.stopped;
  const again = await startUp({ workspace, config, store, port: 0, log: quiet });
  await again.drain();
  store.close();
});

/** A workspace without dispatch, for the tests of up's instance lock. */
function lockSandbox() {
  const { workspace } = initWorkspace(tempDir());
  const config = defaultConfig();
  config.dispatch = 'none';
  return { workspace, store: openStore(workspace.dbPath), config, quiet: () => undefined, lock: join(workspace.stewardDir, 'up.lock') };
}

test('a lock naming this very pid that this process does not hold (an up killed, its pid given again after a restart) is stale', async () => {
  const { workspace, store, config, quiet, lock } = lockSandbox();
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z' }));
  const up = await startUp({ workspace, config, store, port: 0, log: quiet });
  assert.notEqual(JSON.parse(readFileSync(lock, 'utf8')).started_at, '2026-01-01T00:00:00.000Z', 'the lock is ours now');
  // The lock this process does hold still keeps a second up out.
  await assert.rejects(startUp({ workspace, config, store, port: 0, log: quiet }), { code: 'CONFLICT' });
  await up.drain();
  assert.equal(existsSync(lock), false, 'drain released it');
  store.close();
});

test('the lock is put in place whole (no temp file is left); a folder in its way is UNAVAILABLE naming it, not INTERNAL', async () => {
  const { workspace, store, config, quiet, lock } = lockSandbox();
  const up = await startUp({ workspace, config, store, port: 0, log: quiet });
  assert.deepEqual(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
  assert.deepEqual(readdirSync(workspace.stewardDir).filter((n) => n.startsWith('up.lock.')), [], 'no temp file left');
  await up.drain();
  mkdirSync(lock);
  await assert.rejects(startUp({ workspace, config, store, port: 0, log: quiet }), (e: { code: string; message: string }) => {
    assert.equal(e.code, 'UNAVAILABLE');
    assert.match(e.message, /up\.lock is not a file .*remove it/);
    return true;
  });
  assert.equal(statSync(lock).isDirectory(), true, 'the folder is left as it is');
  store.close();
});

test('a config.yaml that stops loading while up runs holds dispatch (a babysitter would die reading it, a lost run and a strike per try) until it loads again', { timeout: 600_000 }, async () => {
  const { workspace } = initWorkspace(tempDir());
  const raw = { heartbeat: { everySeconds: 24 * 3600 }, up: { spares: 0 }, agents: { coder: { cli: 'command', command: [process.execPath, '-e', '0'] } } };
  const good = JSON.stringify(raw, null, 2);
  writeFileSync(workspace.configPath, good);
  const store = openStore(workspace.dbPath);
  const digests: Array<Record<string, unknown>> = [];
  const up = await startUp({ workspace, config: configSchema.parse(raw), store, port: 0, pollMs: 2 ** 31 - 1, debounceMs: 0, log: () => undefined, onTick: (d) => digests.push(d) });
  try {
    await waitFor('the first tick', () => (up.stats.ticks >= 1 ? true : undefined));
    writeFileSync(workspace.configPath, `${good}\nagents: [broken\n`);
    const seen = digests.length;
    const id = addTask(store, { title: 'added while the config is broken' }, { now: Date.now(), actor: 'test' }).task.id; // wakes up
    // The config's change and the add each wake up: the error is in one digest after them (an error is reported once).
    const held = /no run starts while .steward\/config.yaml does not load/;
    await waitFor('a digest saying dispatch is held', () => (digests.slice(seen).some((d) => held.test(JSON.stringify(d))) ? true : undefined));
    assert.equal(store.runs.forTask(id, 10).length, 0, 'no babysitter was started to die');
    assert.equal(store.tasks.get(id)?.status, 'ready');
    writeFileSync(workspace.configPath, good);
    up.poke('fixed');
    await waitFor('the task done once the config loads', () => (store.tasks.get(id)?.status === 'done' ? true : undefined), 240_000);
    assert.equal(store.runs.forTask(id, 10).length, 1);
  } finally {
    await up.drain();
    store.close();
  }
});

test('dispatch: openclaw claims within the caps, starts nothing, and lists each run with its sessions_spawn text, offers it again until it starts', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  const config = readFileSync(configPath, 'utf8')
    .replace(/^dispatch: \w+/m, 'dispatch: openclaw')
    .replace(/^agents:\n/m, 'agents:\n  coder:\n    cli: claude\n    bin: no-such-claude-here\n    maxConcurrent: 2\n    leaseSeconds: 600\n');
  writeFileSync(configPath, config);
  for (const title of ['one', 'two', 'three']) assert.equal(run('add', title, '--agent', 'coder').code, 0);
  const first = run('tick', '--json');
  assert.equal(first.code, 0, first.stderr);
  type Spawn = { task: string; label: string; cwd: string; runTimeoutSeconds: number; expectsCompletionMessage: boolean };
  const handoff = first.json.dispatch as Array<{ run: number; task_id: number; profile: string; sessions_spawn: Spawn }>;
  assert.equal(first.json.quiet, false);
  assert.deepEqual(handoff.map((h) => h.task_id), [1, 2], 'maxConcurrent 2 caps the claims');
  for (const h of handoff) {
    const args = h.sessions_spawn;
    assert.equal(h.profile, 'coder', 'a steward profile, named so that nobody takes it for an OpenClaw agentId');
    assert.equal('agent' in h, false);
    assert.match(args.task, new RegExp(`steward\\.cjs work --run ${h.run} --dir `));
    // OpenClaw's exec: no timeout kill (timeoutSeconds 0), the longest yield, then process poll until it exits.
    const exec = JSON.parse(/exactly these arguments: (\{.*\})$/m.exec(args.task)![1]!);
    assert.deepEqual([exec.timeoutSeconds, exec.yieldMs, exec.workdir], [0, 120000, ws]);
    assert.match(args.task, /"action": "poll", "sessionId": "<that sessionId>", "timeout": 30000/);
    // A killed exec is retried: the command is safe to repeat (it waits on the same run).
    assert.match(args.task, new RegExp(`without a line starting with "run ${h.run} task #${h.task_id}:", call exec again with the same arguments`));
    assert.deepEqual([args.label, args.cwd, args.runTimeoutSeconds, args.expectsCompletionMessage], [`steward-run-${h.run}`, ws, 1800 + 120, false]);
    const shown = run('show', String(h.task_id), '--json').json;
    assert.equal(shown.task.status, 'running');
    assert.equal(shown.runs[0].pid, undefined, 'nothing was started');
  }
  // Nobody spawned them yet (no babysitter recorded): the next tick offers the same runs again, marked.
  const second = run('tick', '--json').json;
  assert.equal(second.quiet, false);
  const again = second.dispatch as Array<{ run: number; task_id: number; sessions_spawn: Spawn; reoffered?: boolean }>;
  assert.deepEqual(again.map((h) => [h.run, h.task_id, h.reoffered]), handoff.map((h) => [h.run, h.task_id, true]));
  assert.deepEqual(again.map((h) => h.sessions_spawn), handoff.map((h) => h.sessions_spawn), 'the same spawn text');
  assert.deepEqual([second.acted?.reoffered, second.acted?.handed_off], [2, undefined], 'counted as re-offers, not new hand-offs');
  // Nobody picked the runs up: when their hand-off leases end, the tasks go back to ready without a strike and are
  // handed off anew (new runs) in the same tick.
  const store = openStore(join(ws, '.steward/queue.db'));
  store.db.prepare("UPDATE runs SET lease_expires_at = 1 WHERE status = 'running'").run();
  store.close();
  const third = run('tick', '--json').json;
  assert.equal(third.acted.handoffs_expired, 2);
  assert.equal(third.acted.reaped, undefined, 'not lost: nothing ran');
  assert.equal(third.failures, undefined, 'no failure to judge');
  const fresh = third.dispatch as Array<{ run: number; task_id: number; reoffered?: boolean }>;
  assert.deepEqual(fresh.map((h) => [h.task_id, h.reoffered]), [[1, undefined], [2, undefined]]);
  assert.ok(fresh.every((h) => !handoff.some((o) => o.run === h.run)), 'new runs');
  const shown = run('show', '1', '--json').json;
  assert.equal(shown.task.attempts, 0, 'no strike');
});
