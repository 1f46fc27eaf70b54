// Disk full and read-only storage: clear UNAVAILABLE errors (exit 5), nothing corrupted, nothing half-written.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { StewardError } from '../src/core/errors.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { FAKE_CLI_PATH } from './helpers/fixtures.js';
import { sqliteOnly } from './support/backend.js';
import { at, cli, snapshot, tempDir } from './support/helpers.js';
import { execFileSyncCapped } from './helpers/processes.js';
import { mountTmpfs } from './support/tmpfs.js';

const unavailable = (e: StewardError) => e.code === 'UNAVAILABLE';

describe('disk full', () => {
  test('simulated at SQLite (max_page_count): UNAVAILABLE, the failed transaction leaves no trace', sqliteOnly('max_page_count and page_count are SQLite pragmas'), () => {
    const store = openStore(join(tempDir(), 'q.db'));
    addTask(store, { title: 'before' }, at(1));
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const before = snapshot(store);
    assert.throws(() => addTask(store, { title: 'x'.repeat(200), goal: 'g'.repeat(90_000) }, at(2)), unavailable);
    assert.equal(snapshot(store), before);
    assert.equal(store.integrityCheck(), 'ok');
    store.close();
  });

  const onServer = sqliteOnly('the database file on a full file system (on Postgres the queue is on the server, not in the workspace)');
  const fs = onServer.skip ? null : mountTmpfs('1m');
  test('a real full file system: writes fail with UNAVAILABLE (exit 5 from the CLI), the database stays sound', { skip: fs ? false : 'cannot mount a tmpfs here (needs root)', ...onServer }, () => {
    const ws = join(fs!, 'ws');
    mkdirSync(ws);
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    const store = openStore(join(ws, '.steward/queue.db'));
    let added = 0;
    let error: StewardError | undefined;
    for (let i = 0; i < 10_000 && !error; i++) {
      try {
        addTask(store, { title: `task ${i}`, goal: 'x'.repeat(4000) }, at(i));
        added++;
      } catch (err) {
        error = err as StewardError;
      }
    }
    assert.ok(added > 10, `added ${added} before the disk filled`);
    assert.equal(error?.code, 'UNAVAILABLE', String(error));
    assert.match(error!.message, /disk is full|I\/O/);
    // Fill the last bytes so that even the CLI's small write cannot fit.
    try {
      writeFileSync(join(fs!, 'filler'), Buffer.alloc(2 * 1024 * 1024));
    } catch {
      /* ENOSPC is the point */
    }
    const r = cli(['add', 'one more', '--goal', 'y'.repeat(8000)], { cwd: ws });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^error UNAVAILABLE: /);
    const list = cli(['list', '--limit', '100', '--json'], { cwd: ws });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(store.integrityCheck(), 'ok');
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, added);
    store.close();
  });
});

describe('read-only storage', () => {
  test('a read-only connection: writes are UNAVAILABLE, reads work', () => {
    const path = join(tempDir(), 'q.db');
    const rw = openStore(path);
    addTask(rw, { title: 'a' }, at(1));
    rw.close();
    const ro = openStore(path, { readonly: true });
    assert.throws(() => claimTask(ro, { agent: 'w' }, at(2)), unavailable);
    assert.equal(ro.tasks.get(1)?.status, 'ready');
    ro.close();
  });

  const onServer = sqliteOnly('the database file on a read-only file system (on Postgres the queue is on the server, not in the workspace)');
  const fs = onServer.skip ? null : mountTmpfs('8m');
  test('a file system remounted read-only under a workspace: exit 5 UNAVAILABLE, nothing corrupted', { skip: fs ? false : 'cannot mount a tmpfs here (needs root)', ...onServer }, () => {
    const ws = join(fs!, 'ws');
    mkdirSync(ws);
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    assert.equal(cli(['add', 'written before'], { cwd: ws }).code, 0);
    const claim = cli(['claim', '--agent', 'w', '--json'], { cwd: ws });
    execFileSyncCapped('mount', ['-o', 'remount,ro', fs!]);
    try {
      for (const args of [['add', 'x'], ['complete', String(claim.json.run.id)], ['tick']]) {
        const r = cli(args, { cwd: ws });
        assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /^error UNAVAILABLE: /);
      }
    } finally {
      execFileSyncCapped('mount', ['-o', 'remount,rw', fs!]);
    }
    const store = openStore(join(ws, '.steward/queue.db'));
    assert.equal(store.integrityCheck(), 'ok');
    assert.equal(store.tasks.get(1)?.status, 'running');
    completeRun(store, { run_id: claim.json.run.id, summary: 'after the remount' }, at(Date.now()));
    assert.equal(store.tasks.get(1)?.status, 'done');
    store.close();
  });
});

describe('disk full during a run', () => {
  const fs = mountTmpfs('4m');
  test('the agent fills the disk: the log stops (ENOSPC), `steward work` lives, the outcome is kept and the truncation recorded', { skip: fs ? false : 'cannot mount a tmpfs here (needs root)' }, () => {
    const ws = join(fs!, 'ws');
    mkdirSync(ws);
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    const filler = join(fs!, 'filler');
    const profile = { cli: 'command', command: [FAKE_CLI_PATH, '{prompt}'], env: { FAKE_CLI: 'command', FAKE_MODE: 'fill_disk', FAKE_FILL_FILE: filler, FAKE_FILL_LINES: '3000' }, leaseSeconds: 60 };
    writeFileSync(join(ws, '.steward/config.yaml'), JSON.stringify({ agents: { coder: profile } }));
    assert.equal(cli(['add', 'fill the disk'], { cwd: ws }).code, 0);
    const r = cli(['work', '--agent', 'coder', '--once', '--json'], { cwd: ws });
    // It reports the run (exit 0, or 5 when the database was full too and the outcome waits in the outbox).
    assert.ok(r.json?.runs, `steward work died (${r.code}): ${r.stderr} ${r.stdout}`);
    const run = r.json.runs[0];
    assert.ok(['completed', 'deferred'].includes(run.status), JSON.stringify(run));
    assert.equal(r.code, run.status === 'deferred' ? 5 : 0);
    // The log holds less than the agent printed: it stopped at the full disk.
    assert.ok(statSync(run.log_path).size < 3000 * 80, `log size ${statSync(run.log_path).size}`);
    rmSync(filler);
    const tick = cli(['tick', '--json'], { cwd: ws });
    assert.equal(tick.code, 0, tick.stderr);
    const store = openStore(join(ws, '.steward/queue.db'));
    assert.equal(store.tasks.get(1)?.status, 'done');
    const evidence = store.runs.get(run.run_id)?.evidence as { log_truncated?: string };
    assert.match(String(evidence?.log_truncated), /ENOSPC/);
    assert.deepEqual(readdirSync(join(ws, '.steward/outbox')).filter((n) => !n.startsWith('rejected')), [], 'the outbox is empty, no reserve left');
    store.close();
  });
});
