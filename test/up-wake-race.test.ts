// Wake-ups of `steward up` that arrive at awkward moments are not lost (issue 22): a write committed while up's own tick
// runs, and a write committed while another process holds the tick (up's tick is skipped as busy). The heartbeat is a
// day, the change poll and the file debounce are off, so only the wake-up path can start the agent; on SQLite it is the
// wake socket's ping, on Postgres the LISTEN/NOTIFY of the queue's channel (the writers run in another folder, as on
// another machine: they cannot reach up's socket). Held at known points, never timed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { resolveSchema } from '../src/store/pg/pg-store.js';
import { startUp, type UpHandle } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { cli, tempDir } from './support/helpers.js';
import { TEST_POSTGRES_URL } from './support/backend.js';
import { killStarted, start, until } from './support/remote.js';
import { execFileSyncCapped } from './helpers/processes.js';

afterEach(killStarted);

/** The longest setTimeout Node keeps (a longer one fires after 1 ms). */
const NEVER = 2 ** 31 - 1;

interface Setup {
  root: string;
  workspace: Workspace;
  store: Store;
  up: UpHandle;
  /** Where other processes write from: the workspace itself on SQLite, another folder on the same queue on Postgres. */
  writer: { cwd: string; env: NodeJS.ProcessEnv };
  /** True once the agent of task `id` has started. */
  started(id: number): boolean;
}

async function setUp(onTick?: () => void): Promise<Setup> {
  const root = tempDir('steward-wake-race-');
  const { workspace } = initWorkspace(root);
  // The agent: a process that leaves a file named after its task, then exits 0.
  const script = "require('fs').writeFileSync(require('path').join(process.env.MARKS, 'started-' + process.env.STEWARD_TASK_ID), 'x')";
  const raw = {
    heartbeat: { everySeconds: 24 * 3600 },
    agents: { coder: { cli: 'command', command: [process.execPath, '-e', script], env: { MARKS: root }, leaseSeconds: 60 } },
  };
  writeFileSync(workspace.configPath, JSON.stringify(raw, null, 2));
  const config = configSchema.parse(raw);
  let store: Store;
  let writer: Setup['writer'];
  if (TEST_POSTGRES_URL) {
    // The workspace's own queue (its babysitters find it by path); the other folder names that schema outright.
    const schema = resolveSchema(workspace.dbPath);
    const env = { STEWARD_DATABASE_URL: TEST_POSTGRES_URL, STEWARD_DATABASE_SCHEMA: schema };
    store = openStore(workspace.dbPath);
    const elsewhere = tempDir('steward-wake-elsewhere-');
    const init = cli(['init'], { cwd: elsewhere, env });
    assert.equal(init.code, 0, init.stderr);
    writer = { cwd: elsewhere, env };
  } else {
    store = openStore(workspace.dbPath);
    writer = { cwd: root, env: {} };
  }
  const up = await startUp({ workspace, config, store, port: 0, pollMs: NEVER, debounceMs: NEVER, log: () => undefined, ...(onTick ? { onTick } : {}) });
  await until('the first tick', () => up.stats.ticks >= 1);
  // On Postgres: LISTEN in place, so the writes below are announced to it (test/pg-wake.test.ts covers the catch-up).
  if (TEST_POSTGRES_URL) await until('LISTEN in place', () => up.stats.listening === true);
  return { root, workspace, store, up, writer, started: (id) => existsSync(join(root, `started-${id}`)) };
}

function add(s: Setup, title: string): number {
  const added = cli(['add', title, '--json'], { cwd: s.writer.cwd, env: s.writer.env });
  assert.equal(added.code, 0, added.stderr);
  return added.json.task.id as number;
}

test('a write committed while up\'s tick runs wakes up again after that tick, not at the heartbeat', { timeout: 300_000 }, async () => {
  let armed = false;
  let s!: Setup;
  let id: number | undefined;
  // The tick's last step (onTick runs inside it, before up counts it done): another process commits a task now, and
  // its ping or NOTIFY reaches up while the tick still runs.
  s = await setUp(() => {
    if (!armed) return;
    armed = false;
    id = add(s, 'written while up ticks');
  });
  try {
    const wakeups = s.up.stats.wakeups ?? 0;
    const notifications = s.up.stats.notifications ?? 0;
    armed = true;
    s.up.wake(); // a tick, now (the heartbeat is a day away)
    await until('the task written mid-tick', () => id !== undefined);
    await until(`the agent of task #${id}`, () => s.started(id!));
    assert.ok((s.up.stats.wakeups ?? 0) >= wakeups + 2, 'the test\'s wake-up, then the write\'s');
    if (TEST_POSTGRES_URL) assert.ok((s.up.stats.notifications ?? 0) > notifications, 'woken by the NOTIFY');
  } finally {
    await s.up.drain();
    s.store.close();
  }
});

test('a write committed while another process holds the tick: up\'s skipped tick comes back when the holder lets go', { timeout: 300_000 }, async () => {
  const journal = join(tempDir(), 'tick-journal');
  writeFileSync(journal, '');
  process.env.STEWARD_TICK_JOURNAL = journal;
  const lines = () => readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  const s = await setUp();
  try {
    // `steward tick` in another process does its pass, then waits at the gate still holding the tick.
    const gate = join(tempDir(), 'gate');
    execFileSyncCapped('mkfifo', [gate]);
    const holder = start(['tick', '--json'], s.writer.cwd, { ...s.writer.env, STEWARD_TICK_GATE: gate, STEWARD_QUIET_TICK: '0' });
    const pid = String(holder.child.pid);
    await until('the holder at its gate', () => lines().some((l) => l.startsWith('gate ') && l.split(':').at(-2) === pid));

    // A task arrives now: up is woken, tries, and is told the tick is busy (the holder read the queue before it).
    const skipped = s.up.stats.skippedBusy;
    const id = add(s, 'written while another holds the tick');
    await until('up\'s tick skipped as busy', () => s.up.stats.skippedBusy > skipped);
    assert.equal(s.started(id), false);

    // The holder lets go: its release is a commit (a ping, a NOTIFY), and up ticks again for the task it skipped.
    writeFileSync(gate, 'go');
    assert.equal(await holder.exited, 0, holder.err());
    await until(`the agent of task #${id}`, () => s.started(id));
    const after = lines();
    const end = after.findIndex((l) => l.startsWith('end ') && l.split(':').at(-2) === pid);
    assert.ok(after.slice(end + 1).some((l) => l.startsWith('begin ') && l.split(':').at(-2) === String(process.pid)), after.join('\n'));
  } finally {
    delete process.env.STEWARD_TICK_JOURNAL;
    await s.up.drain();
    s.store.close();
  }
});
