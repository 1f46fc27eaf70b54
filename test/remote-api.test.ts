// The worker API (src/remote/worker-api.ts) through its client: fencing by run id, late results, log offsets, roles.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { createGuardedServer } from '../src/http/request-guard.js';
import { addTask, cancelTask } from '../src/ops/index.js';
import { deliverOutbox, heartbeatUsage, remoteDirs, runRemoteClaim } from '../src/remote/remote-work.js';
import { createWorkerApiHandler, LOG_CHUNK_BYTES, remoteLogCapBytes } from '../src/remote/worker-api.js';
import { WorkerClient, type RemoteClaim } from '../src/remote/worker-client.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { at, tempDir } from './support/helpers.js';
import { rejects, until } from './support/remote.js';

const WORKER = 'worker-token-0123456789abcdef';
const PLANNER = 'planner-token-0123456789abcdef';

const METERED_DIR = tempDir();
const METERED_CLI = join(METERED_DIR, 'metered-claude.mjs');
const METERED_GATE = join(METERED_DIR, 'gate');
writeFileSync(METERED_CLI, `#!/usr/bin/env node
import { existsSync } from 'node:fs';
process.stdin.resume();
const say = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
say({ type: 'assistant', message: { id: 'm1', usage: { input_tokens: 1.5, output_tokens: 2.25 } } });
const wait = setInterval(() => {
  if (!existsSync(process.env.GATE)) return;
  clearInterval(wait);
  say({ type: 'result', subtype: 'success', is_error: false, result: 'metered done', num_turns: 1, total_cost_usd: 0.01, usage: { input_tokens: 2, output_tokens: 3 } });
  process.exit(0);
}, 20);
`);
chmodSync(METERED_CLI, 0o755);

