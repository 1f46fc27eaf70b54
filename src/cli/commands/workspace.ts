// Workspace commands: init, stats, render (tick is commands/tick.ts).
import { loadConfig } from '../../config/load-config.js';
import { describePermissions } from '../../core/adapters/index.js';
import { collectStats, COST_GROUPS, costReport, type CostGroup } from '../../ops/index.js';
import { periodBounds } from '../../core/budget-period.js';
import { openStore } from '../../store/open-store.js';
import { resolveSchema, safeUrl } from '../../store/pg/pg-store.js';
import type { Config } from '../../config/schema.js';
import { databaseOf } from '../database-of.js';
import { boardHooks } from '../../tick/hooks.js';
import { agentClisOnPath, initWorkspace } from '../../workspace/init-workspace.js';
import { installOpenClaw, SKILLS_DIR } from '../../workspace/openclaw.js';
import { StewardError } from '../../core/errors.js';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliContext, Command, CommandOutput, Values } from '../command.js';
import { decimal } from '../../core/decimal.js';

/** `steward init [--openclaw [--workspace DIR]]`: the workspace folders and starter files, never over an edit. */
export const init: Command = {
  name: 'init',
  summary: 'create a workspace here or at --dir (.steward/, TASKS.md, HEARTBEAT.md); --openclaw also installs the skill pack and prints the gateway config',
  usage: 'steward init [--dir PATH] [--openclaw [--workspace OPENCLAW_WORKSPACE]]',
  options: { openclaw: { type: 'boolean' }, workspace: { type: 'string' } },
  needsConfig: false,
  run(ctx, values) {
    if (values.workspace !== undefined && !values.openclaw) throw new StewardError('USAGE', '--workspace goes with --openclaw');
    const { workspace, created } = initWorkspace(ctx.dir ?? ctx.env.STEWARD_DIR ?? ctx.cwd, { agents: agentClisOnPath(ctx.env) });
    // The queue where every later command will look for it: STEWARD_DATABASE_URL, else the config's database.url
    // (a Postgres schema, created and migrated), else .steward/queue.db.
    const database = queueOf(ctx, workspace.root);
    openStore(workspace.dbPath, database).close();
    const lines = [
      created.length ? `initialised ${workspace.root}: created ${created.join(', ')}` : `${workspace.root} is already a workspace (nothing changed)`,
    ];
    const db = database.url ? `${safeUrl(database.url)} (schema ${resolveSchema(workspace.dbPath, database.schema)})` : workspace.dbPath;
    if (database.url) lines.push(`queue: PostgreSQL ${db}`);
    // The permission mode of every enabled profile, so nobody runs bypass without having written it.
    const profiles = profilePermissions(workspace.root);
    for (const p of profiles) lines.push(`agent profile ${p.name} (${p.cli}): permissions ${p.permissions}`);
    if (profiles.length) lines.push('  (permissions: bypass | acceptEdits | default in .steward/config.yaml)');
    // MCP hosts (Claude Desktop, OpenClaw) start servers with a bare PATH: give them this machine's absolute command.
    const mcpServer = { command: process.execPath, args: [fileURLToPath(new URL('../steward.cjs', import.meta.url)), 'mcp', '--role', 'planner', '--dir', workspace.root] };
    const mcpText = ['', 'MCP hosts (Claude Desktop "mcpServers", OpenClaw "mcp.servers") start steward on this machine with:', JSON.stringify({ steward: mcpServer }, null, 2), '(--role planner | worker | triage; Claude Code: claude mcp add -s project steward -- steward mcp --role planner)'];
    if (!values.openclaw) return { json: { workspace: workspace.root, db, created, profiles, mcp_server: mcpServer }, text: [...lines, ...mcpText].join('\n') };
    const target = resolve(ctx.cwd, (values.workspace as string | undefined) ?? workspace.root);
    const oc = installOpenClaw(target, workspace.root);
    lines.push(`OpenClaw workspace ${target}:`);
    for (const f of oc.copied) lines.push(`  copied ${relative(target, f)}`);
    for (const f of oc.kept) lines.push(`  kept   ${relative(target, f)} (it has your edits; the shipped version is in ${SKILLS_DIR})`);
    for (const f of oc.same) lines.push(`  same   ${relative(target, f)}`);
    lines.push('', 'Paste into your OpenClaw gateway config (openclaw.json):', JSON.stringify(oc.config, null, 2), '', ...oc.notes);
    return { json: { workspace: workspace.root, db, created, profiles, mcp_server: mcpServer, openclaw: { target, ...oc } }, text: lines.join('\n') };
  },
};

/**
 * Where init puts the queue (databaseOf, database-of.ts). A config that does not load names no database here: the queue goes
 * where the environment says (every other command then reports the config's problem).
 */
function queueOf(ctx: CliContext, root: string): { url?: string; schema?: string } {
  return databaseOf({
    env: ctx.env,
    config: () => {
      try {
        return loadConfig({ root, env: ctx.env });
      } catch {
        return { database: {} } as unknown as Config;
      }
    },
  });
}

/** Each profile's permission mode; none when the config does not load (init still succeeds; every other command says why). */
function profilePermissions(root: string): Array<{ name: string; cli: string; permissions: string }> {
  try {
    return Object.entries(loadConfig({ root, env: {} }).agents).map(([name, p]) => ({
      name, cli: p.cli, permissions: describePermissions(p.cli, p.permissions, p.args),
    }));
  } catch {
    return [];
  }
}

