// scripts/pg-cluster.mjs: a throwaway PostgreSQL cluster that is really reachable, configured as promised, and gone
// (server stopped, dir deleted) after stop() — and after its owner dies by SIGKILL (the watchdog).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { isAlive, killChildren, tracked, waitGone } from './helpers/processes.js';
import { tempDir } from './support/helpers.js';
import { PG_CLUSTER_SCRIPT, pgClusterModule, pgSkipReason, startPgCluster } from './support/pg-cluster.js';

const skip = await pgSkipReason();
afterEach(killChildren);
if (skip) process.stderr.write(`pg-cluster.test: skipped: ${skip}\n`);

async function query(url: string, sql: string): Promise<any[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, ok: () => boolean, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('startCluster: a reachable server with trust auth, fsync off, C collation, 300 connections; stop() removes it', { skip, timeout: 300_000 }, async () => {
  const c = await startPgCluster();
  let stopped = false;
  try {
    assert.match(c.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const [s] = await query(c.url, `SELECT current_setting('fsync') AS fsync, current_setting('max_connections') AS maxc,
      current_setting('lc_collate') AS coll, current_setting('TimeZone') AS tz, current_user AS who`);
    assert.deepEqual(s, { fsync: 'off', maxc: '300', coll: 'C', tz: 'UTC', who: 'postgres' });
    // Its own databases, over TCP and over the unix socket in its dir.
    const url = c.createDatabase('pgci_one');
    assert.deepEqual(await query(url, 'SELECT current_database() AS db'), [{ db: 'pgci_one' }]);
    assert.ok(existsSync(join(c.socketDir, `.s.PGSQL.${c.port}`)));
    assert.deepEqual(await query(`postgres://postgres@/pgci_one?host=${encodeURIComponent(c.socketDir)}&port=${c.port}`, 'SELECT 1 AS one'), [{ one: 1 }]);
    if (process.getuid?.() === 0) assert.ok(c.user, 'as root the server runs as an unprivileged user');
    await c.stop();
    stopped = true;
    assert.equal(existsSync(c.dataDir), false);
    await assert.rejects(query(c.url, 'SELECT 1'), /ECONNREFUSED/);
  } finally {
    if (!stopped) await c.stop();
  }
});

test('findPgBin: no PostgreSQL anywhere → POSTGRES_NOT_INSTALLED naming apt-get install -y postgresql', async () => {
  const { findPgBin } = await pgClusterModule();
  const empty = tempDir();
  assert.throws(() => findPgBin({ env: {}, path: empty, root: join(empty, 'none') }), (e: any) => {
    assert.equal(e.code, 'POSTGRES_NOT_INSTALLED');
    assert.match(e.message, /apt-get install -y postgresql/);
    return true;
  });
  assert.throws(() => findPgBin({ env: { STEWARD_PG_BIN: empty } }), (e: any) => e.code === 'POSTGRES_NOT_INSTALLED');
});

test('the owner SIGKILLed: the watchdog stops the server and deletes its dir', { skip, timeout: 300_000 }, async () => {
  const code = `const m = await import(${JSON.stringify(PG_CLUSTER_SCRIPT)}); const c = await m.startCluster();
    process.stdout.write(JSON.stringify({ url: c.url, dataDir: c.dataDir }) + '\\n'); setInterval(() => {}, 1000);`;
  const child = tracked(spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await until('the child to start its cluster', () => out.includes('\n') || child.exitCode !== null);
  const { url, dataDir } = JSON.parse(out) as { url: string; dataDir: string };
  assert.deepEqual(await query(url, 'SELECT 1 AS one'), [{ one: 1 }]);
  child.kill('SIGKILL');
  await until('the watchdog to delete the cluster dir', () => !existsSync(dataDir));
  await assert.rejects(query(url, 'SELECT 1'), /ECONNREFUSED/);
});

test('a hanging initdb is killed at the cap: startCluster fails naming initdb and the cap, and leaves no process or dir behind', async () => {
  const { startCluster, COMMAND_CAP_MS } = await pgClusterModule();
  assert.equal(COMMAND_CAP_MS, 120_000);
  // A bin dir whose initdb says where it is and hangs (exec: the pid it writes is the sleep's); pg_ctl is never reached.
  const bin = tempDir();
  chmodSync(bin, 0o777); // as root initdb runs as the cluster's unprivileged user, which writes its note here
  writeFileSync(join(bin, 'initdb'), `#!/bin/sh\necho "$$ $2" > "${bin}/initdb.note"\nexec sleep 600\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'pg_ctl'), '#!/bin/sh\nexit 99\n', { mode: 0o755 });
  const saved = process.env.STEWARD_PG_BIN;
  process.env.STEWARD_PG_BIN = bin;
  try {
    // The cap is short for this test only; what it checks is the message and what is left, not when it comes.
    await assert.rejects(startCluster({ watchdog: false, commandTimeoutMs: 1500 }), (e: any) => {
      assert.equal(e.code, 'POSTGRES_INITDB_FAILED');
      assert.match(e.message, /^initdb failed: initdb -D data -A trust .* did not finish within 1\.5 s \(killed\)$/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.STEWARD_PG_BIN;
    else process.env.STEWARD_PG_BIN = saved;
  }
  const [pid, dataDir] = readFileSync(join(bin, 'initdb.note'), 'utf8').trim().split(' ');
  await waitGone(Number(pid));
  assert.equal(isAlive(Number(pid)), false);
  assert.equal(existsSync(join(dataDir!, '..')), false, 'the cluster dir is deleted');
});
