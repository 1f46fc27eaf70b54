// Issue 18 goal 2: under `steward up`, a propose, a TASKS.md save and a finished run each wake the loop (counted, never
// timed), and dispatch hands runs to warm babysitters (src/runner/spare.ts) instead of starting a fresh Node each time.
// The heartbeat is a day and the change poll is off, so only the wake-ups can tick.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { startUp, type UpHandle, type UpOptions, type UpTracePoint } from '../src/up/up.js';
import { spareLogPath } from '../src/runner/spare.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { waitFor } from './helpers/processes.js';
import { cli, tempDir } from './support/helpers.js';

const NEVER = 2 ** 31 - 1;

/** The agent: leaves started-<task>, then waits (bounded) for go-<task> before it exits 0. */
const AGENT = [
  "const fs = require('fs'), p = require('path'); const m = process.env.MARKS, t = process.env.STEWARD_TASK_ID;",
  "fs.writeFileSync(p.join(m, 'started-' + t), String(Date.now()));",
  "const go = p.join(m, 'go-' + t), end = Date.now() + 240000;",
  '(function wait() { if (fs.existsSync(go) || Date.now() > end) return; setTimeout(wait, 5); })();',
].join(' ');

async function upWith(wip: number, opts: { debounceMs?: number; spares?: number; trace?: UpOptions['trace'] } = {}) {
  const root = tempDir('steward-spare-');
  const { workspace } = initWorkspace(root);
  const raw = {
    heartbeat: { everySeconds: 24 * 3600 },
    ...(opts.spares !== undefined ? { up: { spares: opts.spares } } : {}),
    wip: { global: wip },
    agents: { coder: { cli: 'command', command: [process.execPath, '-e', AGENT], env: { MARKS: root }, leaseSeconds: 120 } },
  };
  writeFileSync(workspace.configPath, JSON.stringify(raw, null, 2));
  const store = openStore(workspace.dbPath);
  const up = await startUp({ workspace, config: configSchema.parse(raw), store, port: 0, pollMs: NEVER, debounceMs: opts.debounceMs ?? NEVER, log: () => undefined, ...(opts.trace ? { trace: opts.trace } : {}) });
  await waitFor('the first tick', () => (up.stats.ticks >= 1 ? true : undefined));
  const started = (id: number) => join(root, `started-${id}`);
  const go = (id: number) => writeFileSync(join(root, `go-${id}`), '');
  return { root, workspace, store, up, started, go };
}

const waitStarted = (what: string, path: string) => waitFor(what, () => (existsSync(path) ? true : undefined), 240_000);

async function stop(up: UpHandle, store: { close(): void }, go: () => void) {
  go();
  await up.drain();
  store.close();
}

