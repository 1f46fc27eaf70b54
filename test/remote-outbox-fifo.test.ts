// The remote worker's own outbox (`steward work --server`): an entry that is not a regular file — a FIFO put where an
// outcome should be — is set aside with its reason, never read. A plain read of a FIFO waits for a writer, so the worker
// hung before its first claim.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deliverOutbox, remoteDirs } from '../src/remote/remote-work.js';
import { WorkerClient } from '../src/remote/worker-client.js';
import { execFileSyncCapped, fifoWriter } from './helpers/processes.js';
import { tempDir } from './support/helpers.js';

test('remote worker: a FIFO named like an outbox entry is set aside with its reason; the outbox is done', async () => {
  const dir = tempDir('steward-remote-outbox-fifo-');
  const { outbox } = remoteDirs(dir);
  mkdirSync(outbox, { recursive: true });
  const fifo = join(outbox, '7.json');
  execFileSyncCapped('mkfifo', [fifo]);
  // A read of the FIFO blocks until a writer opens it: this child is that writer (it opens and closes it, and exits
  // once the path is gone), so a worker that reads it gets '' and this test fails on the reason instead of hanging.
  const writer = fifoWriter(fifo);
  try {
    // Nothing valid to deliver: the client is never asked.
    const client = new WorkerClient({ server: 'http://127.0.0.1:9', token: 'unused' });
    const out = await deliverOutbox({ client, agent: 'a', dir });
    assert.deepEqual(out, { delivered: [], done: true });
    const rejected = join(outbox, 'rejected');
    assert.ok(lstatSync(join(rejected, '7.json')).isFIFO(), 'the FIFO is moved aside as it is');
    assert.match(readFileSync(join(rejected, '7.json.reason.txt'), 'utf8'), /unreadable outbox entry: not a regular file/);
  } finally {
    await writer.stop();
  }
});