describe('worker API', () => {
  let store: Store;
  let url: string;
  let close: () => void;
  let connections: () => Promise<number>;
  const logged: string[] = [];
  let requests = 0;
  const ws = workspaceAt(tempDir());
  const client = () => new WorkerClient({ server: url, token: WORKER });
  /** A task for profile box, claimed through the API, and a remote worker's folder (with its outbox) to run it in. */
  const claimForBox = async (title: string) => {
    const task = addTask(store, { title, agent: 'box' }, at(Date.now())).task;
    const claim = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    assert.equal(claim.task.id, task.id);
    const dir = tempDir();
    return { task, claim, dir, outbox: remoteDirs(dir).outbox };
  };

  before(async () => {
    store = openStore(ws.dbPath);
    const config = configSchema.parse({
      wip: { global: 20 },
      agents: {
        box: { cli: 'command', command: ['echo', '{prompt}'], leaseSeconds: 60, maxConcurrent: 10 },
        // Prints 6 MiB: past the server's cap of its log (1 MiB + the slack) when a worker keeps more than logMaxMb.
        // A claude whose stream says fractional tokens (metered while it runs); it ends when its gate file exists.
        metered: { cli: 'claude', bin: METERED_CLI, env: { GATE: METERED_GATE }, leaseSeconds: 5, maxConcurrent: 10 },
        chatty: { cli: 'command', command: [process.execPath, '-e', 'process.stdout.write("y".repeat(6 * 1024 * 1024))'], leaseSeconds: 60, logMaxMb: 1, maxConcurrent: 10 },
      },
    });
    const handler = createWorkerApiHandler({
      store, workspace: ws, config, tokens: { [WORKER]: { role: 'worker', name: 'box-1' }, [PLANNER]: { role: 'planner' } }, log: (line) => logged.push(line),
    });
    const server = createGuardedServer((req, res) => {
      requests++;
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    connections = () => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    close = () => {
      server.close();
      server.closeAllConnections();
    };
  });
  after(() => {
    close();
    store.close();
  });

  test('claim hands over the task, the server\'s profile and the prompt; the run is marked remote', async () => {
    const task = addTask(store, { title: 'remote job', goal: 'do the thing', agent: 'box' }, at(Date.now())).task;
    const c = (await client().claim('box', 'far-away', '/srv/work')) as RemoteClaim;
    assert.equal(c.task.id, task.id);
    assert.equal(c.profile.cli, 'command');
    assert.match(c.prompt, /Work in this directory: \/srv\/work/);
    assert.match(c.prompt, /do the thing/);
    const run = store.runs.get(c.run.id)!;
    assert.deepEqual([run.host, run.pid, run.claimed_by], ['remote:far-away', null, 'box-1']);
    assert.equal(run.log_path, join(ws.logsDir, `${task.id}-${run.id}.log`));
    assert.deepEqual(await client().claim('box', 'far-away', '/srv/work'), { version: 1, task: null });
    await rejects(client().claim('nobody', 'far-away', '/srv/work'), 'NOT_FOUND');
  });

  test('heartbeats, log chunks at offsets, a completion, and the same completion again', async () => {
    addTask(store, { title: 'second', agent: 'box' }, at(Date.now()));
    const c = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    const beat = await client().heartbeat(c.run.id, 120, { cost_usd: 0.5, tokens_in: 10 });
    assert.equal(beat.task.status, 'running');
    assert.equal(store.runs.get(c.run.id)!.cost_usd, 0.5);
    assert.deepEqual(await client().log(c.run.id, 0, Buffer.from('hello ')), { version: 1, size: 6, live: 'live' });
    // A chunk sent again (the answer was lost) is not appended twice; an overlapping one adds only what is new.
    assert.equal((await client().log(c.run.id, 0, Buffer.from('hello '))).size, 6);
    assert.equal((await client().log(c.run.id, 3, Buffer.from('lo world\n'))).size, 12);
    const gap = await rejects(client().log(c.run.id, 99, Buffer.from('x')), 'CONFLICT');
    assert.equal(gap.details.size, 12);
    assert.equal(readFileSync(c.run.log_path, 'utf8'), 'hello world\n');
    const entry = { version: 1 as const, run_id: c.run.id, task_id: c.task.id, verb: 'complete' as const, input: { summary: 'all done' }, decided_at: Date.now(), host: 'h', pid: 1 };
    const done = await client().outcome(entry);
    assert.deepEqual([done.status, done.task?.status], ['applied', 'done']);
    assert.equal((await client().outcome(entry)).status, 'duplicate');
    await rejects(client().heartbeat(c.run.id, 60), 'LEASE_LOST');
  });

  test('an outcome whose task is not its run\'s (an outbox of another server) is CONFLICT, and the live run is untouched', async () => {
    const task = addTask(store, { title: 'run by another worker', agent: 'box' }, at(Date.now())).task;
    const c = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    const alien = { version: 1 as const, run_id: c.run.id, task_id: task.id + 1000, verb: 'complete' as const, input: { summary: 'from another queue' }, decided_at: Date.now(), host: 'h', pid: 1 };
    const e = await rejects(client().outcome(alien), 'CONFLICT');
    assert.equal(e.details.run_task_id, task.id);
    assert.equal(store.tasks.get(task.id)!.status, 'running');
    assert.equal(store.runs.get(c.run.id)!.status, 'running');
    assert.equal(store.runs.get(c.run.id)!.late, null);
    // Delivered as a worker does it (the rest of its log, then the outcome): the log is refused too, nothing appended.
    const dir = tempDir();
    const { outbox, logs } = remoteDirs(dir);
    mkdirSync(outbox, { recursive: true });
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(outbox, `${c.run.id}.json`), JSON.stringify(alien));
    writeFileSync(join(logs, `${alien.task_id}-${c.run.id}.log`), 'the log of a run of another queue\n');
    const lines: string[] = [];
    assert.deepEqual(await deliverOutbox({ client: client(), agent: 'box', dir, log: (l) => lines.push(l) }), { delivered: [], done: true });
    assert.deepEqual(readdirSync(join(outbox, 'rejected')).sort(), [`${c.run.id}.json`, `${c.run.id}.json.reason.txt`]);
    assert.equal(existsSync(c.run.log_path), false, 'nothing of the other queue\'s log appended here');
    assert.match(lines.join('\n'), /sending the log failed \(CONFLICT\): .*a log of another queue/);
    cancelTask(store, { id: task.id, reason: 'done with it' }, at(Date.now(), 'human'));
  });

  test('a cancelled run: its heartbeat is LEASE_LOST and its outcome is kept on the run as a late result', async () => {
    const task = addTask(store, { title: 'to cancel', agent: 'box' }, at(Date.now())).task;
    const c = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    cancelTask(store, { id: task.id, reason: 'changed my mind' }, at(Date.now(), 'human'));
    await rejects(client().heartbeat(c.run.id, 60), 'LEASE_LOST');
    // The worker's liveness poll (an empty log chunk) says so too, between its heartbeats.
    assert.equal((await client().log(c.run.id, 0, Buffer.alloc(0))).live, 'finished');
    const late = await client().outcome({ version: 1, run_id: c.run.id, task_id: task.id, verb: 'complete', input: { summary: 'too late' }, decided_at: Date.now(), host: 'h', pid: 1 });
    assert.equal(late.status, 'lease_lost');
    assert.equal(store.tasks.get(task.id)!.status, 'cancelled');
    assert.match(JSON.stringify(store.runs.get(c.run.id)!.late), /too late/);
  });

  test('tokens: none or a wrong one, and another role, are FORBIDDEN; a local run\'s log is not the API\'s', async () => {
    await rejects(new WorkerClient({ server: url, token: 'wrong-token-0123456789abcdef' }).claim('box', 'h', '/w'), 'FORBIDDEN');
    await rejects(new WorkerClient({ server: url, token: PLANNER }).claim('box', 'h', '/w'), 'FORBIDDEN');
    const task = addTask(store, { title: 'local one', agent: 'box' }, at(Date.now())).task;
    const { claimTask } = await import('../src/ops/index.js');
    const local = claimTask(store, { agent: 'box' }, at(Date.now()), { host: 'this-host', pid: process.pid });
    if (!local.task) throw new Error('nothing claimed');
    assert.equal(local.task.id, task.id);
    await rejects(client().log(local.run.id, 0, Buffer.from('x')), 'FORBIDDEN');
    // Nor its heartbeat or outcome: a worker token writes the remote runs it claimed, nothing else.
    await rejects(client().heartbeat(local.run.id, 60), 'FORBIDDEN');
    await rejects(client().outcome({ version: 1, run_id: local.run.id, task_id: task.id, verb: 'complete', input: { summary: 'not mine' }, decided_at: Date.now(), host: 'h', pid: 1 }), 'FORBIDDEN');
    assert.equal(store.tasks.get(task.id)!.status, 'running');
    assert.equal(existsSync(join(ws.logsDir, `${task.id}-${local.run.id}.log`)), false);
  });

  test('the largest outcome every field limit allows is applied; a log chunk that is not base64 is VALIDATION', async () => {
    const task = addTask(store, { title: 'big report', agent: 'box' }, at(Date.now())).task;
    const c = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    // Each field at its limit, in the characters JSON writes longest: a control character is six bytes (\u0001).
    const payload = (n: number) => ({ text: '\u0001'.repeat(n) });
    const near = (limit: number) => Math.floor((limit - 20) / 6);
    const input = { summary: '\u0001'.repeat(100_000), artifacts: payload(near(256 * 1024)), evidence: payload(near(256 * 1024)), session_id: 's'.repeat(200) };
    const entry = { version: 1 as const, run_id: c.run.id, task_id: task.id, verb: 'complete' as const, input, decided_at: Date.now(), host: 'h', pid: 1 };
    assert.ok(JSON.stringify({ entry }).length > 1024 * 1024, 'the entry is past the other routes\' 1 MiB');
    const done = await client().outcome(entry);
    assert.deepEqual([done.status, done.task?.status], ['applied', 'done']);
    assert.equal(store.tasks.get(task.id)!.result!.length, 100_000);
    // Past every limit: refused for good with a code (the worker sets it aside), not a cut connection it retries forever.
    const over = { ...entry, run_id: c.run.id, input: { ...input, summary: 'x'.repeat(3 * 1024 * 1024) } };
    await rejects(client().outcome(over), 'VALIDATION');

    addTask(store, { title: 'log chunks', agent: 'box' }, at(Date.now()));
    const l = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    const bad = await rejects(client().post('log', { run_id: l.run.id, offset: 0, data: 'not base64!' }), 'VALIDATION');
    assert.match(bad.message, /base64/);
    assert.equal(existsSync(l.run.log_path), false, 'nothing appended');
  });

  test('a remote run\'s log on the server is capped as the worker\'s own is: what fits, one line, then CONFLICT (log_cap) and nothing more', async () => {
    addTask(store, { title: 'a flood of log', agent: 'chatty' }, at(Date.now()));
    const c = (await client().claim('chatty', 'h', '/w')) as RemoteClaim;
    const cap = remoteLogCapBytes({ logMaxMb: 1 });
    const chunk = Buffer.alloc(LOG_CHUNK_BYTES, 'a');
    // 100 bytes first, so the chunk that reaches the cap fits only in part.
    let size = (await client().log(c.run.id, 0, Buffer.alloc(100, 'b'))).size;
    while (size + chunk.length <= cap) size = (await client().log(c.run.id, size, chunk)).size;
    const full = await rejects(client().log(c.run.id, size, chunk), 'CONFLICT');
    assert.equal(full.details.reason, 'log_cap');
    assert.equal(full.details.size, undefined, 'no size: the worker does not resend from anywhere');
    const text = readFileSync(c.run.log_path, 'latin1');
    assert.equal(text.slice(0, 100), 'b'.repeat(100));
    assert.equal(text.slice(100, cap), 'a'.repeat(cap - 100), 'what fits of the last chunk is kept');
    assert.match(text.slice(cap), /^\n=== steward \S+ the server's copy of this log reached its cap of 5 MiB .*\n$/);
    // Past the cap nothing is appended, and no second line; a resend of bytes it has is answered with its size.
    const had = statSync(c.run.log_path).size;
    await rejects(client().log(c.run.id, had, Buffer.from('more\n')), 'CONFLICT');
    assert.equal(statSync(c.run.log_path).size, had);
    assert.equal((await client().log(c.run.id, 0, Buffer.alloc(100, 'b'))).size, had);
    assert.equal((await client().log(c.run.id, 0, Buffer.alloc(0))).size, had);
  });

  test('a worker whose log goes past the server\'s cap stops sending it, says so once, keeps it whole, and reports', async () => {
    const task = addTask(store, { title: 'loud run', agent: 'chatty' }, at(Date.now())).task;
    const claim = (await client().claim('chatty', 'h', '/w')) as RemoteClaim;
    assert.equal(claim.task.id, task.id);
    // The worker keeps 10 MiB (as if the server's config had lowered logMaxMb during the run): its 6 MiB go past the server's 5.
    const lines: string[] = [];
    const dir = tempDir();
    const r = await runRemoteClaim({ client: client(), agent: 'chatty', dir, log: (l) => lines.push(l), shipMs: 50 }, { ...claim, profile: { ...claim.profile, logMaxMb: 10 } });
    assert.equal(r.status, 'completed', JSON.stringify(r));
    assert.equal(store.tasks.get(task.id)!.status, 'done');
    assert.ok(statSync(r.log_path).size > 6 * 1024 * 1024, 'the worker\'s own log is whole');
    assert.deepEqual(lines.filter((l) => /sending the log failed/.test(l)), [], 'no failure retried at every ship');
    assert.equal(lines.filter((l) => /reached its cap of 5 MiB/.test(l)).length, 1, lines.join('\n'));
    assert.match(readFileSync(claim.run.log_path, 'latin1').slice(-400), /reached its cap of 5 MiB/);
  });

  test('a token refused as the outcome is sent (revoked mid-run), or an answer that is not the API\'s: the outcome stays in the outbox, the worker stops', async () => {
    const { task, claim, dir, outbox } = await claimForBox('token revoked meanwhile');
    const revoked = new WorkerClient({ server: url, token: 'revoked-token-0123456789abcdef' });
    const stopped = await rejects(runRemoteClaim({ client: revoked, agent: 'box', dir }, claim), 'FORBIDDEN');
    assert.match(stopped.message, /outcome stays in .*start steward work again/);
    assert.deepEqual(readdirSync(outbox), [`${claim.run.id}.json`], 'kept, not set aside as rejected');
    // Something that is not steward's worker API answers (a proxy's login page): not a refusal of the outcome either.
    let answer = '<html>sign in</html>';
    const page = createHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(answer));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    try {
      const html = new WorkerClient({ server: `http://127.0.0.1:${(page.address() as AddressInfo).port}`, token: WORKER });
      await rejects(deliverOutbox({ client: html, agent: 'box', dir }), 'INTERNAL');
      assert.deepEqual(readdirSync(outbox), [`${claim.run.id}.json`]);
      // JSON that is not the API's answer (no version): not taken as delivered (the entry was dropped on it).
      answer = '{"ok": true}';
      await rejects(deliverOutbox({ client: html, agent: 'box', dir }), 'INTERNAL');
      assert.deepEqual(readdirSync(outbox), [`${claim.run.id}.json`]);
    } finally {
      page.close();
      page.closeAllConnections();
    }
    // Started again with a valid token, the worker delivers it.
    assert.deepEqual(await deliverOutbox({ client: client(), agent: 'box', dir }), { delivered: [claim.run.id], done: true });
    assert.equal(store.tasks.get(task.id)!.status, 'done');
  });

  test('an outcome the server refuses outright is set aside with its reason and the run is reported rejected (not failed, not delivered)', async () => {
    const { task, claim, dir, outbox } = await claimForBox('refused outcome');
    // The real server, sent an outcome it must refuse (a summary that is no string): VALIDATION, a refusal for good.
    const real = client();
    const spoiled = Object.assign(Object.create(WorkerClient.prototype) as WorkerClient, real, {
      outcome: (entry: Parameters<WorkerClient['outcome']>[0]) => real.outcome({ ...entry, input: { ...entry.input, summary: 5 } }),
    });
    const r = await runRemoteClaim({ client: spoiled, agent: 'box', dir }, claim);
    assert.equal(r.status, 'rejected', JSON.stringify(r));
    assert.match(r.error!, /^VALIDATION: .*summary/);
    assert.deepEqual(readdirSync(join(outbox, 'rejected')).sort(), [`${claim.run.id}.json`, `${claim.run.id}.json.reason.txt`]);
    assert.equal(store.tasks.get(task.id)!.status, 'running', 'nothing applied: the run is reaped when its lease ends');
  });

  test('an outbox entry under a name that is not its run id\'s is set aside, not sent again and again', async () => {
    addTask(store, { title: 'delivered once', agent: 'box' }, at(Date.now()));
    const claim = (await client().claim('box', 'h', '/w')) as RemoteClaim;
    const entry = { version: 1 as const, run_id: claim.run.id, task_id: claim.task.id, verb: 'complete' as const, input: { summary: 'done' }, decided_at: Date.now(), host: 'h', pid: 1 };
    assert.equal((await client().outcome(entry)).status, 'applied');
    // A copy under another name (5.json holding run 7's entry), and one with a leading zero.
    const dir = tempDir();
    const { outbox } = remoteDirs(dir);
    mkdirSync(outbox, { recursive: true });
    for (const name of ['99999.json', `0${claim.run.id}.json`]) writeFileSync(join(outbox, name), JSON.stringify(entry));
    // Bounded by work: a second send of the same entry (the loop that never ended) fails the test.
    let sent = 0;
    const counting = client();
    const send = counting.outcome.bind(counting);
    counting.outcome = (e) => (++sent > 1 ? Promise.reject(new Error('the same entry sent again')) : send(e));
    assert.deepEqual(await deliverOutbox({ client: counting, agent: 'box', dir }), { delivered: [], done: true });
    assert.equal(sent, 0);
    assert.deepEqual(readdirSync(join(outbox, 'rejected')).sort(), [`0${claim.run.id}.json`, `0${claim.run.id}.json.reason.txt`, '99999.json', '99999.json.reason.txt']);
    assert.match(readFileSync(join(outbox, 'rejected/99999.json.reason.txt'), 'utf8'), /file name does not match run_id/);
  });

  test('a request cut off in the middle of its body is no internal error: no stack trace in the server\'s log', async () => {
    const port = Number(new URL(url).port);
    const before = requests;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // The headers and half the body, then the connection goes (a worker stopped, a link cut mid-upload).
    socket.write(`POST /api/worker/log HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${WORKER}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"run_id": 1,`);
    await until('the handler to be reading the body', () => requests > before);
    socket.destroy();
    await until('the server to see the connection gone', async () => (await connections()) === 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(logged.filter((l) => /aborted|Error/.test(l)), []);
  });

  test('a CLI that prints fractional tokens: the heartbeat sends them whole, so the lease is kept and the usage recorded', async () => {
    const task = addTask(store, { title: 'metered', agent: 'metered' }, at(Date.now())).task;
    const claim = (await client().claim('metered', 'h', '/w')) as RemoteClaim;
    assert.equal(claim.task.id, task.id);
    const lines: string[] = [];
    const running = runRemoteClaim({ client: client(), agent: 'metered', dir: tempDir(), log: (l) => lines.push(l) }, claim);
    // A heartbeat taken: the usage so far is on the run (VALIDATION on every beat, and no lease, without the rounding).
    const beat = await until('a heartbeat with the usage', () => store.runs.get(claim.run.id)!.tokens_in ?? false, 60_000);
    assert.equal(beat, 2);
    assert.equal(store.runs.get(claim.run.id)!.tokens_out, 2);
    writeFileSync(METERED_GATE, '');
    const r = await running;
    assert.equal(r.status, 'completed', JSON.stringify(r));
    assert.deepEqual(lines.filter((l) => /heartbeat failed/.test(l)), []);
    assert.deepEqual(heartbeatUsage({ tokens_in: 1e20, turns: 0.4, cost_usd: 0.125, tokens_out: -1 }), { cost_usd: 0.125, tokens_in: 1e15, turns: 0 });
  });

  test('a log the server keeps refusing (its path there is a folder) is said to be refused once, not at every ship; the outcome still goes', async () => {
    const task = addTask(store, { title: 'log refused', agent: 'metered' }, at(Date.now())).task;
    const claim = (await client().claim('metered', 'h', '/w')) as RemoteClaim;
    assert.equal(claim.task.id, task.id);
    mkdirSync(claim.run.log_path, { recursive: true });
    const gate = join(tempDir(), 'gate');
    const held = { ...claim, profile: { ...claim.profile, env: { ...claim.profile.env, GATE: gate } } };
    const lines: string[] = [];
    const from = requests;
    const running = runRemoteClaim({ client: client(), agent: 'metered', dir: tempDir(), shipMs: 20, log: (l) => lines.push(l) }, held);
    // Many ships refused while the CLI runs (each a request), then the CLI ends.
    await until('ten requests of the worker', () => requests - from >= 10, 60_000);
    writeFileSync(gate, '');
    const r = await running;
    assert.equal(r.status, 'completed', JSON.stringify(r));
    const refused = lines.filter((l) => /sending the log failed/.test(l));
    assert.equal(refused.length, 1, refused.join('\n'));
    assert.match(refused[0]!, /CONFLICT.*not a regular file/);
  });

  test('a server that cannot be reached is UNAVAILABLE (the worker keeps its outcome and tries again); a blocked port is VALIDATION', async () => {
    // A port nothing listens on: taken from the OS, then let go.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await rejects(new WorkerClient({ server: `http://127.0.0.1:${closed}`, token: WORKER }).claim('box', 'h', '/w'), 'UNAVAILABLE');
    // fetch never connects to port 6000 (X11, on the Fetch standard's list): retrying would never end.
    const blocked = await rejects(new WorkerClient({ server: 'http://127.0.0.1:6000', token: WORKER }).claim('box', 'h', '/w'), 'VALIDATION');
    assert.match(blocked.message, /fetch refuses port 6000/);
    // An outcome waiting in the outbox was never judged by a server on such a port: it stays there (not set aside as
    // refused), and the worker stops, to be started again with a --server it can reach.
    const dir = tempDir('steward-remote-blocked-');
    const { outbox } = remoteDirs(dir);
    mkdirSync(outbox, { recursive: true });
    writeFileSync(join(outbox, '5.json'), JSON.stringify({ version: 1, run_id: 5, task_id: 1, verb: 'complete', input: { summary: 'kept' }, decided_at: 1, host: 'h', pid: 1 }));
    await rejects(deliverOutbox({ client: new WorkerClient({ server: 'http://127.0.0.1:6000', token: WORKER }), agent: 'box', dir }), 'VALIDATION');
    assert.deepEqual(readdirSync(outbox), ['5.json']);
    assert.throws(() => new WorkerClient({ server: 'ftp://x', token: WORKER }), /http:\/\/ or https:\/\//);
  });

  test('a claim sent again with its request_id (its answer lost) gets the same run while it is live, not the next task', async () => {
    const first = addTask(store, { title: 'claimed once', agent: 'box' }, at(Date.now())).task;
    const second = addTask(store, { title: 'stays ready', agent: 'box' }, at(Date.now())).task;
    const c = (await client().claim('box', 'h', '/w', { requestId: 'claim-0001' })) as RemoteClaim;
    assert.equal(c.task.id, first.id);
    const again = (await client().claim('box', 'h', '/w', { requestId: 'claim-0001' })) as RemoteClaim;
    assert.deepEqual([again.task.id, again.run.id, again.prompt], [first.id, c.run.id, c.prompt]);
    assert.equal(store.tasks.get(second.id)!.status, 'ready');
    assert.equal(store.runs.forTask(first.id, 10).length, 1);
    await rejects(client().claim('box', 'h', '/w', { requestId: 'no spaces allowed' }), 'VALIDATION');
    // Its run no longer live (cancelled), the same id is a new claim.
    cancelTask(store, { id: first.id, reason: 'enough' }, at(Date.now(), 'human'));
    const next = (await client().claim('box', 'h', '/w', { requestId: 'claim-0001' })) as RemoteClaim;
    assert.equal(next.task.id, second.id);
    cancelTask(store, { id: second.id, reason: 'enough' }, at(Date.now(), 'human'));
  });
});
