// `steward work --server` stopped (SIGTERM) while an outcome left by an earlier session still waits in its outbox (the
// server unreachable): exit 5, as docs/SCALING.md says, not 0 — nothing this session ran was in the way.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { remoteDirs } from '../src/remote/remote-work.js';
import { tempDir } from './support/helpers.js';
import { killStarted, start, until, WORKER_TOKEN } from './support/remote.js';

afterEach(killStarted);

test('remote worker: stopped while an earlier outcome waits for an unreachable server, it exits 5 and keeps it', { timeout: 600_000 }, async () => {
  const dir = tempDir('steward-remote-stop-');
  const { outbox } = remoteDirs(dir);
  mkdirSync(outbox, { recursive: true });
  writeFileSync(join(outbox, '5.json'), JSON.stringify({ version: 1, run_id: 5, task_id: 1, verb: 'complete', input: { summary: 'kept' }, decided_at: 1, host: 'h', pid: 1 }));
  // A port nothing listens on: taken from the OS, then let go.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const worker = start(['work', '--server', `http://127.0.0.1:${port}`, '--agent', 'box', '--json'], dir, { STEWARD_TOKEN: WORKER_TOKEN });
  await until('the worker waiting for the server', () => /1 outcome\(s\) kept in/.test(worker.err()));
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 5, worker.err());
  assert.equal(JSON.parse(worker.out()).stopped, 'signal');
  assert.deepEqual(readdirSync(outbox), ['5.json']);
});
