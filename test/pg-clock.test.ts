// Leases on a shared Postgres queue are judged in the database's clock, not the machine's: a process whose clock is
// 10 minutes ahead neither reaps a live lease nor hands out leases 10 minutes too long, and one 10 minutes behind still
// reaps a lease that has ended. The clock is put off two ways: the STEWARD_TEST_CLOCK_SKEW_MS knob (the store's own
// reading of the local clock) and, as a machine with a wrong clock would be, Date.now of the whole process (preloaded
// test/fixtures/skew-clock.cjs). Each case is one a process judging by its own clock would get wrong.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addTask, claimTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { at, cli, REPO_ROOT, tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(async () => {
  if (!('skip' in server)) await server.stop();
});

const TEN_MINUTES = 10 * 60_000;
const SKEW_FIXTURE = join(REPO_ROOT, 'test/fixtures/skew-clock.cjs');

/** The environment of a process on the queue whose clock is `skewMs` off, the way `how` says. */
function skewed(schema: string, how: 'knob' | 'clock', skewMs: number): NodeJS.ProcessEnv {
  const base = { STEWARD_DATABASE_URL: url, STEWARD_DATABASE_SCHEMA: schema };
  if (how === 'knob') return { ...base, STEWARD_TEST_CLOCK_SKEW_MS: String(skewMs) };
  return { ...base, FAKE_CLOCK_SKEW_MS: String(skewMs), NODE_OPTIONS: `--require ${SKEW_FIXTURE}` };
}

/** The database's clock, read now. */
function dbNow(store: Store): number {
  return Number((store.read(() => store.db.prepare('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms').get()) as { ms: number }).ms);
}

/** Adds a task and claims it from "another machine" at `claimedAt` (database time) with a lease of `leaseSeconds`. */
function claimedRun(store: Store, title: string, claimedAt: number, leaseSeconds: number): { task: number; run: number; expires: number } {
  const id = addTask(store, { title }, at(claimedAt)).task.id;
  const out = claimTask(store, { agent: 'elsewhere', lease_seconds: leaseSeconds }, at(claimedAt), { host: 'another-machine' });
  assert.ok(out.task && out.task.id === id, `claimed ${title}`);
  return { task: id, run: out.run.id, expires: out.run.lease_expires_at };
}

for (const how of ['knob', 'clock'] as const) {
  test(`a process whose clock is 10 minutes off (${how === 'knob' ? 'STEWARD_TEST_CLOCK_SKEW_MS' : 'Date.now of the whole process'}) judges leases in the database's clock`, { skip, timeout: 300_000 }, () => {
    const schema = freshSchema('clock');
    const ws = tempDir('steward-pg-clock-');
    const init = cli(['init'], { cwd: ws, env: skewed(schema, how, 0) });
    assert.equal(init.code, 0, init.stderr);
    const configPath = join(ws, '.steward/config.yaml');
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^dispatch: local$/m, 'dispatch: none'));
    const store = openStore(join(ws, '.steward/queue.db'), { url, schema });
    try {
      // A live lease (5 more minutes in the database's clock) and one that ended a minute ago.
      const now = dbNow(store);
      const live = claimedRun(store, 'live lease', now, 300);
      const ended = claimedRun(store, 'lease ended a minute ago', now - 120_000, 60);
      assert.ok(ended.expires < now && live.expires > now);

      // 10 minutes ahead: by its own clock the live lease ended 5 minutes ago. Its tick must leave it alone.
      const ahead = cli(['tick', '--json'], { cwd: ws, env: skewed(schema, how, TEN_MINUTES) });
      assert.equal(ahead.code, 0, ahead.stderr);
      const liveRun = store.read(() => store.runs.get(live.run))!;
      assert.equal(liveRun.status, 'running', `the live lease was reaped by a clock 10 minutes ahead: ${JSON.stringify(liveRun)}`);
      // (the ended lease is reaped by it, as by anyone)
      assert.equal(store.read(() => store.runs.get(ended.run))!.outcome, 'lost');

      // 10 minutes behind: by its own clock a lease that ended a minute ago has 9 minutes left. Its tick must reap it.
      const ended2 = claimedRun(store, 'another lease ended a minute ago', dbNow(store) - 120_000, 60);
      const behind = cli(['tick', '--json'], { cwd: ws, env: skewed(schema, how, -TEN_MINUTES) });
      assert.equal(behind.code, 0, behind.stderr);
      const reaped = store.read(() => store.runs.get(ended2.run))!;
      assert.equal(reaped.outcome, 'lost', `an ended lease was left running by a clock 10 minutes behind: ${JSON.stringify(reaped)}`);
      assert.equal(store.read(() => store.runs.get(live.run))!.status, 'running');

      // A claim by the clock ahead gets a lease of 5 minutes from the database's now, not from its own.
      addTask(store, { title: 'claimed ahead' }, at(dbNow(store)));
      const before = dbNow(store);
      const claimed = cli(['claim', '--agent', 'skewed', '--lease', '300', '--json'], { cwd: ws, env: skewed(schema, how, TEN_MINUTES) });
      const after = dbNow(store);
      assert.equal(claimed.code, 0, claimed.stderr);
      const expires = Date.parse(claimed.json.run.lease_expires_at as string);
      // The window is the claim's own duration (plus a minute for the clock reading's error): far from 10 minutes.
      assert.ok(expires >= before + 300_000 - 60_000 && expires <= after + 300_000 + 60_000,
        `lease until ${new Date(expires).toISOString()}, database clock ${new Date(before).toISOString()} … ${new Date(after).toISOString()}`);
    } finally {
      store.close();
    }
  });
}
