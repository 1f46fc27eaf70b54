// A run's log is steward's own file in .steward/logs: a symbolic link put at its path (by an agent: to a key, to
// /etc/passwd) is never followed. `steward logs` (with and without --follow) refuses it (FORBIDDEN, reason symlink),
// `steward status` shows no line of it, the web board shows a note instead of the file and refuses its log stream.
// `steward status` does not block on a FIFO there either. A log truncated under `logs --follow` or the board's stream
// is read again from its start, as `tail -F` does (both printed nothing until the file grew past the old offset).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { makeAuthenticator } from '../src/mcp/index.js';
import { addTask, claimTask } from '../src/ops/index.js';
import { startUpHttp } from '../src/up/http-server.js';
import { createWebBoard } from '../src/web/index.js';
import { capped, CHILD_CAP_MS, exited, killChildren, spawnSyncCapped, tracked, waitFor } from './helpers/processes.js';
import { at, CLI, cli, tempDir, tempStore } from './support/helpers.js';
import { now, runningRun } from './support/runner.js';

afterEach(killChildren);

const SECRET = 'root-password-hunter2';

test('logs, logs --follow and status never follow a symbolic link at a run log path; status does not block on a FIFO', () => {
  const { sb, task, path } = runningRun();
  const secret = join(tempDir(), 'secret.txt');
  writeFileSync(secret, `${SECRET}\n`);
  symlinkSync(secret, path);
  for (const args of [['logs', String(task)], ['logs', String(task), '--follow']]) {
    const r = cli(args, { cwd: sb.root, timeoutMs: CHILD_CAP_MS });
    assert.equal(r.code, 4, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /FORBIDDEN.*is a symbolic link: not followed/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
  }
  const json = cli(['logs', String(task), '--json'], { cwd: sb.root });
  assert.equal(json.code, 4);
  assert.equal((JSON.parse(json.stderr) as { error: { details: { reason: string } } }).error.details.reason, 'symlink', json.stderr);
  const status = cli(['status', '--json'], { cwd: sb.root });
  assert.equal(status.code, 0, status.stderr);
  assert.equal((status.json as { running: Array<{ last_line: string }> }).running[0]!.last_line, '');
  // A FIFO: a plain open waits for a writer that never comes (the cap only ends a hang; the verdict is the answer).
  spawnSyncCapped('rm', [path]);
  assert.equal(spawnSyncCapped('mkfifo', [path]).status, 0);
  const fifo = cli(['status', '--json'], { cwd: sb.root, timeoutMs: CHILD_CAP_MS });
  assert.equal(fifo.code, 0, fifo.stderr);
  assert.equal((fifo.json as { running: Array<{ last_line: string }> }).running[0]!.last_line, '');
});

test('logs --follow on a log truncated under it says so on stderr and prints the new content from its start', async () => {
  const { sb, task, run, path } = runningRun();
  writeFileSync(path, `${'x'.repeat(2000)} before\n`);
  const follower = tracked(spawn(process.execPath, [CLI, 'logs', String(task), '--follow', '--dir', sb.root], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  follower.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  follower.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await capped(waitFor('the first content', () => (out.includes('before\n') ? true : undefined)), 'the follower to print the log', follower);
  truncateSync(path, 0);
  appendFileSync(path, 'after\n');
  await capped(waitFor('the content written after the truncation', () => (out.includes('after\n') ? true : undefined)), 'the follower to print the new log', follower);
  assert.match(err, /steward logs: .* file truncated/);
  assert.equal(cli(['complete', String(run), '--summary', 'done'], { cwd: sb.root }).code, 0);
  assert.deepEqual(await exited(follower, 'the follower to exit once the run ended'), [0, null], err);
});

/** GET on the board; for an event stream, resolves once `until` matches what arrived (then the request is dropped). */
function get(port: number, path: string, until?: RegExp, onData?: (text: string) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, authorization: 'Bearer viewer-token-0123456789abcdef' } }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += String(c);
        onData?.(body);
        if (until?.test(body)) {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => (until ? undefined : reject(e)));
    req.end();
  });
}

test("the board shows no byte of a symlinked run log and refuses its stream; a truncated log's stream starts again from 0", { timeout: 120_000 }, async () => {
  const store = tempStore();
  const logsDir = tempDir();
  const grants = { 'viewer-token-0123456789abcdef': { role: 'viewer' as const, name: 'person' } };
  const board = createWebBoard({ store, checkBearer: makeAuthenticator(grants), profiles: null, agents: {}, logsDir, log: () => undefined });
  const http = await startUpHttp({ store, tokens: grants, boardPath: '', host: '127.0.0.1', port: 0, loop: { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, web: board, log: () => undefined });
  const port = Number(new URL(http.url).port);
  let clock = 1_000_000;
  const running = (title: string) => {
    addTask(store, { title, agent: title }, at((clock += 1000)));
    const c = claimTask(store, { agent: title }, at((clock += 1000))) as { run: { id: number }; task: { id: number } };
    const log = join(logsDir, `${c.task.id}-${c.run.id}.log`);
    store.db.prepare('UPDATE runs SET log_path = ? WHERE id = ?').run(log, c.run.id);
    return { task: c.task.id, run: c.run.id, log };
  };
  try {
    const linked = running('linked');
    const secret = join(tempDir(), 'secret.txt');
    writeFileSync(secret, `${SECRET}\n`);
    symlinkSync(secret, linked.log);
    const page = await get(port, `/tasks/${linked.task}`);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.doesNotMatch(page.body, new RegExp(SECRET));
    assert.match(page.body, /this run&#39;s log is a symbolic link|this run's log is a symbolic link/);
    assert.doesNotMatch((await get(port, '/')).body, new RegExp(SECRET));
    const stream = await get(port, `/tasks/${linked.task}/log?run=${linked.run}`);
    assert.equal(stream.status, 403, stream.body);
    assert.equal(JSON.parse(stream.body).error.code, 'FORBIDDEN');
    assert.doesNotMatch(stream.body, new RegExp(SECRET));

    const cut = running('cut');
    writeFileSync(cut.log, `${'y'.repeat(2000)} before\n`);
    let seenTail = false;
    const live = get(port, `/tasks/${cut.task}/log?run=${cut.run}`, /after/, (body) => {
      if (!seenTail && /event: tail\n/.test(body)) {
        seenTail = true;
        // The stream took the size (2 KB) as its offset: the file is now shorter than that.
        truncateSync(cut.log, 0);
        appendFileSync(cut.log, 'after\n');
      }
    });
    const { body } = await live;
    assert.match(body, /the log was truncated: from its start again/);
  } finally {
    await http.close();
    store.close();
  }
});
