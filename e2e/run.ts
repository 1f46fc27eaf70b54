// `npm run e2e:clis`: the real coding CLIs (pinned in e2e/package.json) against the mock model, under `steward work`.
// Options: --cli claude,codex,claude@latest (the @latest rows: e2e/node22/, run under Node 22)  --scenario ok,e401,par  --doc (write docs/CLIS.md: this run's rows replace those rows in e2e/matrix.json)  --samples (record real outputs)
//          --budget SECONDS (rows not started by then are reported as not run, and fail)  --no-install  --keep
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { captureSample } from './capture.js';
import { E2E_DIR, installedVersion, PACKAGES, type CliName } from './clis.js';
import { mergeRuns, renderDoc, renderMatrix, type SavedMatrix } from './matrix.js';
import { SCENARIOS, startMockModel, type Scenario } from './mock-model.js';
import { runParallelRow } from './parallel.js';
import { runRow, type RowResult } from './row.js';
import { installNode22, TARGET_NAMES, targetOf, targetVersion } from './targets.js';

const { values } = parseArgs({
  options: {
    cli: { type: 'string' },
    scenario: { type: 'string' },
    doc: { type: 'boolean' },
    samples: { type: 'boolean' },
    'no-install': { type: 'boolean' },
    keep: { type: 'boolean' },
    budget: { type: 'string' },
  },
});
const pick = <T extends string>(all: readonly T[], given: string | undefined): T[] => {
  if (!given) return [...all];
  const want = given.split(',').map((s) => s.trim()).filter(Boolean);
  for (const w of want) if (!(all as readonly string[]).includes(w)) throw new Error(`unknown ${w}; expected one of ${all.join(', ')}`);
  return want as T[];
};
// Rows: a CLI (the version e2e/package.json pins) or its Node 22 generation (e.g. claude@latest, e2e/node22/).
const targets = pick(TARGET_NAMES, values.cli).map(targetOf);
const clis = [...new Set(targets.filter((t) => !t.node22).map((t) => t.cli))];
const scenarios = pick(SCENARIOS, values.scenario);

/** Install scripts the harness runs after `npm install --ignore-scripts` (without them the CLI refuses to start). */
const SETUP_SCRIPTS: [string, string][] = [
  ['@anthropic-ai/claude-code', 'install.cjs'],
  ['opencode-ai', 'postinstall.mjs'],
];

