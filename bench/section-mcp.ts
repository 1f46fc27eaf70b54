// Report sections about the MCP server: claim+complete round trips over stdio, and what the schemas cost an agent.
import { rmSync } from 'node:fs';
import { cliRoundTrips, libraryRoundTrips, listResultSizes, mcpWorkspace, quantile, stdioRoundTrips, toolsListSizes, type PairTimes } from './mcp.js';
import { count, int, median, ms, perSecond, progress, type BenchOptions, type Section } from './report.js';

const log = (s: string) => progress(`  ${s}`);
const WARMUP = 50;

function row(path: string, t: PairTimes): string[] {
  const n = t.times.length;
  return [path, int(n), perSecond(n / t.seconds), ms(quantile(t.times, 0.5)), ms(quantile(t.times, 0.99))];
}

/** Section 3: claim+complete through `steward mcp` over stdio, beside the library call and the CLI. */
export async function mcpSection(o: BenchOptions): Promise<Section> {
  const needed = o.repeat * 2 * (o.roundTrips + WARMUP) + o.cliPairs + 1;
  const tasks = Math.max(o.mcpTasks, Math.ceil(needed * 1.1));
  const ws = mcpWorkspace(tasks);
  try {
    const lib: PairTimes[] = [];
    const mcp: PairTimes[] = [];
    for (let r = 0; r < o.repeat; r++) {
      lib.push(await libraryRoundTrips(ws.dbPath, o.roundTrips, WARMUP));
      mcp.push(await stdioRoundTrips(ws.dir, o.roundTrips, WARMUP));
      log(`round ${r + 1}: MCP stdio p50 ${ms(quantile(mcp[r]!.times, 0.5))}, p99 ${ms(quantile(mcp[r]!.times, 0.99))}`);
    }
    const cli = await cliRoundTrips(ws.dir, o.cliPairs);
    const pick = (list: PairTimes[]) => list.find((t) => quantile(t.times, 0.5) === median(list.map((x) => quantile(x.times, 0.5))))!;
    const rows = [
      row('library call in-process (claimTask + completeRun), median round', pick(lib)),
      ...mcp.map((t, i) => row(`MCP stdio, \`steward mcp --role worker\`, round ${i + 1}`, t)),
      row('CLI, `steward claim --json` + `steward complete --json`', cli),
    ];
    const p50 = median(mcp.map((t) => quantile(t.times, 0.5)));
    const p99 = median(mcp.map((t) => quantile(t.times, 0.99)));
    return {
      id: 'mcp',
      title: '3. MCP: claim+complete round trips over stdio',
      intro:
        `A worker client (the MCP SDK's Client over StdioClientTransport) keeps one \`steward mcp --role worker\` process and calls the ` +
        `\`claim\` tool then \`complete\` with the run id, ${int(o.roundTrips)} times after ${WARMUP} warm-up pairs, on a queue of ${int(tasks)} tasks. ` +
        'A round trip is the pair (two JSON-RPC requests and replies). Beside it: the same two operations as library calls in one process ' +
        `(the floor), and as two CLI commands (a new node process each, what an agent driving a shell pays; ${count(o.cliPairs, 'pair')}).`,
      tables: [{ head: ['path', 'pairs', 'pairs/s', 'p50', 'p99'], rows, right: [1, 2, 3, 4] }],
      notes: [
        `MCP stdio, median over ${count(o.repeat, 'round')}: p50 ${ms(p50)}, p99 ${ms(p99)} per claim+complete pair.`,
        `The CLI pair costs ${ms(quantile(cli.times, 0.5))} at the median, ~${int(quantile(cli.times, 0.5) / p50)}× the MCP pair: two node start-ups and module loads per pair.`,
      ],
      ok: true,
    };
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

/** Published tool-schema sizes of other MCP servers. Only figures with a source; units as published. */
const PEERS: string[][] = [
  ['"one peer" (unnamed in steward\'s issue 8)', '44', '~39,000 characters of schema', 'steward issue 8: "one peer\'s 44 tools cost ~39,000 characters of schema"'],
  ['GitHub MCP server', '86', '14,406 tokens (o200k_base, tools/list entries)', 'https://policylayer.com/token-cost/github (third-party measurement)'],
  ['Filesystem reference server', '14', '1,642 tokens (o200k_base, tools/list entries)', 'https://policylayer.com/token-cost/filesystem (third-party measurement)'],
];

/** Section 5: tools/list size per role beside peers' published figures, and the size of a `list` page. */
export async function schemaSection(o: BenchOptions): Promise<Section> {
  const ws = mcpWorkspace(o.mcpTasks);
  try {
    const roles = await toolsListSizes(ws.dbPath);
    const lists = await listResultSizes(ws.dbPath);
    const worst = Math.max(...roles.map((r) => r.chars));
    return {
      id: 'schema',
      title: '5. MCP schema bytes per role, beside published figures for other servers',
      intro:
        'An MCP client puts every tool of a server (name, description, input and output JSON Schema) into the model\'s context on every turn. ' +
        'steward serves three roles, each seeing only its tools. Size = characters of `JSON.stringify({tools})` of the tools/list result. ' +
        'Tokens are not counted here (no tokenizer in the project); chars/4 is a rough conversion for comparing with figures published in tokens.',
      tables: [
        {
          head: ['role', 'tools', 'tools/list chars', '≈ tokens (chars/4)', 'tool names'],
          rows: roles.map((r) => [r.role, String(r.tools.length), int(r.chars), `~${int(r.chars / 4)}`, r.tools.join(', ')]),
          right: [1, 2, 3],
        },
        {
          caption: 'Other servers, as published (not measured here; different units are kept as published):',
          head: ['server', 'tools', 'published size', 'source'],
          rows: PEERS,
          right: [1],
        },
        {
          caption: `What a \`list\` call returns on a queue of ${int(o.mcpTasks)} tasks (planner role; whole result, structuredContent, text content; characters):`,
          head: ['page', 'result', 'structuredContent', 'text content'],
          rows: lists.map((l) => [l.limit === 'default' ? 'default (20 rows)' : `${l.limit} rows`, int(l.chars), int(l.structured), int(l.text)]),
          right: [1, 2, 3],
        },
      ],
      notes: [`steward's largest role costs ${int(worst)} characters: ${(39_000 / worst).toFixed(1)}× less than the 44-tool peer of issue 8.`],
      ok: true,
    };
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}