test('a finished run wakes up, which dispatches the next task to a warm spare babysitter', { timeout: 600_000 }, async () => {
  const points: UpTracePoint[] = [];
  const { workspace, store, up, started, go } = await upWith(1, { trace: (p) => points.push(p) });
  const ids: number[] = [];
  try {
    assert.ok(up.spares, 'dispatch: local keeps spares');
    await waitFor('a ready spare', () => (up.spares!.ready >= 1 ? true : undefined), 240_000);
    // Two tasks, one slot: the first runs, the second waits for the slot.
    const ctx = { now: Date.now(), actor: 'test' };
    ids.push(addTask(store, { title: 'first' }, ctx).task.id, addTask(store, { title: 'second' }, ctx).task.id);
    const wakeupsAfterAdds = up.stats.wakeups ?? 0;
    await waitStarted('the first agent', started(ids[0]!));
    assert.equal(existsSync(started(ids[1]!)), false, 'the second waits for the slot');
    // The spare's start (one transaction) and its CLI's group are written without a wake-up ping: nothing to decide.
    const firstRun = await waitFor('the CLI group on the run', () => {
      const r = store.read(() => store.runs.forTask(ids[0]!, 1)[0]);
      return r && r.pgid !== null && r.pgid !== r.pid ? r : undefined;
    }, 240_000);
    assert.equal(up.stats.wakeups ?? 0, wakeupsAfterAdds, "the babysitter's start woke nobody");
    // The path as traced: woken, a tick, its dispatch step, the run handed over — in that order.
    const handed = points.findIndex((p) => p.what === 'handed' && p.run === firstRun.id);
    assert.ok(handed > 0, 'the run was handed');
    const order = points.slice(0, handed + 1).map((p) => p.what).filter((w, i, a) => w !== a[i - 1]);
    assert.deepEqual(order.slice(-4), ['wake', 'tick', 'dispatch', 'handed']);
    // The wake-up ran the tick's dispatch step alone first; the full tick came after the run was handed.
    const tickBefore = points.slice(0, handed).filter((p) => p.what === 'tick').at(-1)!;
    assert.equal(tickBefore.pass, 'fast', 'the dispatch step ran ahead of the full tick');
    assert.ok((up.stats.fastStarted ?? 0) >= 1);
    await waitFor('the full tick after it', () => (points.slice(handed).some((p) => p.what === 'tick' && p.pass === 'full') ? true : undefined), 240_000);
    assert.equal(up.spares!.stats.handed, 1, 'the first run went to the warm spare');
    assert.equal(up.spares!.stats.cold, 0);
    // The replacement spare is ready before the first run ends, so the next run is warm too.
    await waitFor('the replacement spare', () => (up.spares!.ready >= 1 ? true : undefined), 240_000);
    const wakeupsBefore = up.stats.wakeups ?? 0;
    go(ids[0]!);
    await waitStarted('the second agent (only the finished run can wake up)', started(ids[1]!));
    assert.ok((up.stats.wakeups ?? 0) > wakeupsBefore, 'the finished run woke up');
    assert.equal(up.spares!.stats.handed, 2);
    assert.equal(up.spares!.stats.cold, 0);
    const first = store.read(() => store.runs.get(firstRun.id)!);
    assert.equal(first.outcome, 'completed');
    const log = readFileSync(spareLogPath(workspace.logsDir), 'utf8');
    assert.match(log, new RegExp(`spare babysitter pid ${first.pid} takes run ${first.id}\\b`));
  } finally {
    await stop(up, store, () => ids.forEach((id) => writeFileSync(join(workspace.root, `go-${id}`), '')));
  }
  go(0);
});

test('without a ready spare the run starts cold; drain closes the waiting spares', { timeout: 600_000 }, async () => {
  const { store, up, started, go } = await upWith(2, { spares: 0 });
  try {
    assert.equal(up.spares, undefined, 'up.spares: 0 in config.yaml keeps none');
    const id = addTask(store, { title: 'cold' }, { now: Date.now(), actor: 'test' }).task.id;
    await waitStarted('the agent', started(id));
    go(id);
  } finally {
    await up.drain();
    store.close();
  }
  const warm = await upWith(1);
  await waitFor('a ready spare', () => (warm.up.spares!.ready >= 1 ? true : undefined), 240_000);
  assert.equal(warm.up.spares!.stats.started, 1);
  await warm.up.drain();
  warm.store.close();
  await waitFor('the spare exits once up drained', () => (warm.up.spares!.stats.exited >= 1 ? true : undefined), 240_000);
});

test('a `steward propose` in another process wakes up (counted)', { timeout: 600_000 }, async () => {
  const { root, store, up, go } = await upWith(1);
  try {
    const before = { wakeups: up.stats.wakeups ?? 0, ticks: up.stats.ticks };
    const r = cli(['propose', 'an idea from a worker', '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the wake-up', () => ((up.stats.wakeups ?? 0) > before.wakeups ? true : undefined), 240_000);
    await waitFor('the tick it asked for', () => (up.stats.ticks > before.ticks ? true : undefined), 240_000);
  } finally {
    await stop(up, store, () => go(0));
  }
});

test('a TASKS.md save wakes up through the file watcher and its new line is dispatched', { timeout: 600_000 }, async () => {
  const { store, up, started, go, workspace } = await upWith(1, { debounceMs: 50 });
  const board = boardFile(workspace);
  try {
    await waitFor('TASKS.md', () => (existsSync(board) ? true : undefined), 240_000);
    const before = up.stats.fileChanges ?? 0;
    const text = readFileSync(board, 'utf8');
    writeFileSync(board, `${text.trimEnd()}\n\n## default\n\n- [ ] saved in TASKS.md\n`);
    await waitFor('the watcher', () => ((up.stats.fileChanges ?? 0) > before ? true : undefined), 240_000);
    const id = await waitFor('the task from the saved line', () => store.read(() => store.tasks.forBoard(1000).find((t) => t.title === 'saved in TASKS.md')?.id), 240_000);
    await waitStarted('its agent', started(id));
    go(id);
  } finally {
    await up.drain();
    store.close();
  }
});

function boardFile(workspace: Workspace): string {
  return join(workspace.root, 'TASKS.md');
}