/** Installs e2e/package-lock.json into e2e/node_modules (never globally) unless every pinned CLI is there. */
function install(): void {
  const pinned = (JSON.parse(readFileSync(join(E2E_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  const missing = clis.filter((c) => installedVersion(c) !== pinned[PACKAGES[c]]);
  if (!missing.length) return;
  console.log(`installing the pinned CLIs into ${join(E2E_DIR, 'node_modules')} (missing: ${missing.join(', ')})`);
  // `npm install` keeps to the lockfile's versions; `npm ci` refuses this lockfile on a fresh clone (npm 11 counts the
  // CLIs' optional packages for other platforms, e.g. @teddyzhu/clipboard-darwin-*, as missing: EUSAGE).
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: E2E_DIR, stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error('npm install in e2e/ failed');
  // The CLIs that link their native binary (from their platform package, already installed) in their own install
  // script: run exactly those scripts, not every package's.
  for (const [pkg, script] of SETUP_SCRIPTS) {
    const dir = join(E2E_DIR, 'node_modules', pkg);
    if (!existsSync(join(dir, script))) continue;
    const s = spawnSync(process.execPath, [script], { cwd: dir, stdio: 'inherit', timeout: 5 * 60_000 });
    if (s.status !== 0) throw new Error(`${pkg} ${script} failed`);
  }
}

// Per-row limits: long enough for a CLI's first start, short enough that a hang is found quickly. The CLIs' own start-up
// allowance (adapters' startSeconds: 120 s for opencode, Gemini CLI and Qwen Code) runs before the stall clock does.
const LIMITS = { timeoutSeconds: 120, stallSeconds: 20 };
// Per CLI: opencode waits up to 30 s between its 5 session retries (2, 4, 8, 16, 30 s backing off; logging nothing
// meanwhile) and gives up after ~60-75 s: its error event names the status only then, so its stall and timeout cover
// that. Gemini CLI and Qwen Code go quiet for a while between tool calls on a loaded machine.
const PER_CLI: Partial<Record<CliName, Partial<typeof LIMITS>>> = {
  opencode: { stallSeconds: 60, timeoutSeconds: 240 },
  gemini: { stallSeconds: 60, timeoutSeconds: 180 },
  qwen: { stallSeconds: 60 },
};
const limitsOf = (cli: CliName) => ({ ...LIMITS, ...PER_CLI[cli] });
/**
 * The rows' workspaces: not the system's temp folder — Gemini CLI ignores a settings file (steward's retry knob in
 * `.steward/cli-defaults/`) when a folder above it is writable by others, as /tmp is — but `~/.cache/steward-e2e/`
 * (STEWARD_E2E_DIR to choose another), outside any git checkout: each row's steward runs with GIT_CEILING_DIRECTORIES
 * set to it (row.ts), so a git repository above it is never taken for the project's.
 */
const RUNS_DIR = process.env.STEWARD_E2E_DIR || join(homedir(), '.cache', 'steward-e2e');

async function main(): Promise<number> {
  if (!values['no-install']) {
    install();
    installNode22(targets);
  }
  const deadline = values.budget ? Date.now() + Number(values.budget) * 1000 : Infinity;
  mkdirSync(RUNS_DIR, { recursive: true, mode: 0o755 });
  const root = mkdtempSync(join(RUNS_DIR, 'steward-e2e-'));
  const mock = await startMockModel({ logFile: join(root, 'requests.jsonl'), lifetimeMs: 60 * 60_000, slowChunkMs: 1000 });
  const versions: Record<string, string> = {};
  const results: RowResult[] = [];
  try {
    for (const target of targets) {
      const { cli, name } = target;
      const version = targetVersion(target);
      if (!version) {
        console.log(`${name}: not installed, skipped`);
        continue;
      }
      versions[name] = version;
      for (const scenario of scenarios) {
        if (Date.now() > deadline) {
          results.push({ cli, scenario, ok: false, seconds: 0, problems: [`not run: over the --budget of ${values.budget} s`], recorded: '-', dir: '', label: name });
          console.log(`FAIL ${name} ${version} ${scenario} not run (over budget)`);
          continue;
        }
        const r = scenario === 'par' ? await runParallelRow(cli, root, mock, limitsOf(cli), target) : await runRow(cli, scenario, root, mock, limitsOf(cli), target);
        results.push(r);
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${name} ${version} ${scenario} ${r.seconds}s  ${r.recorded}`);
        for (const p of r.problems) console.log(`       - ${p}`);
        if (values.samples && scenario !== 'hang' && scenario !== 'par') console.log(`       sample ${await captureSample(cli, version, scenario, root, mock.url, 120_000, target)}`);
      }
    }
  } finally {
    await mock.close();
  }
  console.log(`\n${renderMatrix(results, versions)}`);
  if (values.doc) {
    const path = new URL('../../docs/CLIS.md', import.meta.url).pathname;
    const store = join(E2E_DIR, 'matrix.json');
    const saved = existsSync(store) ? (JSON.parse(readFileSync(store, 'utf8')) as SavedMatrix) : {};
    const merged = mergeRuns(saved, results.filter((r) => !r.problems.some((p) => p.startsWith('not run'))), versions);
    writeFileSync(store, `${JSON.stringify(merged, null, 2)}\n`);
    writeFileSync(path, renderDoc(merged));
    console.log(`wrote ${path}`);
  }
  if (values.keep || results.some((r) => !r.ok)) console.log(`workspaces and logs kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
  return results.every((r) => r.ok) && results.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
