// MCP test helpers: a real SDK Client linked in memory to a role's server on a real SQLite file.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { createMcpServer, type McpServerOptions } from '../../src/mcp/server.js';
import type { McpRole } from '../../src/mcp/roles.js';
import type { Store } from '../../src/store/open-store.js';

/** A clock the test moves by hand. */
export interface Clock {
  t: number;
}

export interface Connected {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** tools/call sent as a raw JSON-RPC request (no client-side checks at all). */
  raw(name: string, args?: unknown): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Connects a real Client to `role`'s server; lists tools first (as clients do) so output schemas are enforced. */
export async function connect(
  store: Store,
  role: McpRole,
  opts: Omit<McpServerOptions, 'store' | 'role'> & { clock?: Clock } = {},
): Promise<Connected> {
  const { clock, ...rest } = opts;
  const server = createMcpServer({ store, role, now: clock ? () => clock.t : undefined, log: () => {}, ...rest });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'steward-test', version: '1.0.0' });
  await client.connect(clientSide);
  await client.listTools();
  return {
    client,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    raw: (name, args = {}) =>
      client.request({ method: 'tools/call', params: { name, arguments: args as Record<string, unknown> } }, CallToolResultSchema),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The structured content of a successful result (fails the test on an error result). */
export function ok(result: CallToolResult): any {
  assert.notEqual(result.isError, true, `expected success, got ${JSON.stringify(result.structuredContent ?? result.content)}`);
  assert.equal(result.content[0]?.type, 'text');
  assert.ok(result.structuredContent, 'structuredContent is present');
  return result.structuredContent;
}

/** Asserts an isError result with `code` and the `{code, message, details}` shape; returns it. */
export function fails(result: CallToolResult, code: string): { code: string; message: string; details: Record<string, unknown> } {
  assert.equal(result.isError, true, `expected ${code}, got success ${JSON.stringify(result.structuredContent)}`);
  const sc = result.structuredContent as { code: string; message: string; details: Record<string, unknown> };
  assert.equal(sc.code, code, `expected ${code}, got ${sc.code}: ${sc.message}`);
  assert.ok(ERROR_CODES.includes(sc.code as never));
  assert.equal(typeof sc.message, 'string');
  assert.equal(typeof sc.details, 'object');
  assert.deepEqual(Object.keys(sc).sort(), ['code', 'details', 'message']);
  assert.match((result.content[0] as { text: string }).text, new RegExp(`^error ${code}: `));
  return sc;
}
