// Notify: a command (argv, no shell) and a webhook hear about review, blocked and dead items, once each.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { defaultConfig, type Config } from '../src/config/schema.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { writeUpFile } from '../src/up/up-file.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { notify, notifyLines } from '../src/tick/notify.js';
import { cli, tempDir } from './support/helpers.js';
import { isAlive, killChildren, spawnSyncCapped, tracked, waitFor, waitGone } from './helpers/processes.js';

afterEach(killChildren);

test('notifyLines: one line per review, blocked and dead item; nothing for other lists', () => {
  const lines = notifyLines({
    review: [{ id: 1, title: 'Essay', result: 'draft' }],
    blocked: [{ id: 2, title: 'Pick', question: 'red or blue?' }],
    dead: [{ id: 3, title: 'Port', error: 'deno: not found' }],
    failures: [{ id: 4, title: 'flaky', error: 'x' }],
    proposals: [{ id: 5, title: 'idea' }],
  });
  assert.deepEqual(lines, [
    'steward: #1 "Essay" waits for review',
    'steward: #2 "Pick" asks: red or blue?',
    'steward: #3 "Port" is a dead letter: deno: not found',
  ]);
});

test('notifyLines: the items a digest counts but does not list (more) are told too: they reach no later digest', () => {
  const lines = notifyLines({ review: [{ id: 1, title: 'Essay' }], dead: [{ id: 2, title: 'Port', error: 'x' }], more: { review: 4, dead: 1, failures: 9 } });
  assert.deepEqual(lines, [
    'steward: #1 "Essay" waits for review',
    'steward: +4 more waiting for review (not listed)',
    'steward: #2 "Port" is a dead letter: x',
    'steward: +1 more dead letters (not listed)',
  ]);
});

/** A webhook on a loopback port in this process that keeps every body it gets (for a steward in this process, as `up`). */
async function webhookServer() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { received, server };
}

/**
 * A webhook in another process (the CLI runs synchronously here: a server in this process could not answer it before
 * the CLI's own time limit): it writes each body down, one line each, before it answers, and the CLI waits for the
 * answer, so what was notified is known when the CLI returns.
 */
