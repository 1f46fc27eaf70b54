// Several `steward up` on one Postgres queue, each in a workspace folder of its own (as on separate machines: no shared
// wake socket, no shared files but the tick journal the test reads). A commit of another process wakes `up` through
// LISTEN/NOTIFY; exactly one `up` ticks at a time; an `up` SIGKILLed in the middle of a tick frees the tick for the
// other at once (its connection, and the session advisory lock on it, are gone). Counted and ordered, never timed.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import { advisoryKey } from '../src/store/pg/lock-keys.js';
import { StewardError } from '../src/core/errors.js';
import { addTask } from '../src/ops/create-task.js';
import { isSkipped, runTick, TICK_SESSION_LOCK, tickSessionLock } from '../src/tick/run-tick.js';
import { digestCursorKey } from '../src/tick/digest-store.js';
import { TICK_LOCK_KEY } from '../src/tick/tick-lock.js';
import { at, cli, tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';
import { killStarted, start, TOKENS, until, upJson, VIEWER_TOKEN, type Proc } from './support/remote.js';
import { execFileSyncCapped } from './helpers/processes.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
afterEach(killStarted);
after(async () => {
  killStarted();
  if (!('skip' in server)) await server.stop();
});

/** The environment that puts a process on the test's queue (one schema of the throwaway cluster). */
const dbEnv = (schema: string): NodeJS.ProcessEnv => ({ STEWARD_DATABASE_URL: url, STEWARD_DATABASE_SCHEMA: schema, STEWARD_MCP_TOKENS: TOKENS });

/** A workspace folder on the queue: `steward init`, heartbeat every second, nothing dispatched. */
function machine(schema: string): string {
  const ws = tempDir('steward-pg-machine-');
  const r = cli(['init'], { cwd: ws, env: dbEnv(schema) });
  assert.equal(r.code, 0, r.stderr);
  const path = join(ws, '.steward/config.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/^dispatch: local$/m, 'dispatch: none').replace(/^ {2}everySeconds: \d+$/m, '  everySeconds: 1'));
  return ws;
}

interface Up extends Proc {
  ws: string;
  url: string;
  metrics(): Promise<Record<string, number>>;
}

async function startUp(ws: string, schema: string, env: NodeJS.ProcessEnv = {}): Promise<Up> {
  const p = start(['up', '--port', '0', '--dir', ws], ws, { ...dbEnv(schema), ...env });
  const info = await upJson(ws);
  const base = `http://127.0.0.1:${info.port}`;
  return {
    ...p,
    ws,
    url: base,
    async metrics() {
      // A kept-alive connection the server closed just then fails a request ("other side closed"): ask again.
      const text = await until('/metrics', async () => {
        try {
          return await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).text();
        } catch {
          return undefined;
        }
      });
      return Object.fromEntries(text.split('\n').filter((l) => /^steward_\w+ /.test(l)).map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]));
    },
  };
}

