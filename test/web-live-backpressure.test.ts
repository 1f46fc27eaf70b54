// The board's live streams and a viewer that does not read (a stalled tab, a hostile client on the machine): what is
// not read yet must not pile up in `steward up`'s memory. The live log read the run's log from the file 1 MiB a poll
// and wrote it whatever the socket took: one such viewer of a chatty run held the whole log in memory (four of them on
// a growing log: +100 MB every 6 s in up's RSS); the change feed wrote every change to every browser likewise.
// Counted in bytes buffered, bounded by polls, not by time.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { ChangeFeed } from '../src/web/live.js';
import { streamLog } from '../src/web/log-tail.js';
import { at, tempDir, tempStore } from './support/helpers.js';

const MIB = 1024 * 1024;

test('a live log viewer that does not read: at most a chunk is buffered; once it reads it gets the whole log', { timeout: 300_000 }, async (t) => {
  const log = join(tempDir('steward-live-'), 'run.log');
  writeFileSync(log, '');
  let polls = 0;
  let pollWaiter: { at: number; resolve: () => void } | undefined;
  let stream: ServerResponse | undefined;
  const server = createServer((_req, res) => {
    stream = res;
    streamLog(res, log, () => {
      polls++;
      if (pollWaiter && polls >= pollWaiter.at) pollWaiter.resolve();
      return true;
    }, 2);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const pollsFromNow = (n: number) => new Promise<void>((resolve) => (pollWaiter = { at: polls + n, resolve }));

  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.write('GET /log HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise((r) => socket.once('data', r));
  socket.pause();

  const size = 48 * MIB;
  const chunk = Buffer.alloc(MIB, 'z');
  for (let i = 0; i < size / MIB; i++) appendFileSync(log, chunk);
  // Without the check, 80 polls read all 48 MiB (1 MiB each) into the response's buffer; the kernel's socket buffers
  // take a few MiB of it at most.
  await pollsFromNow(80);
  const buffered = stream!.writableLength;
  assert.ok(buffered < 4 * MIB, `${buffered} bytes buffered for a viewer that reads nothing`);

  // Nothing was lost: reading now, the viewer gets every byte of the log.
  let zs = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      for (const b of c) if (b === 0x7a) zs++;
      if (zs >= size) resolve();
    });
  });
  socket.resume();
  await done;
  assert.equal(zs, size);
  socket.destroy();
});

test('a change feed subscriber that does not read is sent nothing more until it has, then the latest change', { timeout: 300_000 }, async (t) => {
  const store = tempStore();
  // The feed polls the change mark: counted, so the test waits for polls (work), not for time.
  let polls = 0;
  let pollWaiter: { at: number; resolve: () => void } | undefined;
  const counted = {
    changeMark: () => {
      polls++;
      if (pollWaiter && polls >= pollWaiter.at) pollWaiter.resolve();
      return store.changeMark();
    },
  } as unknown as Store;
  const pollsFromNow = (n: number) => new Promise<void>((resolve) => (pollWaiter = { at: polls + n, resolve }));
  const feed = new ChangeFeed(counted, 2);
  let stream: ServerResponse | undefined;
  const server = createServer((_req, res) => {
    stream = res;
    feed.subscribe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    feed.stop();
    server.closeAllConnections();
    server.close();
    store.close();
  });
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise((r) => socket.once('data', r));
  socket.pause();
  // The browser is behind: more than its socket takes is waiting for it (SSE comment lines, which it ignores).
  stream!.write(`${': padding\n'.repeat((16 * MIB) / 10)}\n`);
  assert.equal(stream!.writableNeedDrain, true);
  const queued = () => stream!.socket!.bytesWritten; // every byte handed to this client's socket, sent or buffered
  const before = queued();
  let clock = 1_000;
  for (let i = 0; i < 50; i++) {
    addTask(store, { title: `change ${i}`, agent: 'a' }, at((clock += 1000)));
    await pollsFromNow(2);
  }
  assert.equal(queued() - before, 0, 'bytes queued for a browser that reads nothing');

  // Reading again, it gets the latest change.
  const latest = store.changeMark();
  let text = '';
  const got = new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1').replace(/: padding\n/g, '');
      if (text.includes(`data: ${latest}\n`)) resolve();
    });
  });
  socket.resume();
  await got;
  socket.destroy();
});