async function webhookProcess(dir: string): Promise<{ port: number; bodies(): string[] }> {
  const got = join(dir, 'received.txt');
  const server = tracked(
    spawn(process.execPath, ['-e', `const fs = require('fs'); const s = require('http').createServer((q, r) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => { fs.appendFileSync(${JSON.stringify(got)}, b + '\\n'); r.writeHead(204).end(); }); }); s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  let printed = '';
  server.stdout!.on('data', (c) => (printed += c));
  const port = await waitFor('the webhook server', () => (printed.includes('\n') ? Number(printed.trim()) : undefined));
  return { port, bodies: () => (existsSync(got) ? readFileSync(got, 'utf8').split('\n').filter(Boolean) : []) };
}

/** The processes whose command line names `marker` (ps -ww: whole command lines). */
function processesNaming(marker: string): string[] {
  const ps = spawnSyncCapped('ps', ['-ww', '-eo', 'pid,args'], { encoding: 'utf8' });
  assert.equal(ps.status, 0, ps.stderr);
  return ps.stdout.split('\n').filter((l) => l.includes(marker));
}

test('the tick fires the command and the webhook once per item, with text and JSON', async () => {
  const ws = tempDir();
  const hook = await webhookProcess(ws);
  const out = join(ws, 'notified.txt');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const script = `require('fs').appendFileSync(${JSON.stringify(out)}, process.argv[1] + '\\n')`;
  const config = join(ws, '.steward/config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8').replace(/^notify:.*\n(  .*\n)*/m, '')}\nnotify:\n  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, '{text}']\n  webhook: http://127.0.0.1:${hook.port}/hook\n`);
  const review = (title: string) => {
    run('add', title, '--review');
    const c = run('claim', '--agent', 'a', '--json').json;
    assert.equal(run('complete', String(c.run.id), '--summary', 'chose blue').code, 0);
  };
  review('Pick a colour; $(touch pwned)');
  const t1 = run('tick', '--json');
  assert.equal(t1.json.review.length, 1, t1.stderr);
  assert.equal(run('tick', '--json').json.quiet, true);
  // A second item, so a tick notifies after the quiet one: what it tells shows what the first two left to tell.
  review('Second');
  assert.equal(run('tick', '--json').json.review.length, 1);
  // Each tick started its command's watchdog before it returned, and a watchdog outlives its command: once no process
  // names the output file, every command these three ticks started has ended (bound by that, not by a pause).
  await waitFor('the notify commands to end', () => (processesNaming(out).length === 0 ? true : undefined));
  assert.deepEqual(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort(), ['steward: #1 "Pick a colour; $(touch pwned)" waits for review', 'steward: #2 "Second" waits for review']);
  assert.equal(existsSync(join(ws, 'pwned')), false, 'the text reached the command as one argument, no shell');
  const bodies = hook.bodies().map((b) => JSON.parse(b) as { text: string; items: { review: Array<{ id: number }> } });
  assert.deepEqual(bodies.map((b) => b.items.review.map((i) => i.id)), [[1], [2]]);
  assert.match(bodies[0]!.text, /waits for review/);
});

test("a person's look (tick --reader me) notifies nothing: the heartbeat's tick notifies each item once", async () => {
  const ws = tempDir();
  const hook = await webhookProcess(ws);
  const received = () => hook.bodies().length;
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const config = join(ws, '.steward/config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8').replace(/^notify:.*\n(  .*\n)*/m, '')}\nnotify:\n  webhook: http://127.0.0.1:${hook.port}/hook\n`);
  run('add', 'Essay', '--review');
  const c = run('claim', '--agent', 'a', '--json').json;
  assert.equal(run('complete', String(c.run.id), '--summary', 'draft').code, 0);
  assert.equal(run('tick', '--reader', 'me', '--json').json.review.length, 1);
  assert.equal(received(), 0, 'a look notifies nothing');
  assert.equal(run('tick', '--json').json.review.length, 1);
  assert.equal(received(), 1);
  assert.equal(run('tick', '--reader', 'me2', '--json').json.review.length, 1);
  assert.equal(received(), 1, 'another look would notify the item again');
  // While a live `steward up` runs here it notifies from its own digests: the heartbeat's tick leaves it to up.
  writeUpFile(join(ws, '.steward'), { pid: process.pid, host: 'h', port: 1, url: 'http://127.0.0.1:1', mcp_url: 'http://127.0.0.1:1/mcp', started_at: new Date().toISOString() });
  run('add', 'Second essay', '--review');
  const c2 = run('claim', '--agent', 'a', '--json').json;
  assert.equal(run('complete', String(c2.run.id), '--summary', 'draft').code, 0);
  assert.equal(run('tick', '--json').json.review.length, 1);
  assert.equal(received(), 1, 'up notifies it, not the heartbeat too');
});

