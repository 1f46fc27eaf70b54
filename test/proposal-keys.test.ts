// A proposal cannot take a key steward keys its own tasks with (board:, then:, schedule:): it would stand in for them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { configSchema } from '../src/config/schema.js';
import { acceptProposal, addTask, claimTask, completeRun } from '../src/ops/index.js';
import { tickOnce } from '../src/tick/tick-once.js';
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

test('a proposal stored before the rule (a schedule: or then: key) is refused at accept, by a person or the tick; the slot and the follow-up are still made', () => {
  const store = tempStore();
  const t = Date.parse('2026-01-05T12:00:00Z');
  const slotKey = 'schedule:audit:2026-01-05T13:00:00.000Z';
  const { task: parent } = addTask(store, { title: 'Ship release', then: [{ title: 'Security review of the release' }] }, at(t));
  const legacy = (key: string, source: string) =>
    store.tx(() => store.proposals.insert({ status: 'new', title: `Planner idea ${key}`, goal: '', after: [], requires: [], source, created_by: 'planner', created_at: t, key }));
  const bySlot = legacy(slotKey, 'mcp:planner');
  const byThen = legacy(`then:${parent.id}:0`, 'file');
  assert.throws(() => acceptProposal(store, { proposal_id: bySlot }, at(t + 1, 'human')), (e: any) => e.code === 'VALIDATION' && /cannot accept proposal \d+: its key schedule:audit:/.test(e.message));
  assert.equal(store.proposals.get(bySlot)!.status, 'new', 'still undecided: the person rejects it');
  const config = configSchema.parse({ triage: { accept: 'auto' }, schedules: { audit: { cron: '0 * * * *', tz: 'UTC', title: 'Hourly audit' } } });
  tickOnce({ store, ctx: at(t), config });
  tickOnce({ store, ctx: at(t + 3600_000 + 10_000), config });
  for (const id of [bySlot, byThen]) {
    assert.equal(store.proposals.get(id)!.status, 'new');
    assert.match(store.proposals.get(id)!.auto_refused ?? '', /^VALIDATION: cannot accept/);
  }
  assert.equal(store.tasks.byKey(slotKey)!.title, 'Hourly audit', "the slot's own task");
  const claimed = claimTask(store, { agent: 'coder' }, at(t + 3600_000 + 20_000));
  assert.ok(claimed.task, 'the parent is claimed');
  assert.equal(claimed.task.id, parent.id);
  const { spawned } = completeRun(store, { run_id: claimed.run.id, summary: 'shipped' }, at(t + 3600_000 + 30_000));
  assert.deepEqual(spawned.map((s) => s.title), ['Security review of the release']);
});
