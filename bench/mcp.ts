// MCP benchmark: tools/list size per role, the size of a `list` result on a 10,000-task queue,
// and claim+complete round trips per second over stdio (p50/p99). Run: node dist/bench/mcp.js
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '../src/mcp/server.js';
import { MCP_ROLES, type McpRole } from '../src/mcp/roles.js';
import { addTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 1000);
const WORDS = ['fix', 'flaky', 'retry', 'webhook', 'parser', 'cache', 'docs', 'login', 'export', 'metrics', 'timeout', 'schema'];

function fill(store: Store, n: number): void {
  const projects = ['api', 'web', 'infra', 'docs', 'default'];
  const types = ['code', 'research', 'review', 'ops'];
  store.tx(() => {
    for (let i = 0; i < n; i++) {
      const title = `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} in module ${i} (${WORDS[(i * 5) % 12]} path)`;
      addTask(store, { title, goal: 'g', priority: i % 101, project: projects[i % 5], type: types[i % 4], agent: i % 3 ? 'any' : 'coder' }, { now: 1_000 + i, actor: 'bench' });
    }
  });
}

async function inMemory(store: Store, role: McpRole): Promise<Client> {
  const server = createMcpServer({ store, role, log: () => {} });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(b);
  return client;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-mcp-'));
  const init = spawnSync(process.execPath, [CLI, 'init', '--dir', dir], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const store = openStore(join(dir, '.steward', 'queue.db'));
  const t0 = performance.now();
  fill(store, TASKS);
  const fillMs = performance.now() - t0;

  const rows: Array<[string, string, string]> = [];
  for (const role of MCP_ROLES) {
    const client = await inMemory(store, role);
    const listed = await client.listTools();
    rows.push([`tools/list ${role}`, `${JSON.stringify({ tools: listed.tools }).length} chars`, `${listed.tools.length} tools; aim < 8,000`]);
    await client.close();
  }
  const planner = await inMemory(store, 'planner');
  for (const limit of [undefined, 100]) {
    const res = await planner.callTool({ name: 'list', arguments: limit ? { limit } : {} });
    const sc = JSON.stringify(res.structuredContent).length;
    const text = JSON.stringify(res.content).length;
    const all = JSON.stringify(res).length;
    rows.push([`list ${limit ?? 'default (20)'} of ${TASKS}`, `${all} chars`, `structuredContent ${sc} + content ${text}${limit ? '' : '; aim < 4 KB'}`]);
  }
  await planner.close();
  store.close();

  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--role', 'worker', '--dir', dir], stderr: 'ignore' });
  const worker = new Client({ name: 'bench', version: '1' });
  await worker.connect(transport);
  await worker.listTools();
  const pair = async () => {
    const claimed = (await worker.callTool({ name: 'claim', arguments: { agent: 'coder' } })).structuredContent as { run: { id: number } };
    await worker.callTool({ name: 'complete', arguments: { run_id: claimed.run.id, summary: 'ok' } });
  };
  for (let i = 0; i < 50; i++) await pair();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const s = performance.now();
    await pair();
    times.push(performance.now() - s);
  }
  const wall = (performance.now() - start) / 1000;
  await worker.close();
  times.sort((a, b) => a - b);
  rows.push([`claim+complete over stdio`, `${(ROUND_TRIPS / wall).toFixed(0)} pairs/s`, `${ROUND_TRIPS} pairs, ${((2 * ROUND_TRIPS) / wall).toFixed(0)} calls/s`]);
  rows.push(['  pair latency p50 / p99', `${quantile(times, 0.5).toFixed(2)} / ${quantile(times, 0.99).toFixed(2)} ms`, `queue of ${TASKS} tasks (filled in ${fillMs.toFixed(0)} ms)`]);

  const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`steward MCP bench — node ${process.version}`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