test("notify: the command gets none of steward's secrets and its failure is reported; a webhook failure says why, hiding the URL's key", async () => {
  const dir = tempDir();
  const out = join(dir, 'env.json');
  const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('STEWARD_')))); process.exit(3)`;
  // A port nothing listens on: opened, then closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const logged: string[] = [];
  const before = { ...process.env };
  process.env.STEWARD_MCP_TOKEN_PLANNER = 'planner-token-0123456789';
  process.env.STEWARD_NOTIFY_WEBHOOK = 'http://127.0.0.1/secret';
  process.env.STEWARD_NOTIFY_PROBE = 'kept';
  try {
    const config = { notify: { command: [process.execPath, '-e', script], webhook: `http://127.0.0.1:${port}/services/s3cret?key=s3cret` } } as unknown as Config;
    await notify(config, { review: [{ id: 1, title: 'Essay' }] }, (line) => logged.push(line), join(dir, 'notify.log'));
  } finally {
    for (const k of ['STEWARD_MCP_TOKEN_PLANNER', 'STEWARD_NOTIFY_WEBHOOK', 'STEWARD_NOTIFY_PROBE']) if (before[k] === undefined) delete process.env[k];
  }
  await waitFor('the command to be reported', () => (logged.some((l) => /exited 3/.test(l)) ? true : undefined));
  // steward's secrets are gone; another STEWARD_ variable is kept (the environment of the run may hold more of them).
  const seen = JSON.parse(readFileSync(out, 'utf8')) as string[];
  assert.deepEqual(['STEWARD_MCP_TOKEN_PLANNER', 'STEWARD_NOTIFY_WEBHOOK', 'STEWARD_NOTIFY_PROBE'].filter((k) => seen.includes(k)), ['STEWARD_NOTIFY_PROBE']);
  const hook = logged.find((l) => l.includes('webhook'));
  assert.match(hook ?? '', /ECONNREFUSED/, logged.join('\n'));
  assert.doesNotMatch(logged.join('\n'), /s3cret/);
  // Both failures are kept in the notify log too, as logged.
  const kept = await waitFor('both failures in the notify log', () => {
    const text = existsSync(join(dir, 'notify.log')) ? readFileSync(join(dir, 'notify.log'), 'utf8') : '';
    return /exited 3/.test(text) && /ECONNREFUSED/.test(text) ? text : undefined;
  });
  assert.doesNotMatch(kept, /s3cret/);
  assert.equal(kept.trim().split('\n').length, 2, kept);
});

