// MCP benchmark: tools/list size per role, the size of a `list` result on a 10,000-task queue,
// and claim+complete round trips over stdio (p50/p99), beside the same pair in-process and through the CLI.
// Run: npm run build && node dist/bench/mcp.js   (the full report: npm run bench)
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
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';

const CLI = fileURLToPath(new URL('../src/cli/steward.cjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const WORDS = ['fix', 'flaky', 'retry', 'webhook', 'parser', 'cache', 'docs', 'login', 'export', 'metrics', 'timeout', 'schema'];

/** Adds `n` varied tasks (5 projects, 4 types, a third for agent `coder`) in one transaction. */
export function fillQueue(store: Store, n: number): void {
  const projects = ['api', 'web', 'infra', 'docs', 'default'];
  const types = ['code', 'research', 'review', 'ops'];
  store.tx(() => {
    for (let i = 0; i < n; i++) {
      const title = `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} in module ${i} (${WORDS[(i * 5) % 12]} path)`;
      addTask(store, { title, goal: 'g', priority: i % 101, project: projects[i % 5], type: types[i % 4], agent: i % 3 ? 'any' : 'coder' }, { now: 1_000 + i, actor: 'bench' });
    }
  });
}

/** A fresh workspace (as `steward init` makes it) whose queue holds `tasks` tasks. */
export function mcpWorkspace(tasks: number): { dir: string; dbPath: string; fillMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-mcp-'));
  const dbPath = initWorkspace(dir).workspace.dbPath;
  const store = openStore(dbPath);
  const t0 = performance.now();
  fillQueue(store, tasks);
  const fillMs = performance.now() - t0;
  store.close();
  return { dir, dbPath, fillMs };
}

async function inMemory(store: Store, role: McpRole): Promise<Client> {
  const server = createMcpServer({ store, role, log: () => {} });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(b);
  return client;
}

/** What each role's tools/list costs: tool names and the JSON size of `{tools}` in characters. */
export async function toolsListSizes(dbPath: string): Promise<Array<{ role: McpRole; tools: string[]; chars: number }>> {
  const store = openStore(dbPath);
  const out = [];
  for (const role of MCP_ROLES) {
    const client = await inMemory(store, role);
    const listed = await client.listTools();
    out.push({ role, tools: listed.tools.map((t) => t.name), chars: JSON.stringify({ tools: listed.tools }).length });
    await client.close();
  }
  store.close();
  return out;
}

/** The size of a `list` result (whole result, structuredContent, text content) at the default page and at 100 rows. */
export async function listResultSizes(dbPath: string): Promise<Array<{ limit: number | 'default'; chars: number; structured: number; text: number }>> {
  const store = openStore(dbPath);
  const planner = await inMemory(store, 'planner');
  const out = [];
  for (const limit of ['default', 100] as const) {
    const res = await planner.callTool({ name: 'list', arguments: limit === 'default' ? {} : { limit } });
    out.push({ limit, chars: JSON.stringify(res).length, structured: JSON.stringify(res.structuredContent).length, text: JSON.stringify(res.content).length });
  }
  await planner.close();
  store.close();
  return out;
}

/** Latencies (ms, sorted) of `pairs` claim+complete pairs, and the wall time in seconds. */
export interface PairTimes { times: number[]; seconds: number }

async function timePairs(pairs: number, warmup: number, pair: () => Promise<void> | void): Promise<PairTimes> {
  for (let i = 0; i < warmup; i++) await pair();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < pairs; i++) {
    const s = performance.now();
    await pair();
    times.push(performance.now() - s);
  }
  const seconds = (performance.now() - start) / 1000;
  return { times: times.sort((a, b) => a - b), seconds };
}

/** claim + complete as two MCP tool calls to `steward mcp --role worker` over stdio (one long-lived server). */
export async function stdioRoundTrips(dir: string, pairs: number, warmup = 50): Promise<PairTimes> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--role', 'worker', '--dir', dir], stderr: 'ignore' });
  const worker = new Client({ name: 'bench', version: '1' });
  await worker.connect(transport);
  await worker.listTools();
  try {
    return await timePairs(pairs, warmup, async () => {
      const claimed = (await worker.callTool({ name: 'claim', arguments: { agent: 'coder' } })).structuredContent as { run: { id: number } };
      await worker.callTool({ name: 'complete', arguments: { run_id: claimed.run.id, summary: 'ok' } });
    });
  } finally {
    await worker.close();
  }
}

/** The same pair as two library calls in this process (no protocol, no process boundary): the floor. */
export async function libraryRoundTrips(dbPath: string, pairs: number, warmup = 50): Promise<PairTimes> {
  const store = openStore(dbPath);
  try {
    return await timePairs(pairs, warmup, () => {
      const out = claimTask(store, { agent: 'coder' }, { now: Date.now(), actor: 'coder' });
      if (!out.task) throw new Error('queue ran dry');
      completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: 'coder' });
    });
  } finally {
    store.close();
  }
}

/** The same pair as two `steward … --json` commands, a new node process each: what a shell-driven agent pays. */
export async function cliRoundTrips(dir: string, pairs: number): Promise<PairTimes> {
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--json', '--dir', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`steward ${args[0]} exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as { run?: { id: number } };
  };
  // No warm-up: every command is a cold node process anyway.
  return timePairs(pairs, 0, () => {
    const claimed = run(['claim', '--agent', 'coder']);
    run(['complete', String(claimed.run!.id), '--summary', 'ok']);
  });
}

/** The value at quantile `q` of a sorted list. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const tasks = Number(process.env.BENCH_TASKS ?? 10_000);
  const pairs = Number(process.env.BENCH_ROUND_TRIPS ?? 1000);
  const { dir, dbPath, fillMs } = mcpWorkspace(tasks);
  const rows: Array<[string, string, string]> = [];
  for (const r of await toolsListSizes(dbPath)) rows.push([`tools/list ${r.role}`, `${r.chars} chars`, `${r.tools.length} tools; aim < 8,000`]);
  for (const r of await listResultSizes(dbPath)) {
    rows.push([`list ${r.limit === 'default' ? 'default (20)' : r.limit} of ${tasks}`, `${r.chars} chars`, `structuredContent ${r.structured} + content ${r.text}${r.limit === 'default' ? '; aim < 4 KB' : ''}`]);
  }
  const rt = await stdioRoundTrips(dir, pairs);
  rows.push([`claim+complete over stdio`, `${(pairs / rt.seconds).toFixed(0)} pairs/s`, `${pairs} pairs, ${((2 * pairs) / rt.seconds).toFixed(0)} calls/s`]);
  rows.push(['  pair latency p50 / p99', `${quantile(rt.times, 0.5).toFixed(2)} / ${quantile(rt.times, 0.99).toFixed(2)} ms`, `queue of ${tasks} tasks (filled in ${fillMs.toFixed(0)} ms)`]);
  const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`steward MCP bench — node ${process.version}`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
}

if (process.argv[1] === SELF) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
