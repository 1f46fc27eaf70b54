// A proposal cannot take a key steward keys its own tasks with (board:, then:, schedule:): it would stand in for them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { at, CLI, cli, snapshot, tempDir, tempStore } from './support/helpers.js';
import { connect, fails, ok } from './support/mcp.js';

test('MCP propose with a then:, schedule: or board: key is VALIDATION; the follow-up it would have stood in for still spawns', async () => {
  const store = tempStore();
  const { task: parent } = addTask(store, { title: 'Ship release', then: [{ title: 'Security review of the release', verify: ['npm audit'] }] }, at(1));
  for (const role of ['planner', 'worker'] as const) {
    const c = await connect(store, role);
    const before = snapshot(store);
    for (const key of [`then:${parent.id}:0`, 'schedule:dep-audit:2030-01-01T06:00:00.000Z', 'board:52e2d198255e7135ee214c5f']) {
      const e = fails(await c.call('propose', { title: 'Tidy the changelog', key }), 'VALIDATION');
      assert.match(e.message, /key/);
    }
    assert.equal(snapshot(store), before, 'nothing stored');
    ok(await c.call('propose', { title: `An ordinary keyed idea (${role})`, key: `notes:then:${role}` }));
    await c.close();
  }
  const claimed = claimTask(store, { agent: 'coder' }, at(2));
  assert.ok(claimed.task, 'the parent is claimed');
  assert.equal(claimed.task.id, parent.id);
  const { spawned } = completeRun(store, { run_id: claimed.run.id, summary: 'shipped' }, at(3));
  assert.deepEqual(spawned.map((t) => [t.title, t.verify]), [['Security review of the release', ['npm audit']]]);
});

test("a planner that reads a person's new TASKS.md line cannot make the tick drop it by proposing its board: key", async () => {
  const dir = tempDir();
  assert.equal(cli(['init', '--dir', dir], { cwd: dir }).code, 0);
  assert.equal(cli(['tick', '--dir', dir], { cwd: dir }).code, 0);
  const line = '- [ ] Rotate the leaked API key !urgent';
  appendFileSync(join(dir, 'TASKS.md'), `\n## default\n\n${line}\n`);
  // The key the tick gives this line (src/board/diff-board.ts): what a planner reading steward://board can work out.
  const key = `board:${createHash('sha256').update(`default\u0000${line}\u00000`).digest('hex').slice(0, 24)}`;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--role', 'planner', '--dir', dir],
    stderr: 'pipe',
    env: { ...process.env, STEWARD_DIR: '' } as Record<string, string>,
  });
  const client = new Client({ name: 'proposal-keys-test', version: '1.0.0' });
  await client.connect(transport);
  const board = await client.readResource({ uri: 'steward://board' });
  assert.match(String((board.contents[0] as { text: string }).text), /Rotate the leaked API key/);
  const r = (await client.callTool({ name: 'propose', arguments: { title: 'Unrelated idea', key } })) as any;
  await client.close();
  assert.equal(r.isError, true);
  assert.equal(r.structuredContent.code, 'VALIDATION');
  assert.equal(cli(['tick', '--dir', dir], { cwd: dir }).code, 0);
  const listed = cli(['list', '--json', '--dir', dir], { cwd: dir });
  assert.deepEqual((listed.json as { tasks: Array<{ title: string }> }).tasks.map((t) => t.title), ['Rotate the leaked API key']);
});

test('steward propose (an agent with a shell) is refused a then: key too; steward add (the person) may set one', () => {
  const dir = tempDir();
  assert.equal(cli(['init', '--dir', dir], { cwd: dir }).code, 0);
  const refused = cli(['propose', 'Tidy the changelog', '--key', 'then:1:0', '--dir', dir], { cwd: dir });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /VALIDATION[\s\S]*key then:1:0/);
  assert.equal(cli(['add', 'Made by hand', '--key', 'then:1:0', '--dir', dir], { cwd: dir }).code, 0);
});
