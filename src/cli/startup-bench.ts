// CLI start-up against bare node, measured in the same run: `steward doctor --bench` and `npm run bench` (cli-startup).
// Each round runs `node -e 0` and every measured command once, interleaved, in a throw-away workspace; a preloaded
// script reports each process's CPU time and peak RSS (getrusage) as it exits. Ratios are of medians.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addTask } from '../ops/index.js';
import { openStore } from '../store/open-store.js';
import { initWorkspace } from '../workspace/init-workspace.js';

/** The built CLI entry point (the bundle `npm run build` writes). */
export const STEWARD_CLI = fileURLToPath(new URL('./steward.cjs', import.meta.url));

/** The goal of issue 18: wall time ≤ 1.5× and peak RSS ≤ 1.3× a bare `node -e 0`. */
export const STARTUP_GOALS = { wall: 1.5, rss: 1.3 } as const;

/** One measured command: its median wall and CPU time, median peak RSS, and the ratios to bare node. */
export interface StartupRow {
  label: string;
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  wallRatio: number;
  cpuRatio: number;
  rssRatio: number;
  /** Exit codes seen other than 0 (a failing command is not a start-up figure). */
  failures: string[];
}

export interface StartupResult {
  rounds: number;
  baseline: StartupRow;
  rows: StartupRow[];
}

const PRELOAD = `
const { appendFileSync } = require('node:fs');
process.on('exit', () => {
  const u = process.resourceUsage();
  appendFileSync(process.env.STEWARD_STARTUP_OUT, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS }) + '\\n');
});
`;

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssKb: number;
  code: number | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Measures `rounds` rounds of: bare node, `--version`, `list`, `show 1`, `claim`, `complete RUN`, `tick` (quiet:
 * nothing changed since the last tick, src/tick/quiet-tick.ts), and the tick right after the claim and completion (the
 * full tick: it renders TASKS.md again), measured before the quiet one. Nothing outside a temp directory is read or
 * written. `progress` hears one line per round.
 */
export function measureStartup(opts: { rounds: number; cli?: string; node?: string; progress?: (line: string) => void }): StartupResult {
  const cli = opts.cli ?? STEWARD_CLI;
  const node = opts.node ?? process.execPath;
  const dir = mkdtempSync(join(tmpdir(), 'steward-startup-'));
  try {
    const preload = join(dir, 'preload.cjs');
    const out = join(dir, 'samples.jsonl');
    writeFileSync(preload, PRELOAD);
    const root = join(dir, 'ws');
    const { workspace } = initWorkspace(root, { agents: [] });
    const store = openStore(workspace.dbPath);
    try {
      for (let i = 0; i < opts.rounds; i++) addTask(store, { title: `start-up task ${i + 1}` }, { now: Date.now(), actor: 'bench' });
    } finally {
      store.close();
    }
    const env = { ...process.env, STEWARD_DIR: '', STEWARD_ACTOR: 'bench', STEWARD_STARTUP_OUT: out, NODE_OPTIONS: '' };
    const run = (args: string[]): Sample & { stdout: string } => {
      writeFileSync(out, '');
      const t = process.hrtime.bigint();
      const r = spawnSync(node, ['--require', preload, ...args], { cwd: root, env, encoding: 'utf8' });
      const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
      const line = readFileSync(out, 'utf8').trim().split('\n').pop();
      const u = line ? (JSON.parse(line) as { cpu: number; rss: number }) : { cpu: NaN, rss: NaN };
      return { wallMs, cpuMs: u.cpu, rssKb: u.rss, code: r.status, stdout: r.stdout };
    };
    run(['-e', '0']); // warm the file cache before the first measured round
    run([cli, 'tick']); // the first tick renders and settles; the measured ones have nothing to do
    const labels = ['`node -e 0` (baseline)', '`steward --version`', '`steward list`', '`steward show 1`', '`steward claim`', '`steward complete RUN`', '`steward tick` (quiet)', '`steward tick` (after a change)'];
    const samples: Sample[][] = labels.map(() => []);
    const failures: string[][] = labels.map(() => []);
    const record = (i: number, s: Sample & { stdout: string }) => {
      samples[i]!.push(s);
      if (s.code !== 0) failures[i]!.push(`exit ${s.code}`);
      return s;
    };
    for (let round = 0; round < opts.rounds; round++) {
      record(0, run(['-e', '0']));
      record(1, run([cli, '--version']));
      record(2, run([cli, 'list']));
      record(3, run([cli, 'show', '1']));
      const claimed = record(4, run([cli, 'claim', '--agent', 'bench', '--json']));
      const runId = (JSON.parse(claimed.stdout || '{}') as { run?: { id: number } }).run?.id;
      record(5, run([cli, 'complete', String(runId ?? 0)]));
      record(7, run([cli, 'tick'])); // after the claim and completion: the full tick
      record(6, run([cli, 'tick'])); // nothing changed since: the quiet tick
      opts.progress?.(`[startup] round ${round + 1}/${opts.rounds}`);
    }
    const base = summarize(labels[0]!, samples[0]!, failures[0]!);
    const rows = labels.slice(1).map((label, i) => summarize(label, samples[i + 1]!, failures[i + 1]!, base));
    return { rounds: opts.rounds, baseline: base, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(label: string, xs: Sample[], failures: string[], base?: StartupRow): StartupRow {
  const wallMs = median(xs.map((s) => s.wallMs));
  const cpuMs = median(xs.map((s) => s.cpuMs));
  const rssMb = median(xs.map((s) => s.rssKb)) / 1024;
  return {
    label,
    wallMs,
    cpuMs,
    rssMb,
    wallRatio: base ? wallMs / base.wallMs : 1,
    cpuRatio: base ? cpuMs / base.cpuMs : 1,
    rssRatio: base ? rssMb / base.rssMb : 1,
    failures: [...new Set(failures)],
  };
}

/** The result as a markdown table (the bench report's and `doctor --bench`'s format). */
export function startupTable(r: StartupResult): string[][] {
  const fmt = (row: StartupRow, isBase: boolean) => {
    const verdict = isBase ? '' : row.failures.length ? `FAILED (${row.failures.join(', ')})` : row.wallRatio <= STARTUP_GOALS.wall && row.rssRatio <= STARTUP_GOALS.rss ? 'ok' : 'over';
    return [
      row.label,
      `${row.wallMs.toFixed(0)} ms`,
      isBase ? '1.00×' : `${row.wallRatio.toFixed(2)}×`,
      `${row.cpuMs.toFixed(0)} ms`,
      isBase ? '1.00×' : `${row.cpuRatio.toFixed(2)}×`,
      `${row.rssMb.toFixed(1)} MB`,
      isBase ? '1.00×' : `${row.rssRatio.toFixed(2)}×`,
      verdict,
    ];
  };
  return [fmt(r.baseline, true), ...r.rows.map((row) => fmt(row, false))];
}

export const STARTUP_HEAD = ['command', 'wall (median)', 'wall ÷ node', 'CPU (median)', 'CPU ÷ node', 'peak RSS', 'RSS ÷ node', `goal ≤ ${STARTUP_GOALS.wall}× wall, ≤ ${STARTUP_GOALS.rss}× RSS`];

/** Plain-text lines for a terminal (`steward doctor --bench`). */
export function startupText(r: StartupResult): string {
  const rows = [STARTUP_HEAD, ...startupTable(r)];
  const widths = STARTUP_HEAD.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 || i === row.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  return [`CLI start-up, ${r.rounds} rounds, medians, against bare node measured in the same run:`, ...lines].join('\n');
}