test('a commit of a process on another machine wakes steward up through LISTEN/NOTIFY', { skip, timeout: 600_000 }, async () => {
  const schema = freshSchema('up');
  const here = machine(schema);
  const there = machine(schema); // another folder: its CLI has no way to ping the wake socket of `up` in `here`
  const up = await startUp(here, schema);
  // LISTEN in place (a write committed before it would only be caught by the wake-up LISTEN itself makes, or the poll).
  await until('LISTEN in place', async () => (await up.metrics()).steward_listening === 1);
  for (let i = 1; i <= 3; i++) {
    const before = await up.metrics();
    const added = cli(['add', `written elsewhere ${i}`, '--json'], { cwd: there, env: dbEnv(schema) });
    assert.equal(added.code, 0, added.stderr);
    // The notification arrives, and a tick follows it. (Whether that tick is the notification's wake-up or the heartbeat's
    // or the change poll's — which may start after the commit and before the notification is read, and then has seen the
    // write: no wake-up needed — depends on the machine's speed; test/up-wake-race.test.ts proves the wake-up itself with
    // the heartbeat and the poll off.)
    const heard = await until(`the notification of write ${i}`, async () => {
      const v = await up.metrics();
      return v.steward_notifications_total! > before.steward_notifications_total! && v;
    });
    await until(`a tick after the notification of write ${i}`, async () => (await up.metrics()).steward_tick_seconds_count! > heard.steward_tick_seconds_count!);
  }
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

test('on Postgres the tick\'s session lock decides: held elsewhere, the tick is skipped; free, a lock row left by a tick on another machine is taken over at once', { skip, timeout: 300_000 }, () => {
  const schema = freshSchema('lock');
  const path = join(tempDir(), 'queue.db');
  const mine = openStore(path, { url, schema });
  const other = openStore(path, { url, schema });
  try {
    const now = mine.now();
    // A lock row of a tick on another machine that has not expired: on SQLite it holds until it expires (the owner's
    // pid cannot be checked from here); on Postgres a live tick would also hold the session lock.
    const row = JSON.stringify({ owner: 'another-machine:4242:0a1b2c3d', expires_at: now + 60_000 });
    mine.tx(() => mine.meta.set(TICK_LOCK_KEY, row));
    const session = tickSessionLock(other)!;
    assert.equal(session.take(), true);
    const skipped = runTick({ store: mine, ctx: at(now), owner: 'me' });
    assert.ok(isSkipped(skipped));
    assert.equal(skipped.holder, 'another-machine:4242:0a1b2c3d');
    assert.equal(mine.meta.get(TICK_LOCK_KEY), row, 'nothing taken while another connection holds the session lock');
    session.release();
    // Nobody holds the session lock: whoever wrote the row is not in a tick (its connection, and the lock, died).
    const ran = runTick({ store: mine, ctx: at(now + 1), owner: 'me' });
    assert.ok(!isSkipped(ran));
    assert.equal(mine.meta.get(TICK_LOCK_KEY), undefined, 'taken over, then released after the tick');
  } finally {
    mine.close();
    other.close();
  }
});

test('a tick whose connection the server drops mid-tick notices: it writes nothing more (UNAVAILABLE) while another takes the tick over; its next tick reconnects', { skip, timeout: 300_000 }, () => {
  const schema = freshSchema('drop');
  const path = join(tempDir(), 'queue.db');
  const a = openStore(path, { url, schema });
  const b = openStore(path, { url, schema });
  const admin = openStore(path, { url, schema });
  try {
    addTask(a, { title: 'something for the digests to report' }, at(a.now()));
    const backend = (a.read(() => a.db.prepare('SELECT pg_backend_pid() AS pid').get()) as { pid: number }).pid;
    let other: ReturnType<typeof runTick> | undefined;
    const hooks = {
      // Mid-tick (after the locks, before the tick's writes): the server drops a's connection, and with it the session
      // lock. b, ticking meanwhile, takes the tick over — the lock row a left behind included.
      ingest: () => {
        assert.equal((admin.read(() => admin.db.prepare('SELECT pg_terminate_backend(?) AS ok').get(backend)) as { ok: number }).ok, 1);
        const gone = () => (admin.read(() => admin.db.prepare('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ?').get(backend)) as { n: number }).n === 0;
        for (let i = 0; !gone(); i++) if (i > 1_000_000) throw new Error('a\'s backend never went');
        other = runTick({ store: b, ctx: at(b.now()), owner: 'b', reader: 'b' });
        return {};
      },
    };
    assert.throws(() => runTick({ store: a, ctx: at(a.now()), owner: 'a', reader: 'a', hooks }), (err: unknown) => {
      assert.ok(err instanceof StewardError, String(err));
      assert.equal(err.code, 'UNAVAILABLE');
      assert.ok(err.message.includes(TICK_SESSION_LOCK), err.message);
      return true;
    });
    assert.ok(other && !isSkipped(other), 'b ticked while a was still in its tick, its lock gone');
    // a stopped at its first statement after the drop: its digest (the tick's last write) was never taken.
    assert.equal(admin.meta.get(digestCursorKey('a')), undefined, 'a wrote nothing after it lost the lock');
    assert.notEqual(admin.meta.get(digestCursorKey('b')), undefined);
    assert.equal(admin.meta.get(TICK_LOCK_KEY), undefined, 'b released the row; a\'s release touched only its own');
    // The next tick of a reconnects and takes the lock afresh.
    const again = runTick({ store: a, ctx: at(a.now()), owner: 'a', reader: 'a' });
    assert.ok(!isSkipped(again));
    assert.notEqual(admin.meta.get(digestCursorKey('a')), undefined);
  } finally {
    a.close();
    b.close();
    admin.close();
  }
});

/** The pid in a lock owner name `host:pid:nonce` (each tick of a process has a fresh nonce). */
const pidOf = (owner: string): string => owner.split(':').at(-2)!;

/**
 * Checks the tick journal (STEWARD_TICK_JOURNAL: `begin OWNER`, `end OWNER`, `gate OWNER` (passed over), and the
 * test's `kill PID` lines): no tick begins while another is in progress, except after its process was killed. Returns
 * the ticks begun per pid.
 */
function checkJournal(lines: string[]): Map<string, number> {
  let holder: string | null = null;
  const ticks = new Map<string, number>();
  for (const [i, line] of lines.entries()) {
    const [what, who] = line.split(' ') as [string, string];
    if (what === 'begin') {
      assert.equal(holder, null, `line ${i + 1}: ${who} began a tick while ${holder} was in one:\n${lines.join('\n')}`);
      holder = who;
      ticks.set(pidOf(who), (ticks.get(pidOf(who)) ?? 0) + 1);
    } else if (what === 'end') {
      assert.equal(holder, who, `line ${i + 1}: ${who} ended a tick it was not in`);
      holder = null;
    } else if (what === 'kill' && holder !== null && pidOf(holder) === who) {
      holder = null; // the process in the middle of a tick was SIGKILLed: its tick ends here
    }
  }
  return ticks;
}

test('two steward up on one Postgres queue: one ticks at a time; SIGKILLed mid-tick, the other takes the tick over within one lease', { skip, timeout: 600_000 }, async () => {
  const schema = freshSchema('tick');
  const journal = join(tempDir(), 'tick-journal');
  writeFileSync(journal, '');
  const read = () => readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  const env = { STEWARD_TICK_JOURNAL: journal };
  // `a` can be held in the middle of a tick: its tick gate (STEWARD_TICK_GATE, read after the tick's work, under the
  // lock) is a plain file, read at once, until the test puts a FIFO in its place, whose read blocks.
  const gate = join(tempDir(), 'gate');
  writeFileSync(gate, '');
  const a = await startUp(machine(schema), schema, { ...env, STEWARD_TICK_GATE: gate });
  const b = await startUp(machine(schema), schema, env);
  const pa = String(a.child.pid);
  const pb = String(b.child.pid);
  const lastGated = (lines: string[], pid: string) => lines.at(-1)?.startsWith('gate ') && pidOf(lines.at(-1)!.slice(5)) === pid;
  // Both tick, turn by turn (each heartbeat every second, each wake-up of the other's writes): never two at once.
  await until('several ticks of each', () => {
    const ticks = checkJournal(read());
    return (ticks.get(pa) ?? 0) >= 3 && (ticks.get(pb) ?? 0) >= 3;
  });

  // `a` is stopped in the middle of a tick: its gate becomes a FIFO (made beside it, renamed over it), whose read
  // blocks until a writer comes — none does.
  const fifo = `${gate}.fifo`;
  execFileSyncCapped('mkfifo', [fifo]);
  renameSync(fifo, gate);
  await until('a in the middle of a tick', () => lastGated(read(), pa));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const row = await admin.query(`SELECT value FROM ${JSON.stringify(schema)}.meta WHERE key = 'tick.lock'`);
    const held = JSON.parse(row.rows[0].value as string) as { owner: string; expires_at: number };
    assert.equal(held.owner, read().at(-1)!.slice(5));
    assert.equal(pidOf(held.owner), pa);
    // `a` holds the tick's session advisory lock on its connection (exactly one backend holds it).
    const key = BigInt(advisoryKey('tick', schema));
    const locks = await admin.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1`, [
      Number((key >> 32n) & 0xffffffffn), Number(key & 0xffffffffn),
    ]);
    assert.equal(locks.rowCount, 1);
    const backend = locks.rows[0].pid as number;
    // While `a` holds the tick, `b` keeps trying and is told it is busy; it never begins a tick.
    const busy = (await b.metrics()).steward_ticks_skipped_busy!;
    await until('b skipping ticks while a holds the lock', async () => (await b.metrics()).steward_ticks_skipped_busy! >= busy + 2);
    assert.ok(lastGated(read(), pa), 'a is still in its tick; b never began one');

    writeFileSync(journal, `kill ${a.child.pid}\n`, { flag: 'a' });
    a.child.kill('SIGKILL');
    await a.exited;
    // The server sees the dead process's connection close: its backend, and the lock with it, are gone.
    await until('a\'s connection gone', async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend])).rowCount === 0);
    await until('b ticking after the kill', () => {
      const lines = read();
      const k = lines.indexOf(`kill ${a.child.pid}`);
      return lines.slice(k + 1).some((l) => l.startsWith('begin ') && pidOf(l.slice(6)) === pb);
    });
    // Within one lease: b began its tick before a's lock row would have expired (both on the database's clock).
    const now = Number((await admin.query('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now')).rows[0].now);
    assert.ok(now < held.expires_at, `b took the tick over ${now - held.expires_at} ms after a's lock row expired`);
  } finally {
    await admin.end();
  }
  const before = checkJournal(read()).get(pb)!;
  await until('b ticking on', () => checkJournal(read()).get(pb)! >= before + 3);
  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0, b.err());
  checkJournal(read());
});
