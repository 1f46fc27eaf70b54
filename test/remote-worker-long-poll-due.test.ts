// A parked remote claim (the worker API's long poll, src/remote/claim-wait.ts) wakes when a task becomes claimable with
// time alone — a ready task's run_after (a retry's backoff) passing, the agent's pause ending, the day of a used-up
// budget ending — though nothing commits and the change poll is an hour: it ends 'due', not at its deadline
// (wait_seconds 60, --poll-seconds 600: a deadline cannot explain it). With nothing due it parks to its deadline,
// trying the claim only when woken (no busy loop).
//
// The server's clock (the handler's `now`, what run_after and pauses are compared with) is held still until the claim
// has parked, then runs on with real time: the claim cannot find the task before it parks, whatever the machine's
// speed, and finds it once its due time has come. Every wait is bounded by a safety cap that reports.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { backoffPolicyOf, configSchema } from '../src/config/schema.js';
import { createGuardedServer } from '../src/http/request-guard.js';
import { addTask, claimTask, failRun } from '../src/ops/index.js';
import { longPollSeconds, remoteWork } from '../src/remote/remote-work.js';
import { createWorkerApiHandler, type WorkerApiHandler } from '../src/remote/worker-api.js';
import { WorkerClient, type RemoteClaim } from '../src/remote/worker-client.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { tempDir } from './support/helpers.js';
import { until } from './support/remote.js';

/** The client with every claim's `waitSeconds` recorded (0: an ask that answers at once). */
function recordingWaits(c: WorkerClient): { c: WorkerClient; asked: number[] } {
  const asked: number[] = [];
  const claim = c.claim.bind(c);
  c.claim = (agent, host, workdir, o = {}) => {
    asked.push(o.waitSeconds ?? 0);
    return claim(agent, host, workdir, o);
  };
  return { c, asked };
}

const WORKER = 'worker-token-0123456789abcdef';
/** Every wait of these tests: long enough for a loaded machine, and it reports what it waited for. */
const CAP_MS = 120_000;
/** How far ahead the task comes due or the pause ends (server time). */
const AHEAD_MS = 1500;

const config = configSchema.parse({
  agents: {
    box: { cli: 'command', command: ['echo', '{prompt}'], leaseSeconds: 60, maxConcurrent: 100 },
    other: { cli: 'command', command: ['echo', '{prompt}'], leaseSeconds: 60, maxConcurrent: 100 },
  },
  wip: { global: 100 },
  retry: { baseSeconds: AHEAD_MS / 1000, jitter: 0 },
});

/** The server's clock: still at `held` until run(), then real time. `reads`: how often the handler asked it (once per claim tried). */
class Clock {
  held: number | undefined = Date.now();
  reads = 0;
  readonly now = (): number => {
    this.reads++;
    return this.held ?? Date.now();
  };
  run(): void {
    this.held = undefined;
  }
  ctx(): { now: number; actor: string; backoff: ReturnType<typeof backoffPolicyOf> } {
    return { now: this.held ?? Date.now(), actor: 'test', backoff: backoffPolicyOf(config) };
  }
}

