// The worker API's long poll (`wait_seconds` on claim, src/remote/claim-wait.ts): a claim that finds nothing waits on
// the server and claims as soon as the queue changes; parked claims never take a task twice, a client gone while
// parked leaves no claim behind, the number parked is bounded, and a bad wait is a VALIDATION error.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { createGuardedServer } from '../src/http/request-guard.js';
import { addTask } from '../src/ops/index.js';
import { remoteWork } from '../src/remote/remote-work.js';
import { createWorkerApiHandler, type WorkerApiHandler } from '../src/remote/worker-api.js';
import { WorkerClient, type NoClaim, type RemoteClaim } from '../src/remote/worker-client.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { at, tempDir } from './support/helpers.js';
import { rejects, until } from './support/remote.js';

const WORKER = 'worker-token-0123456789abcdef';

describe('worker API: the claim long poll', () => {
  let store: Store;
  const ws = workspaceAt(tempDir());
  const config = configSchema.parse({ agents: { box: { cli: 'command', command: ['echo', '{prompt}'], leaseSeconds: 60, maxConcurrent: 100 } }, wip: { global: 100 } });
  const servers: Array<() => void> = [];

  /**
   * A worker API server on the shared store; `changePollMs` huge: only wake() (or the deadline) can end a wait.
   * `old`: a server from before the long poll (its strict claim body refuses `wait_seconds`).
   */
  async function serve(o: { maxParked?: number; changePollMs?: number; old?: boolean } = {}): Promise<{ handler: WorkerApiHandler; client: () => WorkerClient }> {
    const { old, ...limits } = o;
    const handler = createWorkerApiHandler({ store, workspace: ws, config, tokens: { [WORKER]: { role: 'worker', name: 'box-1' } }, log: () => {}, ...limits });
    const server = createGuardedServer((req, res) => {
      if (!old || !req.url?.endsWith('/claim')) return void handler(req, res);
      let body = '';
      req.on('data', (c) => (body += String(c)));
      req.on('end', () => {
        if (!('wait_seconds' in JSON.parse(body))) return void handler(Object.assign(Readable.from([Buffer.from(body)]), { headers: req.headers, url: req.url, method: req.method }) as never, res);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'VALIDATION', message: 'claim: Unrecognized key: "wait_seconds"', details: {} } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push(() => {
      handler.close();
      server.close();
      server.closeAllConnections();
    });
    return { handler, client: () => new WorkerClient({ server: url, token: WORKER }) };
  }
  const runsOf = (taskId: number) => store.read(() => store.runs.forTask(taskId, 100));

  before(() => {
    store = openStore(ws.dbPath);
  });
  after(() => {
    for (const close of servers) close();
    store.close();
  });

  test('a bad wait_seconds is a VALIDATION error naming the field; wait 0 answers at once as before', async () => {
    const { client } = await serve();
    for (const bad of [-1, 61, 1.5, '5', null]) {
      const e = await rejects(client().post('claim', { agent: 'box', host: 'h', workdir: '/w', wait_seconds: bad }), 'VALIDATION');
      assert.match(`${e.message} ${JSON.stringify(e.details)}`, /wait_seconds/, `wait_seconds ${JSON.stringify(bad)}: ${e.message}`);
    }
    assert.deepEqual(await client().claim('box', 'h', '/w', { waitSeconds: 0 }), { version: 1, task: null });
    assert.deepEqual(await client().post('claim', { agent: 'box', host: 'h', workdir: '/w', wait_seconds: 0 }), { version: 1, task: null });
  });

  test('a parked claim takes a task added after it parked, woken by wake() (its change poll is an hour)', async () => {
    const { handler, client } = await serve({ changePollMs: 3_600_000 });
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, 120_000);
    const task = addTask(store, { title: 'for the parked claim', agent: 'box' }, at(Date.now())).task;
    handler.wake();
    const c = (await waiting) as RemoteClaim;
    assert.equal(c.task?.id, task.id);
    assert.equal(handler.parked, 0);
    // Woken by the change, not by its deadline (the last try at a deadline would take the task too).
    assert.deepEqual(handler.waitsEnded, { changed: 1, due: 0, deadline: 0, gone: 0, closing: 0 });
    assert.deepEqual(runsOf(task.id).map((r) => [r.id, r.host]), [[c.run.id, 'remote:h']]);
  });

  test('the change poll alone wakes a parked claim (a commit that called no wake())', async () => {
    const { handler, client } = await serve({ changePollMs: 50 });
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, 120_000);
    const task = addTask(store, { title: 'found by the change poll', agent: 'box' }, at(Date.now())).task;
    assert.equal(((await waiting) as RemoteClaim).task.id, task.id);
    assert.deepEqual(handler.waitsEnded, { changed: 1, due: 0, deadline: 0, gone: 0, closing: 0 });
  });

  test('two parked claims and one task: one run; the other claim goes on waiting and takes nothing', async () => {
    const { handler, client } = await serve({ changePollMs: 3_600_000 });
    const stopB = new AbortController();
    const a = client().claim('box', 'a', '/w', { waitSeconds: 60 });
    const b = client().claim('box', 'b', '/w', { waitSeconds: 60, signal: stopB.signal });
    // Exactly one of them resolves with the task; the other is still parked (or parks again after its try).
    const outcomes = [a, b].map((p, i) => p.then((r) => ({ i, r }), (e: unknown) => ({ i, e })));
    await until('both claims parked', () => handler.parked === 2, 120_000);
    const task = addTask(store, { title: 'one for two', agent: 'box' }, at(Date.now())).task;
    handler.wake();
    const first = await Promise.race(outcomes);
    assert.ok('r' in first, String((first as { e?: unknown }).e));
    assert.equal((first.r as RemoteClaim).task.id, task.id);
    // The loser tried (the mark moved), found nothing, and parked again: it holds no run.
    await until('the other claim parked again', () => handler.parked === 1, 120_000);
    assert.equal(runsOf(task.id).length, 1);
    if (first.i === 0) {
      stopB.abort();
      await rejects(b, 'UNAVAILABLE');
    } else handler.close();
    const other = await outcomes[1 - first.i]!;
    if (first.i === 1) assert.deepEqual((other as { r: NoClaim }).r, { version: 1, task: null });
    await until('nothing parked', () => handler.parked === 0, 120_000);
    assert.equal(runsOf(task.id).length, 1);
    // Both woke on the change; the loser's second wait ended by its client leaving or the server closing.
    assert.deepEqual({ ...handler.waitsEnded }, { changed: 2, due: 0, deadline: 0, gone: first.i === 0 ? 1 : 0, closing: first.i === 0 ? 0 : 1 });
  });

  test('a client gone while parked leaves no claim behind, and its timer and listener go', async () => {
    const { handler, client } = await serve({ changePollMs: 3_600_000 });
    const stop = new AbortController();
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60, signal: stop.signal });
    await until('the claim parked', () => handler.parked === 1, 120_000);
    stop.abort();
    await rejects(waiting, 'UNAVAILABLE');
    await until('the server saw the client go', () => handler.parked === 0, 120_000);
    assert.deepEqual(handler.waitsEnded, { changed: 0, due: 0, deadline: 0, gone: 1, closing: 0 });
    const task = addTask(store, { title: 'nobody is waiting', agent: 'box' }, at(Date.now())).task;
    handler.wake();
    await new Promise((r) => setImmediate(r));
    assert.equal(store.read(() => store.tasks.get(task.id))!.status, 'ready');
    assert.equal(runsOf(task.id).length, 0);
    // The task is still there for the next claim.
    assert.equal(((await client().claim('box', 'h', '/w')) as RemoteClaim).task.id, task.id);
  });

  test('past maxParked a waiting claim is BUSY (503) at once; a claim without a wait is still answered', async () => {
    const { handler, client } = await serve({ maxParked: 1, changePollMs: 3_600_000 });
    const stop = new AbortController();
    const first = client().claim('box', 'h', '/w', { waitSeconds: 60, signal: stop.signal });
    await until('the first claim parked', () => handler.parked === 1, 120_000);
    const busy = await rejects(client().claim('box', 'h2', '/w', { waitSeconds: 60 }), 'BUSY');
    assert.deepEqual(busy.details, { parked: 1, max: 1 });
    assert.deepEqual(await client().claim('box', 'h3', '/w'), { version: 1, task: null });
    stop.abort();
    await rejects(first, 'UNAVAILABLE');
    await until('nothing parked', () => handler.parked === 0, 120_000);
  });

  test('a worker refused BUSY (the server holds as many claims as it may) says the server is busy, not unreachable, and asks again', async () => {
    const { handler, client } = await serve({ maxParked: 1, changePollMs: 3_600_000 });
    const hold = new AbortController();
    const first = client().claim('box', 'h', '/w', { waitSeconds: 60, signal: hold.signal });
    await until('the first claim parked', () => handler.parked === 1, 120_000);
    const lines: string[] = [];
    const stop = new AbortController();
    const work = remoteWork({ client: client(), agent: 'box', dir: tempDir(), signal: stop.signal, waitPollMs: 60_000, log: (l) => lines.push(l) });
    await until('the worker was refused BUSY', () => lines.some((l) => /server busy \(.*claims are waiting/.test(l)), 120_000);
    assert.ok(!lines.some((l) => /server unreachable/.test(l)), lines.join('\n'));
    hold.abort();
    await rejects(first, 'UNAVAILABLE');
    stop.abort();
    await work;
  });

  test('close() answers parked claims as at their deadline, and no claim waits after it', async () => {
    const { handler, client } = await serve({ changePollMs: 3_600_000 });
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, 120_000);
    handler.close();
    assert.deepEqual(await waiting, { version: 1, task: null });
    assert.deepEqual(await client().claim('box', 'h', '/w', { waitSeconds: 60 }), { version: 1, task: null });
    assert.equal(handler.parked, 0);
  });

  test('a claim whose wait ends with nothing claimable answers as a claim that found nothing', async () => {
    const { handler, client } = await serve({ changePollMs: 3_600_000 });
    assert.deepEqual(await client().claim('box', 'h', '/w', { waitSeconds: 1 }), { version: 1, task: null });
    assert.deepEqual(handler.waitsEnded, { changed: 0, due: 0, deadline: 1, gone: 0, closing: 0 });
  });

  test('a worker whose server predates the long poll falls back to asking every --poll-seconds, and stops on its signal', async () => {
    const { client } = await serve({ old: true });
    const lines: string[] = [];
    const stop = new AbortController();
    const work = remoteWork({ client: client(), agent: 'box', dir: tempDir(), signal: stop.signal, waitPollMs: 1000, log: (l) => lines.push(l) });
    await until('the fallback said', () => lines.some((l) => /does not hold idle claims .*polling it every 1 s instead/.test(l)), 120_000);
    const task = addTask(store, { title: 'for the polling worker', agent: 'box', goal: 'x' }, at(Date.now())).task;
    await until('the polling worker ran it', () => store.read(() => store.tasks.get(task.id))!.status !== 'ready', 120_000);
    stop.abort();
    const out = await work;
    assert.deepEqual(out.results.map((r) => r.task_id), [task.id]);
  });
});
