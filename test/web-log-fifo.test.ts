// A run's log path that is not a regular file (a FIFO a worker put there, a folder) never blocks or crashes `steward up`:
// the board shows no log and the worker API refuses to append. A plain open of a FIFO waits for the other end, and `up`
// opened logs synchronously: its whole event loop (the board, MCP, the tick) froze the first time someone looked at
// that task, or a remote worker sent that run's log. A real `steward up` child, since
// an in-process server would freeze the test itself.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { capped, execFileSyncCapped } from './helpers/processes.js';
import { cli, tempDir } from './support/helpers.js';
import { killStarted, start, TOKENS, upJson, VIEWER_TOKEN, WORKER_TOKEN } from './support/remote.js';

afterEach(killStarted);

test('a FIFO or a folder at a run\'s log path: the task page and its log stream show no log, a log chunk is refused, and up goes on', { timeout: 300_000 }, async () => {
  const ws = tempDir('steward-log-fifo-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^agents:\n/m, 'agents:\n  box:\n    cli: command\n    command: ["true"]\n    maxConcurrent: 2\n').replace(/^dispatch: local$/m, 'dispatch: none'));
  const ids = [run('add', 'fifo log', '--agent', 'box', '--json').json.task.id as number, run('add', 'folder log', '--agent', 'box', '--json').json.task.id as number];
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const { port } = await upJson(ws);
  const base = `http://127.0.0.1:${port}`;
  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${WORKER_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // Two remote claims: each run's log path is recorded on the server before any log byte arrives.
  const runs: Array<{ task: number; run: number; log: string }> = [];
  for (const _ of ids) {
    const claim = (await (await post('/api/worker/claim', { agent: 'box', host: 'box', workdir: '/tmp' })).json()) as { task: { id: number }; run: { id: number; log_path: string } };
    runs.push({ task: claim.task.id, run: claim.run.id, log: claim.run.log_path });
  }
  execFileSyncCapped('mkfifo', [runs[0]!.log]);
  mkdirSync(runs[1]!.log);
  const get = async (path: string, what: string) => {
    const res = await capped(fetch(`${base}${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } }), `${what}: an answer from up`, up.child, 60_000);
    return { status: res.status, text: await capped(res.text(), `${what}: the body`, up.child, 60_000) };
  };
  for (const r of runs) {
    const page = await get(`/tasks/${r.task}`, `task #${r.task}'s page`);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /<pre class="log" id="log"[^>]*><\/pre>/, 'an empty log view');
  }
  // The live log of a running run: its first event is the (empty) tail, then the stream follows; read that event only.
  for (const r of runs) {
    const res = await capped(fetch(`${base}/tasks/${r.task}/log?run=${r.run}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } }), 'the log stream', up.child, 60_000);
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let got = '';
    while (!got.includes('event: tail')) got += new TextDecoder().decode((await capped(reader.read(), 'the tail event', up.child, 60_000)).value);
    assert.match(got, /event: tail\ndata: ""/);
    await reader.cancel();
  }
  assert.equal((await get('/', 'needs attention')).status, 200);
  // A remote worker's log chunk for those runs: refused (CONFLICT, no size to resend from), nothing written, no hang.
  for (const r of runs) {
    const res = await capped(post('/api/worker/log', { run_id: r.run, offset: 0, data: Buffer.from('hello\n').toString('base64') }), 'a log chunk: an answer from up', up.child, 60_000);
    const body = (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
    assert.equal(res.status, 409, JSON.stringify(body));
    assert.equal(body.error.code, 'CONFLICT');
    assert.match(body.error.message, /not a regular file/);
    assert.equal(body.error.details.size, undefined);
  }
  assert.equal((await get('/healthz', 'healthz')).text, 'ok\n');
  assert.equal(up.child.exitCode, null, 'up is still running');
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});
