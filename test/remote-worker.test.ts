// `steward work --server`: a babysitter in another process with its own empty folder and no database claims, streams
// its log and reports through `steward up`'s worker API; the server stopped mid-run gets the outcome when it is back.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { cli, onPostgres, tempDir } from './support/helpers.js';
import { httpProxy } from './support/http-proxy.js';
import { linkProxy } from './support/link-proxy.js';
import { killStarted, start, TOKENS, until, upJson, VIEWER_TOKEN, WORKER_TOKEN, remoteProfile } from './support/remote.js';

afterEach(killStarted);

/** A server workspace with the gated `remote` profile, nothing dispatched locally; on Postgres under test:pg. */
function serverWorkspace(gate: string): { ws: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const ws = tempDir('steward-remote-server-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  const config = readFileSync(configPath, 'utf8').replace(/^agents:\n/m, `agents:\n${remoteProfile(ws, gate).join('\n')}\n`).replace(/^dispatch: local$/m, 'dispatch: none');
  assert.match(config, /^dispatch: none$/m);
  writeFileSync(configPath, config);
  // The backend the server's queue is on: a file only on SQLite (test:pg puts it in a Postgres schema of its own).
  assert.equal(existsSync(join(ws, '.steward/queue.db')), !onPostgres);
  return { ws, run };
}

/** Exactly once: the task is done with the result, its one run completed, and one completion in its audit events. */
function landedOnce(run: (...args: string[]) => ReturnType<typeof cli>, id: number): void {
  const shown = run('show', String(id), '--json').json;
  assert.equal(shown.task.status, 'done', `task #${id}`);
  assert.equal(shown.task.result, 'OK: mock reply');
  assert.deepEqual(shown.runs.map((r: { status: string; outcome: string }) => `${r.status}/${r.outcome}`), ['finished/completed']);
  const completions = shown.events.filter((e: { kind: string; run_id: number | null }) => e.kind === 'completed');
  assert.equal(completions.length, 1, `one completion event: ${JSON.stringify(shown.events.map((e: { kind: string }) => e.kind))}`);
}

test('a remote worker claims, streams its log and delivers its outcome after the server was down mid-run', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  const { ws, run } = serverWorkspace(gate);
  const first = run('add', 'first remote task', '--agent', 'remote', '--json').json.task.id as number;
  const second = run('add', 'second remote task', '--agent', 'remote', '--priority', 'low', '--json').json.task.id as number;

  const serverEnv = { STEWARD_MCP_TOKENS: TOKENS };
  let up = start(['up', '--port', '0', '--dir', ws], ws, serverEnv);
  const info = await upJson(ws);
  const server = `http://127.0.0.1:${info.port}`;

  // A wrong token, and a token of another role, are refused with a stable code; nothing is claimed.
  for (const token of ['not-the-token-at-all-0123456789', VIEWER_TOKEN]) {
    const refused = cli(['work', '--server', server, '--agent', 'remote', '--json'], { cwd: remote, env: { STEWARD_TOKEN: token } });
    assert.equal(refused.code, 4, refused.stderr);
    assert.equal(JSON.parse(refused.stderr).error.code, 'FORBIDDEN');
  }
  assert.equal(run('show', String(first), '--json').json.task.status, 'ready');

  const worker = start(['work', '--server', server, '--agent', 'remote', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
  await until('the first task to run remotely', () => run('show', String(first), '--json').json.task.status === 'running');
  const runRow = run('show', String(first), '--json').json.runs[0];
  assert.match(runRow.host, /^remote:/);
  // The log streams back while the CLI runs: the gated CLI's first line reaches the server's log file.
  const serverLog = join(ws, '.steward/logs', `${first}-${runRow.id}.log`);
  await until('the log line on the server', () => existsSync(serverLog) && readFileSync(serverLog, 'utf8').includes('gated-claude: waiting for the gate'));

  // The link is cut: the server stops while the CLI still runs; then the CLI finishes.
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
  writeFileSync(gate, 'open');
  const outbox = join(remote, '.steward-remote/outbox');
  await until('the outcome kept in the local outbox', () => /outcome kept in .*outbox/.test(worker.err()));
  assert.ok(existsSync(join(outbox, `${runRow.id}.json`)), 'the outcome waits in the worker\'s outbox');
  assert.equal(worker.child.exitCode, null, 'the worker waits for the server');

  // The server comes back on the same port: the outcome is delivered, then the next task runs, then nothing is left.
  up = start(['up', '--port', String(info.port), '--dir', ws], ws, serverEnv);
  const code = await worker.exited;
  assert.equal(code, 0, worker.err());
  const result = JSON.parse(worker.out());
  assert.deepEqual(result.delivered, [runRow.id]);
  assert.equal(result.stopped, 'empty');
  assert.deepEqual(result.runs.map((r: { status: string }) => r.status), ['deferred', 'completed']);
  // Exactly once: the outcome sent from the outbox after the restart counted once, as did the second task's.
  for (const id of [first, second]) landedOnce(run, id);
  assert.deepEqual(readdirSync(outbox).filter((n) => n.endsWith('.json')), []);
  const text = readFileSync(serverLog, 'utf8');
  assert.match(text, /CLI ended: exit, exit 0/);
  assert.match(text, /"result":\s*"OK: mock reply"/);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

test('a remote worker whose link drops mid-run, and whose outcome answers are lost twice, delivers its outcome exactly once', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  const { ws, run } = serverWorkspace(gate);
  const id = run('add', 'a task across a bad link', '--agent', 'remote', '--json').json.task.id as number;
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  // The worker reaches the server only through the proxy; the server itself stays up all along.
  const link = await linkProxy(info.port);
  try {
    const worker = start(['work', '--server', `http://127.0.0.1:${link.port}`, '--agent', 'remote', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
    await until('the task to run remotely', () => run('show', String(id), '--json').json.task.status === 'running');
    const runRow = run('show', String(id), '--json').json.runs[0];
    const serverLog = join(ws, '.steward/logs', `${id}-${runRow.id}.log`);
    await until('the log line on the server', () => existsSync(serverLog) && readFileSync(serverLog, 'utf8').includes('gated-claude: waiting for the gate'));

    // The link drops while the CLI runs; the CLI finishes; the outcome cannot be sent and waits in the outbox.
    link.drop();
    writeFileSync(gate, 'open');
    await until('the outcome kept in the local outbox', () => /outcome kept in .*outbox/.test(worker.err()));
    assert.ok(existsSync(join(remote, '.steward-remote/outbox', `${runRow.id}.json`)));
    assert.equal(run('show', String(id), '--json').json.task.status, 'running', 'nothing reached the server');
    assert.equal(link.outcomes.sent, 0);

    // The link comes back, but drops again just after the server took the outcome — twice: first no answer at all, then
    // an answer cut after its headers. The worker cannot know the outcome landed, keeps it and sends it again; the
    // server answers the resends `duplicate` (the run id is the key), and the outcome counts once.
    link.loseAnswers(2);
    link.pass();
    const code = await worker.exited;
    assert.equal(code, 0, worker.err());
    assert.equal(link.outcomes.lost, 2);
    assert.ok(link.outcomes.sent >= 3, `the outcome was sent ${link.outcomes.sent} times`);
    const result = JSON.parse(worker.out());
    assert.deepEqual(result.delivered, [runRow.id]);
    assert.deepEqual(result.runs.map((r: { status: string }) => r.status), ['deferred']);
    assert.match(worker.err(), new RegExp(`run ${runRow.id}: outcome delivered from the outbox \\(duplicate\\)`));
    assert.doesNotMatch(worker.err(), /refused its outcome/);
    assert.deepEqual(readdirSync(join(remote, '.steward-remote/outbox')), [], 'nothing left, nothing set aside as rejected');
    landedOnce(run, id);
  } finally {
    await link.close();
  }
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

test('a remote worker whose claim answers are lost (the server claimed) is handed that run on its next try: one run, none left running', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  writeFileSync(gate, 'open');
  const { ws, run } = serverWorkspace(gate);
  const id = run('add', 'a task whose claim answer is lost', '--agent', 'remote', '--json').json.task.id as number;
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  const link = await linkProxy(info.port);
  try {
    // The first claim's answer is lost whole, the next try's cut after its headers: both reached the server.
    link.loseAnswers(2, 'claim');
    const worker = start(['work', '--server', `http://127.0.0.1:${link.port}`, '--agent', 'remote', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
    assert.equal(await worker.exited, 0, worker.err());
    assert.equal(link.claims.lost, 2);
    const result = JSON.parse(worker.out());
    assert.deepEqual(result.runs.map((r: { status: string; task_id: number }) => `${r.task_id}:${r.status}`), [`${id}:completed`]);
    // One run, the one the lost answers named: none left running with nobody on it until its lease ends.
    landedOnce(run, id);
  } finally {
    await link.close();
  }
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

test('a reverse proxy answering 502 while the run ends: the outcome waits in the outbox, the worker says why and waits longer each time, then delivers it once', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  const { ws, run } = serverWorkspace(gate);
  const id = run('add', 'a task behind a proxy', '--agent', 'remote', '--json').json.task.id as number;
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  const proxy = await httpProxy(info.port);
  try {
    const worker = start(['work', '--server', `http://127.0.0.1:${proxy.port}`, '--agent', 'remote', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
    await until('the task to run remotely', () => run('show', String(id), '--json').json.task.status === 'running');
    const runRow = run('show', String(id), '--json').json.runs[0];

    // The proxy's upstream "goes down" (a 502 HTML page for every request) just as the CLI ends.
    proxy.down();
    writeFileSync(gate, 'open');
    const waits = () => [...worker.err().matchAll(/server unreachable \((.*)\); 1 outcome\(s\) kept in .*, trying again in (\d+) ms/g)];
    await until('three tries of the outbox', () => waits().length >= 3);
    const seen = waits().slice(0, 3);
    // Each says why (the proxy's 502, not steward's answer) and waits twice as long as the one before.
    for (const [, why] of seen) assert.match(why!, /answered 502 without a steward answer/);
    assert.deepEqual(seen.map(([, , ms]) => Number(ms)), [500, 1000, 2000]);
    assert.match(worker.err(), new RegExp(`run ${runRow.id}: server unreachable \\(.*answered 502.*\\); outcome kept in `));
    assert.ok(existsSync(join(remote, '.steward-remote/outbox', `${runRow.id}.json`)), 'the outcome waits in the outbox');
    assert.equal(existsSync(join(remote, '.steward-remote/outbox/rejected')), false, 'a 502 is no refusal');
    assert.equal(run('show', String(id), '--json').json.task.status, 'running');
    assert.equal(worker.child.exitCode, null, 'the worker waits');

    proxy.pass();
    assert.equal(await worker.exited, 0, worker.err());
    assert.deepEqual(JSON.parse(worker.out()).delivered, [runRow.id]);
    landedOnce(run, id);
  } finally {
    await proxy.close();
  }
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

/** The server's /metrics as name{labels} → value (a kept-alive connection closed just then: ask again). */
async function metrics(server: string): Promise<Record<string, number>> {
  const text = await until('/metrics', async () => {
    try {
      return await (await fetch(`${server}/metrics`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).text();
    } catch {
      return undefined;
    }
  });
  return Object.fromEntries(text.split('\n').filter((l) => /^steward_\S+ /.test(l)).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}
const claimsWaiting = async (server: string): Promise<number> => (await metrics(server)).steward_remote_claims_waiting ?? -1;
const waitsEnded = async (server: string, end: string): Promise<number> => (await metrics(server))[`steward_remote_claim_waits_total{end="${end}"}`] ?? -1;

/** The log lines of an idle remote worker saying it waits (one each time it goes idle), failing if it exited. */
const idleLines = (worker: ReturnType<typeof start>): number => {
  if (worker.child.exitCode !== null) throw new Error(`the worker exited ${worker.child.exitCode}: ${worker.err()}${worker.out()}`);
  return worker.err().split('\n').filter((l) => l.includes('waiting for work (the server holds each ask until a task is claimed for it, at most 60 s)')).length;
};

test('a remote worker with --wait parks its ask on the server, runs a task added later at once (not at its next poll), and a stop signal while parked ends it with exit 0', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  writeFileSync(gate, 'open'); // the gated CLI runs straight through
  const { ws, run } = serverWorkspace(gate);
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  const server = `http://127.0.0.1:${info.port}`;

  // --wait goes with --agent; --poll-seconds with --wait, and is checked before anything is asked of the server.
  const noAgent = cli(['work', '--server', server, '--wait', '--json'], { cwd: remote, env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(JSON.parse(noAgent.stderr).error.code, 'USAGE');
  const badPoll = cli(['work', '--server', server, '--agent', 'remote', '--wait', '--poll-seconds', '0', '--json'], { cwd: remote, env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(JSON.parse(badPoll.stderr).error.code, 'VALIDATION');

  // --poll-seconds 600: the worker asks again after 600 s at the most (each ask held 60 s on the server); the task below
  // runs because the server's parked claim woke on its commit, which the metrics tell from a deadline.
  const worker = start(['work', '--server', server, '--agent', 'remote', '--wait', '--poll-seconds', '600', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
  await until('the remote worker idle', () => idleLines(worker) >= 1);
  assert.match(worker.err(), /nothing to claim for agent remote; waiting for work/);
  await until('its ask parked on the server', async () => (idleLines(worker), (await claimsWaiting(server)) === 1));

  const id = run('add', 'work for the idle remote worker', '--agent', 'remote', '--json').json.task.id as number;
  await until(`task #${id} done`, () => run('show', String(id), '--json').json.task.status === 'done');
  landedOnce(run, id);
  assert.equal(await waitsEnded(server, 'deadline'), 0, 'the parked ask ended by the change, not by its deadline');
  assert.ok((await waitsEnded(server, 'changed')) >= 1);
  // Nothing came due with time alone (no backoff, no pause): the metric is there, at 0.
  assert.equal(await waitsEnded(server, 'due'), 0);
  await until('the remote worker idle again', () => idleLines(worker) >= 2);
  await until('its ask parked again', async () => (idleLines(worker), (await claimsWaiting(server)) === 1));

  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.err());
  const out = JSON.parse(worker.out());
  assert.equal(out.stopped, 'stopped');
  assert.deepEqual(out.runs.map((r: { task_id: number; status: string }) => `${r.task_id}:${r.status}`), [`${id}:completed`]);
  // The server saw the worker go: nothing parked, its wait ended as `gone`, and nothing was claimed for it.
  await until('the parked ask gone from the server', async () => (await claimsWaiting(server)) === 0 && (await waitsEnded(server, 'gone')) === 1);
  const later = run('add', 'nobody waits for this one', '--agent', 'remote', '--json').json.task.id as number;
  assert.equal(run('show', String(later), '--json').json.task.status, 'ready');
  assert.deepEqual(run('show', String(later), '--json').json.runs, []);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

test('two remote workers parked on one server and one task added: one run, and both go on waiting', { timeout: 600_000 }, async () => {
  const gate = join(tempDir(), 'gate');
  writeFileSync(gate, 'open');
  const { ws, run } = serverWorkspace(gate);
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  const server = `http://127.0.0.1:${info.port}`;
  const workers = [1, 2].map(() => start(['work', '--server', server, '--agent', 'remote', '--wait', '--poll-seconds', '600', '--json'], tempDir('steward-remote-worker-'), { STEWARD_TOKEN: WORKER_TOKEN }));
  await until('both asks parked on the server', async () => (workers.forEach(idleLines), (await claimsWaiting(server)) === 2));

  const id = run('add', 'one task for two idle workers', '--agent', 'remote', '--json').json.task.id as number;
  await until(`task #${id} done`, () => run('show', String(id), '--json').json.task.status === 'done');
  landedOnce(run, id);
  await until('both asks parked again', async () => (workers.forEach(idleLines), (await claimsWaiting(server)) === 2));
  assert.equal(await waitsEnded(server, 'deadline'), 0);

  for (const w of workers) w.child.kill('SIGTERM');
  const runs: string[] = [];
  for (const w of workers) {
    assert.equal(await w.exited, 0, w.err());
    const out = JSON.parse(w.out());
    assert.equal(out.stopped, 'stopped');
    runs.push(...out.runs.map((r: { task_id: number; status: string }) => `${r.task_id}:${r.status}`));
  }
  assert.deepEqual(runs, [`${id}:completed`], 'exactly one of the two ran it');
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});
