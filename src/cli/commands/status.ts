// `steward status`: one screen for a person (what runs, what is paused, what needs you, what retries next); --watch refreshes it.
import { visibleText } from '../../core/visible-text.js';
import { closeSync, readSync, fstatSync } from 'node:fs';
import { openRegular } from '../../files/read-from.js';
import { StewardError } from '../../core/errors.js';
import { budgetLine, budgetViews, collectStatus, type QueueStatus } from '../../ops/index.js';
import { runLogPath } from '../../runner/run-log.js';
import { readUpFile } from '../../up/up-file.js';
import type { CliContext, Command } from '../command.js';
import { decimal } from '../../core/decimal.js';
import { present, taskView } from '../../core/view.js';
import { profilesOf } from '../../tick/digest-store.js';
import { noAgentSignals } from '../../tick/stuck.js';

const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** 75 s → "1m15s"; 3700 s → "1h01m". */
export function elapsedText(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The last non-empty line of a file (reads only its tail); '' when there is none. */
function lastLine(path: string): string {
  // Not a plain open: a FIFO put at the path would block it (and `status`) until a writer came, a symbolic link would
  // show a line of the file it names (openRegular: regular files only, never through a link).
  let fd: number | null = null;
  try {
    fd = openRegular(path);
    if (fd === null) return '';
    const size = fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const line = lines[lines.length - 1] ?? '';
    return line.length > 100 ? `${line.slice(0, 99)}…` : line;
  } catch {
    return '';
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function snapshot(ctx: CliContext, now: number) {
  const ws = ctx.workspace();
  const q: QueueStatus = collectStatus(ctx.store(), now);
  const up = readUpFile(ws.stewardDir);
  const running = q.running.map((r) => ({ ...r, last_line: lastLine(r.log_path ?? runLogPath(ws, r.task_id, r.run_id)) }));
  const config = ctx.config();
  // Ready work no profile takes (dispatch: local only, as the tick's stuck signal): else nothing says why it waits.
  const profiles = profilesOf(config);
  const store = ctx.store();
  const unclaimable = profiles ? noAgentSignals(profiles, store.read(() => store.reports.readyGroups(20))) : [];
  return { workspace: ws.root, up: up ? { ...up.info, alive: up.alive } : null, ...q, running, unclaimable, budgets: budgetViews(store, config, now) };
}

/** The snapshot as `--json` prints it: times as ISO 8601 like every other command's JSON (elapsed_ms stays a number). */
function statusJson(s: ReturnType<typeof snapshot>): Record<string, unknown> {
  return {
    ...s,
    running: s.running.map((r) => present(r)),
    paused: s.paused.map((p) => present(p)),
    review: s.review.map(taskView),
    questions: s.questions.map(taskView),
    failed: s.failed.map(taskView),
    retries: s.retries.map((t) => present(t)),
  };
}

function render(s: ReturnType<typeof snapshot>, now: number): string {
  const out = [`steward status — ${s.workspace}  (${at(now)} UTC)`];
  if (!s.up) out.push('up         not running (start it with: steward up)');
  else if (!s.up.alive) out.push(`up         not running (a stale .steward/up.json from pid ${s.up.pid})`);
  else out.push(`up         pid ${s.up.pid} since ${s.up.started_at} · MCP ${s.up.mcp_url}`);
  const section = (title: string, lines: string[], none = 'none') => out.push('', `${title}${lines.length ? '' : `: ${none}`}`, ...lines.map((l) => `  ${l}`));
  section('running', s.running.map((r) => `run ${r.run_id} (task #${r.task_id})  ${r.agent}  ${elapsedText(r.elapsed_ms)}  ${r.title}${r.last_line ? `\n      │ ${r.last_line}` : ''}`));
  if (s.budgets.length) section('budgets', s.budgets.map(budgetLine));
  section('paused agents', s.paused.map((p) => `${p.name} until ${at(p.paused_until)} UTC${p.reason ? ` — ${p.reason}` : ''}`));
  const needs = [
    ...s.review.map((t) => `#${t.id} review    ${t.title}   → steward approve ${t.id} | steward changes ${t.id} --feedback …`),
    ...s.questions.map((t) => `#${t.id} ${t.blocked_kind === 'dependency' ? 'blocked ' : 'question'}  ${t.title}${t.question ? ` — ${t.question}` : t.error ? ` — ${t.error}` : ''}`),
    ...s.failed.map((t) => `#${t.id} failed    ${t.title}${t.error ? ` — ${t.error.split('\n')[0]!.slice(0, 80)}` : ''}   → steward requeue ${t.id}`),
    ...s.unclaimable.flatMap((g) => (g.signal === 'no_agent' ? [`#${g.first} ready     no profile can take it${g.count > 1 ? ` (nor ${g.count - 1} more like it)` : ''}: ${g.why}`] : [])),
  ];
  section('needs you', needs, 'nothing');
  section('next retries', s.retries.map((t) => `#${t.id} at ${at(t.run_after)} UTC (in ${elapsedText(t.run_after - now)}; attempt ${t.attempts + 1}/${t.max_attempts})  ${t.title}`));
  return out.join('\n');
}

/** `steward status [--watch [--every S]]`. */
export const status: Command = {
  name: 'status',
  summary: 'one screen: running runs (elapsed, last output line), paused agents, what needs you, next retries; --watch refreshes it',
  usage: 'steward status [--watch [--every SECONDS]] [--json]',
  options: { watch: { type: 'boolean' }, every: { type: 'string' } },
  async run(ctx, values) {
    const every = values.every === undefined ? 2 : decimal(values.every as string);
    if (!(every >= 0.2 && every <= 3600)) throw new StewardError('USAGE', `--every takes seconds (0.2 … 3600), got ${values.every}`);
    if (values.every !== undefined && !values.watch) throw new StewardError('USAGE', `--every goes with --watch\nusage: ${this.usage}`);
    if (!values.watch) {
      const now = Date.now();
      const s = snapshot(ctx, now);
      return { json: statusJson(s), text: render(s, now) };
    }
    if (ctx.json) throw new StewardError('USAGE', '--watch is for people; use status --json in a loop instead');
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      while (!stop) {
        const now = Date.now();
        process.stdout.write(`\x1b[H\x1b[2J${visibleText(render(snapshot(ctx, now), now))}\n\n(refreshing every ${every}s; Ctrl-C stops)\n`);
        const until = Date.now() + every * 1000;
        while (!stop && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return { json: null, text: '', silent: true };
  },
};
