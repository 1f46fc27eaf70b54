// The wake-up of `steward up` (src/workspace/wake-socket.ts): a committed write dispatches at once, not at the next heartbeat.
// The heartbeat is a day, the change poll and the file debounce are off, so only the wake-up can start the agent.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { addTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { wakePinger, wakeSocketPath } from '../src/workspace/wake-socket.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { waitFor } from './helpers/processes.js';
import { cli, tempDir } from './support/helpers.js';

/** The longest setTimeout Node keeps (a longer one fires after 1 ms). */
const NEVER = 2 ** 31 - 1;

test('under steward up, `steward add` in another process and a write in up itself each dispatch without the heartbeat', { timeout: 300_000 }, async () => {
  const root = tempDir('steward-wake-');
  const { workspace } = initWorkspace(root);
  // The agent: a process that leaves a file named after its task, then exits 0.
  const script = "require('fs').writeFileSync(require('path').join(process.env.MARKS, 'started-' + process.env.STEWARD_TASK_ID), String(Date.now()))";
  const raw = {
    heartbeat: { everySeconds: 24 * 3600 },
    agents: { coder: { cli: 'command', command: [process.execPath, '-e', script], env: { MARKS: root }, leaseSeconds: 60 } },
  };
  writeFileSync(workspace.configPath, JSON.stringify(raw, null, 2));
  const config = configSchema.parse(raw);
  const store = openStore(workspace.dbPath);
  const up = await startUp({ workspace, config, store, port: 0, pollMs: NEVER, debounceMs: NEVER, log: () => undefined });
  try {
    assert.equal(up.wakeSocket, wakeSocketPath(workspace.stewardDir));
    await waitFor('the first tick', () => (up.stats.ticks >= 1 ? true : undefined));
    const mark = (id: number) => join(root, `started-${id}`);

    // 1. Another process commits a write: its ping wakes up, which dispatches the task.
    const wakeupsBefore = up.stats.wakeups ?? 0;
    const added = cli(['add', 'woken by the ping', '--json'], { cwd: root });
    assert.equal(added.code, 0, added.stderr);
    const id = added.json.task.id as number;
    await waitFor(`the agent of task #${id}`, () => (existsSync(mark(id)) ? true : undefined), 240_000);
    assert.ok((up.stats.wakeups ?? 0) > wakeupsBefore, 'the tick was woken');

    // 2. A write through up's own store outside a tick (MCP over HTTP, the web board) wakes it the same way.
    const second = addTask(store, { title: 'written in up itself' }, { now: Date.now(), actor: 'test' }).task;
    await waitFor(`the agent of task #${second.id}`, () => (existsSync(mark(second.id)) ? true : undefined), 240_000);
    assert.notEqual(up.stats.lastCause, 'heartbeat');
  } finally {
    await up.drain();
    store.close();
  }
  assert.equal(existsSync(wakeSocketPath(workspace.stewardDir)), false, 'the socket goes with up');
});

test('a ping with no steward up listening fails quietly; the CLI writes and exits as usual', async () => {
  const root = tempDir('steward-wake-');
  const { workspace } = initWorkspace(root);
  openStore(workspace.dbPath).close();
  const pinger = wakePinger(workspace.stewardDir);
  pinger.ping();
  pinger.ping();
  await new Promise((r) => setTimeout(r, 50));
  // The CLI with no up running: the write succeeds and the process exits as usual.
  const added = cli(['add', 'nobody listens', '--json'], { cwd: root });
  assert.equal(added.code, 0, added.stderr);
});