describe('worker API: a parked claim wakes when a task comes due with time alone', () => {
  const closers: Array<() => void> = [];
  after(() => {
    for (const close of closers) close();
  });

  /** A fresh queue and a worker API server on it whose change poll is an hour: only wake(), a due time or the deadline end a wait. */
  async function serve(cfg = config): Promise<{ store: Store; clock: Clock; handler: WorkerApiHandler; client: () => WorkerClient }> {
    const ws = workspaceAt(tempDir());
    const store = openStore(ws.dbPath);
    const clock = new Clock();
    const handler = createWorkerApiHandler({
      store, workspace: ws, config: cfg, now: clock.now, changePollMs: 3_600_000, log: () => {}, tokens: { [WORKER]: { role: 'worker', name: 'box-1' } },
    });
    const server = createGuardedServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closers.push(() => {
      handler.close();
      server.close();
      server.closeAllConnections();
      store.close();
    });
    return { store, clock, handler, client: () => new WorkerClient({ server: url, token: WORKER }) };
  }

  /** A ready task of `agent` waiting out a retry's backoff: claimed, failed (transient), due AHEAD_MS after the clock. */
  function backingOff(store: Store, clock: Clock, agent: string): number {
    const id = addTask(store, { title: `retried (${agent})`, agent }, clock.ctx()).task.id;
    const c = claimTask(store, { agent }, clock.ctx());
    assert.equal(c.task?.id, id);
    failRun(store, { run_id: c.task ? c.run.id : -1, error: 'flaky', kind: 'transient' }, clock.ctx());
    const task = store.read(() => store.tasks.get(id))!;
    assert.deepEqual([task.status, task.run_after], ['ready', clock.held! + AHEAD_MS]);
    return id;
  }

  /** A long poll (60 s) parks; the clock let run, it takes task `id` once woken at a due time: ended 'due', no deadline. */
  async function takenWhenDue(server: { clock: Clock; handler: WorkerApiHandler; client: () => WorkerClient }, id: number): Promise<void> {
    const { clock, handler, client } = server;
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, CAP_MS);
    clock.run();
    assert.equal(((await waiting) as RemoteClaim).task?.id, id);
    const ended = { ...handler.waitsEnded };
    assert.ok(ended.due >= 1, JSON.stringify(ended));
    assert.deepEqual({ ...ended, due: 1 }, { changed: 0, due: 1, deadline: 0, gone: 0, closing: 0 });
  }

  test('(a) a ready task whose backoff ends after the claim parked is claimed by it then: ended "due", no deadline', async () => {
    const { store, clock, handler, client } = await serve();
    const id = backingOff(store, clock, 'box');
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, CAP_MS);
    assert.equal(clock.reads, 1, 'one claim tried before it parked');
    clock.run();
    const c = (await waiting) as RemoteClaim;
    assert.equal(c.task?.id, id);
    assert.equal(handler.parked, 0);
    const ended = { ...handler.waitsEnded };
    assert.ok(ended.due >= 1, JSON.stringify(ended));
    assert.deepEqual({ ...ended, due: 1 }, { changed: 0, due: 1, deadline: 0, gone: 0, closing: 0 });
    // Tried again only when it came due (a timer firing a moment early parks it again for that moment).
    assert.equal(clock.reads, 1 + ended.due);
    assert.deepEqual(store.read(() => store.runs.forTask(id, 10)).map((r) => [r.status, r.host]), [['running', 'remote:h'], ['finished', null]]);
  });

  test('(b) a paused agent\'s parked claim takes the task when the pause ends, not at its deadline', async () => {
    const server = await serve();
    const { store, clock } = server;
    const id = addTask(store, { title: 'waits for the pause', agent: 'box' }, clock.ctx()).task.id;
    store.tx(() => store.agents.pause('box', clock.held! + AHEAD_MS, 'rate limit (test)'));
    await takenWhenDue(server, id);
  });

  test('(b) a pause ending with nothing to claim: the claim tries once and goes on waiting for the rest of its time', async () => {
    const { store, clock, handler, client } = await serve();
    store.tx(() => store.agents.pause('box', clock.held! + AHEAD_MS, 'rate limit (test)'));
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, CAP_MS);
    clock.run();
    await until('the pause ended and the claim parked again', () => handler.waitsEnded.due >= 1 && handler.parked === 1, CAP_MS);
    const id = addTask(store, { title: 'after the pause', agent: 'box' }, clock.ctx()).task.id;
    handler.wake();
    assert.equal(((await waiting) as RemoteClaim).task?.id, id);
    assert.equal(handler.waitsEnded.changed, 1);
    assert.equal(handler.waitsEnded.deadline, 0);
  });

  test('(c) nothing coming due for this agent: it parks to its deadline and tries the claim twice (no busy loop)', async () => {
    const { store, clock, handler, client } = await serve();
    // Another agent's task comes due, one of this agent's is due already (claimable, so claimed first), and its own
    // pause ends after the deadline: none of them is a reason to wake.
    backingOff(store, clock, 'other');
    const mine = addTask(store, { title: 'claimable at once', agent: 'box' }, clock.ctx()).task.id;
    assert.equal(((await client().claim('box', 'h', '/w')) as RemoteClaim).task.id, mine);
    // The other agent's task comes due in AHEAD_MS (the clock held still): one wait, to the deadline.
    const readsBefore = clock.reads;
    assert.deepEqual(await client().claim('box', 'h', '/w', { waitSeconds: 2 }), { version: 1, task: null });
    assert.deepEqual({ ...handler.waitsEnded }, { changed: 0, due: 0, deadline: 1, gone: 0, closing: 0 });
    assert.equal(clock.reads - readsBefore, 2, 'the first try and the last one at the deadline');
    // Paused past the deadline: the same.
    store.tx(() => store.agents.pause('box', clock.held! + 3_600_000, 'rate limit (test)'));
    const readsThen = clock.reads;
    const answer = await client().claim('box', 'h', '/w', { waitSeconds: 2 });
    assert.deepEqual(answer, { version: 1, task: null, paused_until: clock.held! + 3_600_000 });
    assert.deepEqual({ ...handler.waitsEnded }, { changed: 0, due: 0, deadline: 2, gone: 0, closing: 0 });
    assert.equal(clock.reads - readsThen, 2);
  });

  test('(c) close() still ends a claim parked with a due time ahead', async () => {
    const { store, clock, handler, client } = await serve();
    store.tx(() => store.agents.pause('box', clock.held! + 3_600_000, 'rate limit (test)'));
    const waiting = client().claim('box', 'h', '/w', { waitSeconds: 60 });
    await until('the claim parked', () => handler.parked === 1, CAP_MS);
    handler.close();
    assert.equal((await waiting).task, null);
    assert.deepEqual({ ...handler.waitsEnded }, { changed: 0, due: 0, deadline: 0, gone: 0, closing: 1 });
  });

  test('(d) a profile held by its day\'s budget takes the next task when the day ends, not at its deadline', async () => {
    const budgeted = configSchema.parse({ ...config, budgets: { timezone: 'UTC', limits: [{ scope: 'agent:box', period: 'day', maxRuns: 1 }] } });
    const server = await serve(budgeted);
    const { store, clock, client } = server;
    // The server's clock held AHEAD_MS before the last UTC midnight: the day's one run is used up; real time is past it.
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    clock.held = midnight - AHEAD_MS;
    addTask(store, { title: 'the day\'s run', agent: 'box' }, clock.ctx());
    const first = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    const id = addTask(store, { title: 'tomorrow\'s', agent: 'box' }, clock.ctx()).task.id;
    const held = await client().claim('box', 'h', '/w');
    assert.equal((held as { held?: { cap: string } }).held?.cap, 'budget', JSON.stringify(held));
    assert.notEqual(first.task?.id, id);
    await takenWhenDue(server, id);
  });

  test('steward work --wait --poll-seconds 600: the idle worker\'s long poll (60 s, as its line says) takes the retried task when it comes due', async () => {
    const { store, clock, handler, client } = await serve();
    const id = backingOff(store, clock, 'box');
    const { c, asked } = recordingWaits(client());
    const lines: string[] = [];
    const stop = new AbortController();
    const work = remoteWork({ client: c, agent: 'box', dir: tempDir(), signal: stop.signal, waitPollMs: 600_000, log: (l) => lines.push(l) });
    await until('the worker\'s long poll parked', () => handler.parked === 1, CAP_MS);
    clock.run();
    await until('the worker ran the task', () => store.read(() => store.tasks.get(id))!.status === 'done' && handler.parked === 1, CAP_MS);
    stop.abort();
    const out = await work;
    assert.deepEqual(out.results.map((r) => [r.task_id, r.status]), [[id, 'completed']]);
    assert.equal(handler.waitsEnded.deadline, 0, 'not woken by a deadline');
    assert.ok(handler.waitsEnded.due >= 1, JSON.stringify(handler.waitsEnded));
    // The first ask answers at once; every later one is the long poll, and the line names the same 60 s.
    assert.deepEqual([asked[0], asked[1], [...new Set(asked.filter((w) => w !== 0))]], [0, 60, [60]], `asked: ${asked.join(', ')}`);
    assert.ok(lines.some((l) => l.includes('at most 60 s)')), lines.join('\n'));
  });

  test('the long poll\'s wait is one value: whole seconds from --poll-seconds, 1 to 60, in the request and the worker\'s line', async () => {
    assert.deepEqual([500, 1000, 1500, 5000, 59_999, 60_000, 600_000].map(longPollSeconds), [1, 1, 1, 5, 59, 60, 60]);
    const { handler, client } = await serve();
    const { c, asked } = recordingWaits(client());
    const lines: string[] = [];
    const stop = new AbortController();
    const work = remoteWork({ client: c, agent: 'box', dir: tempDir(), signal: stop.signal, waitPollMs: 1500, log: (l) => lines.push(l) });
    await until('the long poll parked', () => handler.parked === 1, CAP_MS);
    stop.abort();
    await work;
    assert.equal(asked[1], 1);
    assert.ok(lines.some((l) => l.includes('at most 1 s)')), lines.join('\n'));
  });
});
