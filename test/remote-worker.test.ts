// `steward work --server`: a babysitter in another process with its own empty folder and no database claims, streams
// its log and reports through `steward up`'s worker API; the server stopped mid-run gets the outcome when it is back.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli, tempDir } from './support/helpers.js';
import { killStarted, start, TOKENS, until, VIEWER_TOKEN, WORKER_TOKEN, remoteProfile } from './support/remote.js';

after(killStarted);

test('a remote worker claims, streams its log and delivers its outcome after the server was down mid-run', { timeout: 600_000 }, async () => {
  const ws = tempDir('steward-remote-server-');
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  const profile = [
    ...remoteProfile(ws, gate),
  ].join('\n');
  const config = readFileSync(configPath, 'utf8').replace(/^agents:\n/m, `agents:\n${profile}\n`).replace(/^dispatch: local$/m, 'dispatch: none');
  assert.match(config, /^dispatch: none$/m);
  writeFileSync(configPath, config);
  const first = run('add', 'first remote task', '--agent', 'remote', '--json').json.task.id as number;
  const second = run('add', 'second remote task', '--agent', 'remote', '--priority', 'low', '--json').json.task.id as number;

  const serverEnv = { STEWARD_MCP_TOKENS: TOKENS };
  let up = start(['up', '--port', '0', '--dir', ws], ws, serverEnv);
  const upFile = join(ws, '.steward/up.json');
  const info = await until('up.json', () => existsSync(upFile) && JSON.parse(readFileSync(upFile, 'utf8')));
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
  for (const id of [first, second]) {
    const shown = run('show', String(id), '--json').json;
    assert.equal(shown.task.status, 'done', `task #${id}`);
    assert.equal(shown.task.result, 'OK: mock reply');
  }
  assert.deepEqual(readdirSync(outbox).filter((n) => n.endsWith('.json')), []);
  const text = readFileSync(serverLog, 'utf8');
  assert.match(text, /CLI ended: exit, exit 0/);
  assert.match(text, /"result":\s*"OK: mock reply"/);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});
