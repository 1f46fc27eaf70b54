// Worker tokens are bound to the runs they claimed: against a real `steward up` with two worker tokens, the second
// cannot heartbeat, log to, complete or fail the first's run (run ids are sequential, so guessable), nor deliver it from
// the first's outbox; the first's token rotated under the same name still delivers what its worker kept.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WorkerClient } from '../src/remote/worker-client.js';
import { cli, tempDir } from './support/helpers.js';
import { fails } from './support/mcp.js';
import { killStarted, rejects, remoteProfile, start, until, upJson } from './support/remote.js';

afterEach(killStarted);

const A = 'a'.repeat(8) + '-worker-token-of-box-a-0123';
const A_ROTATED = 'r'.repeat(8) + '-rotated-token-of-box-a-0123';
const B = 'b'.repeat(8) + '-worker-token-of-box-b-0123';

test('a worker token acts only on the runs it claimed; the same name after a rotation delivers the outbox', { timeout: 600_000 }, async () => {
  const remote = tempDir('steward-remote-worker-');
  const gate = join(tempDir(), 'gate');
  const ws = tempDir('steward-remote-server-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^agents:\n/m, `agents:\n${remoteProfile(ws, gate).join('\n')}\n`).replace(/^dispatch: local$/m, 'dispatch: none'));
  const id = run('add', 'box-a runs this', '--agent', 'remote', '--json').json.task.id as number;

  const tokens = (a: string) => ({ STEWARD_MCP_TOKENS: JSON.stringify({ [a]: { role: 'worker', name: 'box-a' }, [B]: { role: 'worker', name: 'box-b' } }) });
  let up = start(['up', '--port', '0', '--dir', ws], ws, tokens(A));
  const info = await upJson(ws);
  const server = `http://127.0.0.1:${info.port}`;

  const worker = start(['work', '--server', server, '--agent', 'remote', '--json'], remote, { STEWARD_TOKEN: A });
  await until('the task to run remotely', () => run('show', String(id), '--json').json.task.status === 'running');
  const runRow = run('show', String(id), '--json').json.runs[0];
  assert.equal(runRow.claimed_by, 'box-a');
  const serverLog = join(ws, '.steward/logs', `${id}-${runRow.id}.log`);
  await until('the log line on the server', () => existsSync(serverLog) && readFileSync(serverLog, 'utf8').includes('gated-claude: waiting for the gate'));

  // Token B, knowing (or guessing) the run id: every write is FORBIDDEN, and nothing changes on the server.
  const b = new WorkerClient({ server, token: B });
  const had = readFileSync(serverLog, 'utf8');
  const refused = await rejects(b.heartbeat(runRow.id, 60), 'FORBIDDEN');
  assert.match(refused.message, /claimed by worker "box-a", not by this token's "box-b"/);
  await rejects(b.log(runRow.id, Buffer.byteLength(had), Buffer.from('forged line\n'), id), 'FORBIDDEN');
  await rejects(b.log(runRow.id, 0, Buffer.alloc(0)), 'FORBIDDEN');
  const entry = { version: 1 as const, run_id: runRow.id, task_id: id, decided_at: Date.now(), host: 'box-b', pid: 1 };
  await rejects(b.outcome({ ...entry, verb: 'complete', input: { summary: 'forged' } }), 'FORBIDDEN');
  await rejects(b.outcome({ ...entry, verb: 'fail', input: { kind: 'fatal', error: 'forged' } }), 'FORBIDDEN');
  // Nor through the MCP worker tools on the same server (`/mcp`, the same tokens).
  const mcp = new Client({ name: 'box-b', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server}/mcp`), { requestInit: { headers: { authorization: `Bearer ${B}` } } }));
  try {
    await mcp.listTools();
    const call = async (name: string, args: Record<string, unknown>) => (await mcp.callTool({ name, arguments: args })) as CallToolResult;
    fails(await call('heartbeat', { run_id: runRow.id }), 'FORBIDDEN');
    fails(await call('complete', { run_id: runRow.id, summary: 'forged' }), 'FORBIDDEN');
    assert.match(fails(await call('fail', { run_id: runRow.id, error: 'forged', kind: 'fatal' }), 'FORBIDDEN').message, /claimed by worker "box-a"/);
  } finally {
    await mcp.close();
  }
  assert.doesNotMatch(readFileSync(serverLog, 'utf8'), /forged/);
  const shown = run('show', String(id), '--json').json;
  assert.equal(shown.task.status, 'running');
  assert.deepEqual(shown.runs.map((r: { status: string }) => r.status), ['running']);

  // The server stops while the CLI runs; the CLI ends; box-a's outcome waits in its worker's outbox.
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
  writeFileSync(gate, 'open');
  await until('the outcome kept in the local outbox', () => /outcome kept in .*outbox/.test(worker.err()));
  const outbox = join(remote, '.steward-remote/outbox');

  // The server comes back with box-a's token rotated: the old token is refused (exit 4), the outcome stays.
  up = start(['up', '--port', String(info.port), '--dir', ws], ws, tokens(A_ROTATED));
  assert.equal(await worker.exited, 4, worker.err());
  assert.deepEqual(readdirSync(outbox).filter((n) => n.endsWith('.json')), [`${runRow.id}.json`]);

  // box-b's token in box-a's folder may not deliver it either: refused, kept, nothing recorded.
  const other = cli(['work', '--server', server, '--agent', 'remote', '--json'], { cwd: remote, env: { STEWARD_TOKEN: B } });
  assert.equal(other.code, 4, other.stderr);
  assert.match(other.stderr, /claimed by worker \\?"box-a\\?", not by this token's \\?"box-b\\?"/);
  assert.deepEqual(readdirSync(outbox).filter((n) => n.endsWith('.json')), [`${runRow.id}.json`]);
  assert.equal(run('show', String(id), '--json').json.task.status, 'running');

  // box-a's new token (the same name) delivers it.
  const rotated = cli(['work', '--server', server, '--agent', 'remote', '--json'], { cwd: remote, env: { STEWARD_TOKEN: A_ROTATED } });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.deepEqual(rotated.json.delivered, [runRow.id]);
  const done = run('show', String(id), '--json').json;
  assert.equal(done.task.status, 'done');
  assert.equal(done.task.result, 'OK: mock reply');
  assert.deepEqual(done.runs.map((r: { status: string; outcome: string; finished_by: string }) => `${r.status}/${r.outcome}/${r.finished_by}`), ['finished/completed/box-a']);
  assert.match(readFileSync(serverLog, 'utf8'), /CLI ended: exit, exit 0/);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});