const usd = (n: number) => `$${n.toFixed(4)}`;
const pct = (n: number | null) => (n === null ? '-' : `${Math.round(n * 100)}%`);
const dur = (ms: number | null) => (ms === null ? '-' : ms < 60_000 ? `${Math.round(ms / 100) / 10}s` : `${Math.round(ms / 6000) / 10}m`);

/** `steward stats --cost`: spend per project, type, agent profile or day. */
function costStats(ctx: CliContext, values: Values): CommandOutput {
  const by = (values.by ?? 'project') as string;
  if (!(COST_GROUPS as readonly string[]).includes(by)) throw new StewardError('USAGE', `--by must be one of ${COST_GROUPS.join(', ')} (got "${by}")`);
  const days = values.days === undefined ? undefined : decimal(values.days as string);
  if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new StewardError('USAGE', `--days must be a positive whole number (got "${String(values.days)}")`);
  const now = Date.now();
  const tz = ctx.config().budgets.timezone;
  // More days than there are since 1970 mean every run (and keep the date valid).
  const since = days === undefined ? 0 : Math.max(0, periodBounds(now, 'day', tz).start - (days - 1) * 86_400_000);
  const report = costReport(ctx.store(), by as CostGroup, { since, tz });
  const head = [by, 'runs', 'cost', 'tokens in', 'tokens out', 'success', 'median'];
  const cells = [...report.rows, report.total].map((r) => [r.key, String(r.runs), usd(r.cost_usd), String(r.tokens_in), String(r.tokens_out), pct(r.success_rate), dur(r.median_duration_ms)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const row = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = report.rows.length ? [row(head), ...cells.map(row)] : ['no runs'];
  return { json: report, text: lines.join('\n') };
}

/** `steward stats`: the queue's numbers. */
export const stats: Command = {
  name: 'stats',
  summary: 'queue statistics: tasks by state, throughput, failures by kind, cost and tokens, proposals',
  usage: 'steward stats [--json] | steward stats --cost [--by project|type|agent|day] [--days N] [--json]',
  options: { cost: { type: 'boolean' }, by: { type: 'string' }, days: { type: 'string' } },
  run(ctx, values) {
    if (values.cost) return costStats(ctx, values);
    if (values.by !== undefined || values.days !== undefined) throw new StewardError('USAGE', `--by and --days go with --cost\nusage: ${this.usage}`);
    const s = collectStats(ctx.store(), Date.now());
    const failures = Object.entries(s.failures).map(([k, n]) => `${k} ${n}`).join(' · ') || 'none';
    const proposals = Object.entries(s.proposals).map(([k, n]) => `${k} ${n}`).join(' · ') || 'none';
    const text = [
      `tasks      ${Object.entries(s.tasks).map(([k, n]) => `${k} ${n}`).join(' · ')}`,
      `done       ${s.throughput.done_24h} in the last 24 h (${s.throughput.per_hour}/h)`,
      `failures   ${failures}`,
      `runs       ${s.runs.runs} · cost $${s.runs.cost_usd.toFixed(4)} · tokens in ${s.runs.tokens_in} out ${s.runs.tokens_out}`,
      `proposals  ${proposals}`,
      ...s.paused.map((p) => `paused     ${p.agent} until ${p.until}: ${p.reason}`),
    ];
    return { json: s, text: text.join('\n') };
  },
};

/**
 * TASKS.md's own file failures as stable codes (the tick records them against the board instead): a folder or a FIFO
 * where the file should be is VALIDATION, the file system refusing (EACCES, EROFS, ENOSPC, …) UNAVAILABLE.
 */
function boardFile<T>(what: 'read' | 'written', fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file system's errno only (a database's own errors carry SQLITE_… or SQLSTATE codes and keep their meaning).
    if (err instanceof StewardError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw err;
    const why = `TASKS.md could not be ${what}: ${(err as Error).message}`;
    throw new StewardError(code === 'EISDIR' || code === 'ENOTREG' ? 'VALIDATION' : 'UNAVAILABLE', why, { errno: code });
  }
}

export const render: Command = {
  name: 'render',
  summary: 'apply edits made in TASKS.md, then render it from the queue',
  usage: 'steward render',
  run(ctx) {
    const board = boardHooks({ workspace: ctx.workspace(), config: ctx.config() });
    const store = ctx.store();
    const op = { ...ctx.op(), actor: 'human' };
    const ingest = boardFile('read', () => board.ingest(store, op)) as { board: { applied: unknown[] }; unreadable_lines: unknown[] };
    const written = boardFile('written', () => board.render(store, op)).board as { written: boolean; tasks: number; reason?: string };
    const { applied } = ingest.board;
    const text = [
      written.written ? `rendered ${written.tasks} tasks to TASKS.md` : `TASKS.md not written: ${written.reason}`,
      applied.length ? `applied ${applied.length} edits` : '',
      ingest.unreadable_lines.length ? `${ingest.unreadable_lines.length} lines need you (kept under "Could not read")` : '',
    ].filter(Boolean);
    return { json: { applied, unreadable_lines: ingest.unreadable_lines, render: written }, text: text.join('\n') };
  },
};
