// The tick lock on a real database file, from two connections: one holder, expiry takeover, safe release.
import assert from 'node:assert/strict';
import { StewardError } from '../src/core/errors.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addTask, proposeTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { isSkipped, runTick, tickSessionLock } from '../src/tick/run-tick.js';
import { acquireTickLock, lockOwnerGone, releaseTickLock, TICK_LOCK_KEY } from '../src/tick/tick-lock.js';
import { at, snapshot, tempDir } from './support/helpers.js';
import { spawnSyncCapped } from './helpers/processes.js';

function twoConnections() {
  const path = join(tempDir(), 'queue.db');
  return [openStore(path), openStore(path)] as const;
}

describe('tick lock', () => {
  test('a second connection is refused while the first holds it, then takes it once released', () => {
    const [a, b] = twoConnections();
    const got = acquireTickLock(a, 'A', 1000);
    assert.ok('lock' in got && got.lock.why === 'free');
    const refused = acquireTickLock(b, 'B', 1001);
    assert.deepEqual(refused, { busy: { owner: 'A', expires_at: 31_000 } });
    assert.equal(releaseTickLock(a, got.lock), true);
    assert.equal(a.meta.get(TICK_LOCK_KEY), undefined, 'released: the row is gone');
    const taken = acquireTickLock(b, 'B', 1002);
    assert.ok('lock' in taken && taken.lock.why === 'free');
  });

  test('an expired lock (its tick died) is taken over; the dead tick cannot release the new holder', () => {
    const [a, b] = twoConnections();
    const dead = acquireTickLock(a, 'A', 1000, 5000);
    assert.ok('lock' in dead);
    assert.ok('busy' in acquireTickLock(b, 'B', 5999, 5000));
    const over = acquireTickLock(b, 'B', 6000, 5000);
    assert.ok('lock' in over && over.lock.why === 'expired');
    assert.equal(releaseTickLock(a, dead.lock), false, 'A no longer owns it');
    assert.match(b.meta.get(TICK_LOCK_KEY)!, /"owner":"B"/);
  });

  test('a lock whose owner process on this host is gone (a SIGKILLed steward up) is taken over at once (found by the chaos run)', () => {
    const [a, b] = twoConnections();
    const gone = spawnSyncCapped(process.execPath, ['-e', '']).pid; // exited and reaped: its pid is free
    const deadOwner = `${hostname()}:${gone}:0a1b2c3d`;
    assert.equal(lockOwnerGone(deadOwner), true);
    assert.ok('lock' in acquireTickLock(a, deadOwner, 1000));
    const over = acquireTickLock(b, 'B', 1001);
    assert.ok('lock' in over && over.lock.why === 'abandoned', JSON.stringify(over));
    // A live owner, another host's owner, or a name that is not host:pid:nonce keeps the lock until it expires.
    for (const owner of [`${hostname()}:${process.pid}:0a1b2c3d`, `not-${hostname()}:${gone}:0a1b2c3d`, 'A']) {
      assert.equal(lockOwnerGone(owner), false, owner);
      a.meta.compareAndSet(TICK_LOCK_KEY, a.meta.get(TICK_LOCK_KEY), undefined);
      assert.ok('lock' in acquireTickLock(a, owner, 2000));
      assert.ok('busy' in acquireTickLock(b, 'B', 2001), owner);
    }
  });

  test('runTick: busy while another tick holds the lock — changes nothing and says quiet', () => {
    const [a, b] = twoConnections();
    addTask(a, { title: 'x' }, at(1000));
    proposeTask(a, { title: 'idea' }, at(1000));
    // A live tick: on Postgres it also holds the session advisory lock on its connection (runTick takes it first).
    const session = tickSessionLock(a);
    assert.notEqual(session?.take(), false);
    const held = acquireTickLock(a, 'other-host:1:ab', 2000);
    assert.ok('lock' in held);
    const before = snapshot(b);
    const out = runTick({ store: b, ctx: at(2001), owner: 'me' });
    assert.deepEqual(out, { skipped: 'busy', quiet: true, holder: 'other-host:1:ab', until: new Date(32_000).toISOString() });
    assert.equal(snapshot(b), before);
    releaseTickLock(a, held.lock);
    session?.release();
    const ran = runTick({ store: b, ctx: at(2002), owner: 'me' });
    assert.ok(!isSkipped(ran));
    assert.equal(ran.digest.proposals!.length, 1);
    assert.equal(b.meta.get(TICK_LOCK_KEY), undefined, 'released after the tick');
  });

  test('a tick that throws still releases the lock', () => {
    const [a] = twoConnections();
    assert.throws(() => runTick({ store: a, ctx: at(1), owner: 'me', hooks: { ingest: () => { throw new StewardError('UNAVAILABLE', 'disk gone'); } } }), /disk gone/);
    assert.equal(a.meta.get(TICK_LOCK_KEY), undefined);
  });

  test('compare-and-set on meta: absent → set, wrong expected → no change, delete only the expected value', () => {
    const [a] = twoConnections();
    assert.equal(a.meta.compareAndSet('k', undefined, 'v1'), true);
    assert.equal(a.meta.compareAndSet('k', undefined, 'v2'), false);
    assert.equal(a.meta.compareAndSet('k', 'nope', 'v2'), false);
    assert.equal(a.meta.compareAndSet('k', 'v1', 'v2'), true);
    assert.equal(a.meta.compareAndSet('k', 'v1', undefined), false);
    assert.equal(a.meta.get('k'), 'v2');
    assert.equal(a.meta.compareAndSet('k', 'v2', undefined), true);
    assert.equal(a.meta.get('k'), undefined);
  });
});