test('notify: a webhook that redirects is not followed: the items go to the configured URL only, and the redirect is reported', async () => {
  const elsewhere: string[] = [];
  const other = createServer((req, res) => {
    req.resume();
    elsewhere.push(req.url ?? '');
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as AddressInfo).port;
  const hook = createServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/collect` }).end();
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const port = (hook.address() as AddressInfo).port;
  const logged: string[] = [];
  const config = { notify: { webhook: `http://127.0.0.1:${port}/hook` } } as unknown as Config;
  await notify(config, { blocked: [{ id: 7, title: 'Pick', question: 'which key?' }] }, (line) => logged.push(line));
  hook.close();
  other.close();
  assert.deepEqual(elsewhere, [], 'nothing reached the host the redirect named');
  assert.match(logged.join('\n'), /answered 307 \(a redirect, not followed/);
});

test('steward up notifies: its ticks fire the webhook for a review (they fired nothing: no one collected the delivery)', async () => {
  const { received, server } = await webhookServer();
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  config.dispatch = 'none';
  config.mcp.port = 0;
  config.notify.webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const ctx = () => ({ now: Date.now(), actor: 'test' });
  const up = await startUp({ workspace, config, store, log: () => undefined });
  try {
    addTask(store, { title: 'Essay', review: true }, ctx());
    const claimed = claimTask(store, { agent: 'a' }, ctx());
    completeRun(store, { run_id: (claimed as unknown as { run: { id: number } }).run.id, summary: 'draft' }, ctx());
    up.wake();
    const body = await waitFor('the webhook to hear from up', () => received[0]);
    assert.equal(JSON.parse(body).items.review[0].title, 'Essay');
  } finally {
    await up.drain();
    store.close();
    server.close();
  }
});

/** A notify command that writes its pid to `file`, then never exits (with `ignoreTerm`, not even on SIGTERM). */
function hangingCommand(file: string, ignoreTerm = false): string[] {
  const script = `${ignoreTerm ? "process.on('SIGTERM', () => {}); " : ''}require('fs').writeFileSync(${JSON.stringify(file)}, String(process.pid)); setInterval(() => {}, 1e6)`;
  return [process.execPath, '-e', script];
}

const pidIn = (file: string) => (existsSync(file) && readFileSync(file, 'utf8') ? Number(readFileSync(file, 'utf8')) : undefined);

test('notify: a command that never exits is stopped after notify.timeoutSeconds (SIGKILL when it ignores SIGTERM), and the log says so', async () => {
  const pidFile = join(tempDir(), 'pid');
  const logged: string[] = [];
  const config = { notify: { command: hangingCommand(pidFile, true), timeoutSeconds: 1 } } as unknown as Config;
  await notify(config, { dead: [{ id: 9, title: 'Port', error: 'x' }] }, (line) => logged.push(line));
  const pid = await waitFor('the command to start', () => pidIn(pidFile));
  try {
    await waitFor('the timeout to be logged', () => (logged.some((l) => /did not exit within 1 s/.test(l)) ? true : undefined));
    await waitGone(pid);
    assert.match(logged.join('\n'), /notify: .*node.* did not exit within 1 s \(notify\.timeoutSeconds\): stopped \(SIGTERM to its process group, SIGKILL 5 s later\)/);
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('notify: steward tick does not wait for a command that never exits; it is still stopped after the tick exited, and .steward/logs/notify.log says so', async () => {
  const ws = tempDir();
  const pidFile = join(ws, 'notify.pid');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const config = join(ws, '.steward/config.yaml');
  const argv = hangingCommand(pidFile).map((a) => JSON.stringify(a)).join(', ');
  writeFileSync(config, `${readFileSync(config, 'utf8').replace(/^notify:.*\n(  .*\n)*/m, '')}\nnotify:\n  command: [${argv}]\n  timeoutSeconds: 1\n`);
  run('add', 'Essay', '--review');
  const c = run('claim', '--agent', 'a', '--json').json;
  assert.equal(run('complete', String(c.run.id), '--summary', 'draft').code, 0);
  const t = run('tick', '--json');
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.json.review.length, 1);
  const pid = await waitFor('the command to start', () => pidIn(pidFile));
  try {
    await waitGone(pid);
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  // The tick had exited: only the watchdog was left to say it.
  const notifyLog = join(ws, '.steward/logs/notify.log');
  const said = await waitFor('the timeout in notify.log', () => (existsSync(notifyLog) && /did not exit/.test(readFileSync(notifyLog, 'utf8')) ? readFileSync(notifyLog, 'utf8') : undefined));
  assert.match(said, /^\d{4}-\d\d-\d\dT[\d:.]+Z notify: .*node\S* did not exit within 1 s \(notify\.timeoutSeconds\): stopped/m);
  assert.equal(statSync(notifyLog).mode & 0o777, 0o600);
});

test('notify: an item up notified is not notified again by the heartbeat after up stops, nor one the heartbeat notified by up (one notify cursor per workspace)', async () => {
  const ws = tempDir();
  const hook = await webhookProcess(ws);
  const titles = () => hook.bodies().flatMap((b) => (JSON.parse(b).items.review as Array<{ title: string }>).map((i) => i.title));
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const config = join(ws, '.steward/config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8').replace(/^notify:.*\n(  .*\n)*/m, '')}\nnotify:\n  webhook: http://127.0.0.1:${hook.port}/hook\n`);
  const review = (title: string) => {
    run('add', title, '--review');
    const c = run('claim', '--agent', 'a', '--json').json;
    assert.equal(run('complete', String(c.run.id), '--summary', 'draft').code, 0);
  };
  const upFile = join(ws, '.steward/up.json');
  const upRuns = () => writeUpFile(join(ws, '.steward'), { pid: process.pid, host: 'h', port: 1, url: 'http://127.0.0.1:1', mcp_url: 'http://127.0.0.1:1/mcp', started_at: new Date().toISOString() });
  review('A');
  assert.equal(run('tick', '--json').json.review.length, 1);
  assert.deepEqual(titles(), ['A'], 'no up: the heartbeat notifies');
  // up starts: its first digest lists A too (its own cursor never saw it), and must not tell it again.
  upRuns();
  review('B');
  assert.equal(run('tick', '--reader', 'up', '--json').json.review.length, 2);
  assert.deepEqual(titles(), ['A', 'B'], 'up notifies B only');
  // up stops before the heartbeat ticked: the heartbeat's next digest lists B, already notified.
  rmSync(upFile);
  review('C');
  assert.equal(run('tick', '--json').json.review.length, 2);
  assert.deepEqual(titles(), ['A', 'B', 'C'], 'the heartbeat notifies C only');
});
