// `steward mcp` over stdio: the built CLI spawned three times (one per role) with a real SDK client.
import assert from 'node:assert/strict';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { showTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { capped, execFileSyncCapped } from './helpers/processes.js';
import { CLI, cli, tempDir } from './support/helpers.js';
import { fails, ok } from './support/mcp.js';

async function spawnRole(dir: string, role: string, actor?: string) {
  const args = [CLI, 'mcp', '--role', role, '--dir', dir, ...(actor ? ['--actor', actor] : [])];
  const transport = new StdioClientTransport({ command: process.execPath, args, stderr: 'pipe', env: { ...process.env, STEWARD_DIR: '' } as Record<string, string> });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += String(d)));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as any;
  return { client, call, stderr: () => stderr, close: () => client.close() };
}

test('stdio: propose (planner) → decide (triage) → claim, heartbeat, complete (worker), in three spawned servers', async () => {
  const dir = tempDir();
  assert.equal(cli(['init', '--dir', dir], { cwd: dir }).code, 0);

  const planner = await spawnRole(dir, 'planner', 'plan-agent');
  const proposed = ok(await planner.call('propose', { title: 'Write the changelog', goal: 'CHANGELOG.md lists 0.1.0', priority: 'high' }));
  assert.equal(proposed.proposal.status, 'new');
  fails(await planner.call('claim', { agent: 'coder' }), 'FORBIDDEN');
  assert.match(planner.stderr(), /planner tools on stdio/, 'logs go to stderr');
  await planner.close();

  const triage = await spawnRole(dir, 'triage');
  const decided = ok(await triage.call('decide', { proposal_id: proposed.proposal.id, action: 'accept', project: 'docs' }));
  assert.equal(decided.task.status, 'ready');
  await triage.close();

  const worker = await spawnRole(dir, 'worker', 'worker-1');
  const claimed = ok(await worker.call('claim', { agent: 'coder' }));
  assert.equal(claimed.task.title, 'Write the changelog');
  assert.equal(claimed.task.project, 'docs');
  const hb = ok(await worker.call('heartbeat', { run_id: claimed.run.id, lease_seconds: 600 }));
  assert.ok(Date.parse(hb.run.lease_expires_at) > Date.parse(claimed.run.lease_expires_at));
  const done = ok(await worker.call('complete', { run_id: claimed.run.id, summary: 'written' }));
  assert.equal(done.task.status, 'done');
  assert.deepEqual(ok(await worker.call('claim', { agent: 'coder' })), { task: null });
  await worker.close();

  const store = openStore(join(dir, '.steward', 'queue.db'));
  const task = store.tasks.get(decided.task.id)!;
  assert.equal(task.status, 'done');
  assert.equal(task.result, 'written');
  assert.equal(task.source, 'mcp:planner');
  const actors = showTask(store, { id: task.id }).events.map((e) => `${e.kind}:${e.actor}`).reverse();
  assert.deepEqual(actors, ['created:mcp:triage', 'promoted:mcp:triage', 'accepted:mcp:triage', 'claimed:worker-1', 'completed:worker-1']);
  assert.equal(store.proposals.get(proposed.proposal.id)!.created_by, 'plan-agent');
  store.close();
});

test('stdio: a bad role is a usage error on stderr, with nothing on stdout', () => {
  const dir = tempDir();
  cli(['init', '--dir', dir], { cwd: dir });
  const r = cli(['mcp', '--role', 'admin', '--dir', dir], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /error VALIDATION: invalid role/);
});

test('stdio: steward://board when TASKS.md is a FIFO is an error at once, not a server blocked for good', async (t) => {
  const dir = tempDir();
  assert.equal(cli(['init', '--dir', dir], { cwd: dir }).code, 0);
  const fifo = join(dir, 'TASKS.md');
  rmSync(fifo, { force: true });
  execFileSyncCapped('mkfifo', [fifo]);
  const planner = await spawnRole(dir, 'planner');
  t.after(async () => {
    // A server stuck opening the FIFO (the bug) is let go by a writer that opens and closes it, then stopped.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* nobody is waiting on it */
    }
    await planner.close();
  });
  const read = planner.client.readResource({ uri: 'steward://board' }).then(() => 'read', (err: Error) => err.message);
  assert.match(await capped(read, 'steward://board: an answer (a plain open of the FIFO blocks the server)', undefined, 60_000), /not a regular file/);
  assert.deepEqual(ok(await planner.call('list')).tasks, [], 'the server goes on');
});
