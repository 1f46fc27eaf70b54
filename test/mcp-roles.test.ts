// MCP role boundaries: each role lists exactly its tools, and the server refuses every other call.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { addTask, proposeTask } from '../src/ops/index.js';
import { MCP_ROLES, ROLE_TOOLS, TOOL_NAMES } from '../src/mcp/roles.js';
import { at, snapshot, tempStore } from './support/helpers.js';
import { connect, fails, ok } from './support/mcp.js';

/** Plausible, valid arguments for every tool, so a refusal cannot be blamed on the arguments. */
const VALID_ARGS: Record<string, Record<string, unknown>> = {
  propose: { title: 'a proposal' },
  list: {},
  show: { id: 1 },
  claim: { agent: 'coder' },
  heartbeat: { run_id: 1 },
  complete: { run_id: 1, summary: 'done' },
  fail: { run_id: 1, error: 'boom' },
  decide: { proposal_id: 1, action: 'accept' },
  update: { id: 1, action: 'cancel' },
  tick: {},
};

describe('MCP roles', () => {
  test('tools/list shows exactly the role\'s tools, each with all four annotations and strict input', async () => {
    const expected = {
      planner: ['propose', 'list', 'show'],
      worker: ['claim', 'heartbeat', 'complete', 'fail', 'propose', 'show', 'list'],
      triage: ['list', 'show', 'decide', 'update', 'tick', 'propose'],
      viewer: ['list', 'show'],
    };
    const store = tempStore();
    for (const role of MCP_ROLES) {
      const c = await connect(store, role);
      const { tools } = await c.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [...expected[role]].sort(), role);
      for (const t of tools) {
        const a = t.annotations ?? {};
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
          assert.equal(typeof a[hint], 'boolean', `${role}/${t.name} ${hint}`);
        }
        assert.equal(a.openWorldHint, false);
        assert.equal(t.inputSchema.type, 'object');
        assert.equal((t.inputSchema as { additionalProperties?: unknown }).additionalProperties, false);
        assert.equal(t.outputSchema?.type, 'object', `${t.name} has an output schema`);
        assert.ok(t.description && t.description.length <= 100, `${t.name}: a tight description`);
      }
      // 8,100: the worker role is 8,021 since priority advertises its words (anyOf integer | enum, issue 17).
      assert.ok(JSON.stringify({ tools }).length < 8100, `${role} tools/list under 8,100 characters`);
      await c.close();
    }
  });

  test('read-only tools say so; writing tools do not', async () => {
    const store = tempStore();
    const c = await connect(store, 'triage');
    const { tools } = await c.client.listTools();
    const hint = (n: string) => tools.find((t) => t.name === n)!.annotations!;
    assert.equal(hint('list').readOnlyHint, true);
    assert.equal(hint('show').readOnlyHint, true);
    assert.equal(hint('update').readOnlyHint, false);
    assert.equal(hint('update').destructiveHint, true);
    assert.equal(hint('tick').idempotentHint, true);
    await c.close();
  });

  test('every call to a tool outside the role is refused by the server with FORBIDDEN and changes nothing', async () => {
    const store = tempStore();
    addTask(store, { title: 'existing' }, at(1));
    proposeTask(store, { title: 'in the inbox' }, at(2));
    let refusals = 0;
    for (const role of MCP_ROLES) {
      const c = await connect(store, role);
      for (const tool of TOOL_NAMES.filter((t) => !ROLE_TOOLS[role].includes(t))) {
        const before = snapshot(store);
        const viaClient = fails(await c.call(tool, VALID_ARGS[tool]), 'FORBIDDEN');
        assert.deepEqual(viaClient.details, { tool, role, tools: [...ROLE_TOOLS[role]] });
        // A raw JSON-RPC tools/call (what any client can send, listed or not) gets the same answer.
        fails(await c.raw(tool, VALID_ARGS[tool]), 'FORBIDDEN');
        assert.equal(snapshot(store), before, `${role} calling ${tool} changed nothing`);
        refusals++;
      }
      await c.close();
    }
    assert.equal(refusals, 7 + 3 + 4 + 8);
  });

  test('a tool steward does not have is NOT_FOUND, also with malformed arguments', async () => {
    const store = tempStore();
    const c = await connect(store, 'worker');
    fails(await c.call('frobnicate', {}), 'NOT_FOUND');
    fails(await c.raw('drop_tables', { x: [1, 2] }), 'NOT_FOUND');
    ok(await c.call('list', {}));
    await c.close();
  });

  test('context: the bare SDK answers an unregistered tool with an untyped message, which is why steward dispatches calls itself', async () => {
    const bare = new McpServer({ name: 'bare', version: '1' });
    bare.registerTool('only', { inputSchema: z.object({}) }, () => ({ content: [{ type: 'text', text: 'x' }] }));
    const [s, cl] = InMemoryTransport.createLinkedPair();
    await bare.connect(s);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(cl);
    const res = await client.request({ method: 'tools/call', params: { name: 'claim', arguments: {} } }, CallToolResultSchema);
    assert.equal(res.isError, true);
    assert.equal(res.structuredContent, undefined, 'no code: only a message');
    await client.close();
  });

  test('a planner prompt exists only for planners', async () => {
    const store = tempStore();
    const planner = await connect(store, 'planner');
    const { prompts } = await planner.client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ['propose_well']);
    const got = await planner.client.getPrompt({ name: 'propose_well', arguments: { topic: 'add rate limits' } });
    const text = (got.messages[0]!.content as { text: string }).text;
    for (const word of ['title', 'goal', 'split', 'after', 'key', 'Now propose: add rate limits']) assert.ok(text.includes(word), word);
    await planner.close();
    const worker = await connect(store, 'worker');
    await assert.rejects(worker.client.listPrompts());
    await worker.close();
  });
});
