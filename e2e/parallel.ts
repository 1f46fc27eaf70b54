// The `par` row: two runs of one real CLI at the same time on one git repository, each in its own worktree
// (docs/WORKTREES.md). Two `steward work --agent A --once` babysitters claim one task each; the mock model holds each
// run's first call until both runs called it, so they overlap whatever the machine's speed. Each run's tool writes
// its own file; both branches must hold only their own change, both merge back, the base has both, the worktrees go.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupsByEnv, signalGroup } from '../src/runner/process-group.js';
import { setupCli, type CliName } from './clis.js';
import type { MockModel } from './mock-model.js';
import { goalOf, steward, strings, type RowLimits, type RowResult } from './row.js';
import { forTarget, targetOf, type Target } from './targets.js';

type Json = Record<string, any>;

/** The two runs' names: each writes `<group>-<name>.txt`. */
export const PAR_NAMES = ['alpha', 'beta'] as const;

/** The task text of one parallel run (quoting as in the other rows; E2E-FILE picks the file the mock's tool writes). */
export function parGoalOf(file: string): string {
  return [
    `Create the file ${file}.txt in the working directory with your shell tool.`,
    `Keep these exactly: "double quotes", 'single quotes', $HOME, back\\slash, two  spaces, ünïcödé ✓.`,
    'E2E-SCENARIO:par',
    `E2E-FILE:${file}`,
  ].join('\n');
}

/** git in `cwd`, stdout trimmed; throws with stderr on failure. */
function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** A repository on branch main with one commit (README.md). */
function initRepo(proj: string): void {
  mkdirSync(proj, { recursive: true });
  git(proj, ['init', '-q', '-b', 'main']);
  writeFileSync(join(proj, 'README.md'), 'e2e repository\n');
  git(proj, ['add', 'README.md']);
  git(proj, ['-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', 'commit', '-q', '-m', 'initial']);
}

/** Runs the row (the target's name, without non-alphanumerics, keeps its files and mock barrier apart from other rows'). */
export async function runParallelRow(cli: CliName, root: string, mock: MockModel, limits: RowLimits, target: Target = targetOf(cli)): Promise<RowResult> {
  const started = Date.now();
  const label = target.name;
  const group = label.replace(/[^a-z0-9]/g, '');
  const dir = join(root, `${label}-par`);
  const home = join(dir, 'home');
  const proj = join(dir, 'proj');
  const problems: string[] = [];
  const fail = (what: string) => problems.push(what);
  const result = (recorded: string): RowResult => ({ cli, scenario: 'par', ok: problems.length === 0, seconds: Math.round((Date.now() - started) / 100) / 10, problems, recorded, dir, label });
  initRepo(proj);
  const { profile } = forTarget(setupCli(cli, home, mock.url), target);
  // GIT_CEILING_DIRECTORIES: a git repository above the harness's folder is never taken for the project's.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TERM: 'dumb', GIT_CEILING_DIRECTORIES: root };
  const init = await steward(['init', '--dir', dir], env, 60_000);
  if (init.code !== 0) fail(`steward init: ${init.stderr.trim()}`);
  // The mock holds a run's first call until the other run's arrived: the stall limit must outlast that hold.
  const stallSeconds = Math.max(limits.stallSeconds, 90);
  const config = {
    // No isolation key: a git workdir and `code` tasks get worktrees by default.
    projects: { e2e: { workdir: 'proj' } },
    agents: { [cli]: { ...profile, ...(cli === 'opencode' ? {} : { permissions: 'bypass' }), timeoutSeconds: limits.timeoutSeconds + 60, stallSeconds, leaseSeconds: 60 } },
  };
  writeFileSync(join(dir, '.steward', 'config.yaml'), JSON.stringify(config, null, 2));
  // One run alone first, outside the repository: a CLI sets up its home on its first start, and two first starts at
  // once can race each other (opencode 1.18 migrates its database: "Failed query: CREATE TABLE workspace"). A person's
  // CLI has started before; this row is about two runs at once, not two first starts. A `code` task (the type a profile
  // takes by default) of the default project, whose workdir is no git repository: no worktree, nothing merged.
  const warm = await steward(['add', `e2e ${label} par warm-up`, '--goal', goalOf('ok'), '--agent', cli, '--type', 'code', '--dir', dir, '--json'], env, 60_000);
  if (warm.code !== 0) fail(`steward add (warm-up): ${warm.stderr.trim()}`);
  const warmRun = await steward(['work', '--agent', cli, '--once', '--json', '--dir', dir], env, (limits.timeoutSeconds + 120) * 1000);
  if (warmRun.code !== 0) fail(`steward work (warm-up) exited ${warmRun.code}: ${warmRun.stderr.trim().slice(-300)}`);
  // `work --once` with nothing it may claim exits 0 too: a warm-up that ran nothing warms nothing.
  const warmRuns = (JSON.parse(warmRun.stdout || '{}') as { runs?: Array<{ status?: string }> }).runs ?? [];
  if (warmRuns.length !== 1 || warmRuns[0]!.status !== 'completed') fail(`the warm-up ran ${warmRuns.length} run(s) (${warmRuns.map((r) => r.status).join(', ')}), expected 1 completed`);
  const files = PAR_NAMES.map((n) => `${group}-${n}`);
  const ids: number[] = [];
  for (const file of files) {
    const added = await steward(['add', `e2e ${label} par ${file}`, '--goal', parGoalOf(file), '--project', 'e2e', '--agent', cli, '--type', 'code', '--dir', dir, '--json'], env, 60_000);
    if (added.code !== 0) fail(`steward add: ${added.stderr.trim()}`);
    else ids.push((JSON.parse(added.stdout) as Json).task.id as number);
  }
  if (ids.length !== 2) return result('not added');
  const firstRequest = mock.requests.length;
  // Two babysitters at once, each claims one task.
  const works = await Promise.all([0, 1].map(() => steward(['work', '--agent', cli, '--once', '--json', '--dir', dir], env, (limits.timeoutSeconds + 120) * 1000)));
  works.forEach((w, i) => w.code !== 0 && fail(`steward work #${i + 1} exited ${w.code}: ${w.stderr.trim().slice(-300)}`));
  for (const [runId, pgids] of groupsByEnv({ STEWARD_DIR: dir }, 'STEWARD_RUN_ID')) {
    fail(`processes of run ${runId} still running after steward work (groups ${pgids.join(',')})`);
    for (const g of pgids) signalGroup(g, 'SIGKILL');
  }

  const shown = await Promise.all(ids.map(async (id) => JSON.parse((await steward(['show', String(id), '--dir', dir, '--json'], env, 60_000)).stdout || '{}') as { task: Json; runs: Json[]; events: Json[] }));
  const recorded = shown.map(({ task }) => `#${task?.id} ${task?.status} attempts=${task?.attempts}`).join(', ');
  const spans: Array<[number, number]> = [];
  shown.forEach(({ task, runs, events }, i) => {
    const file = files[i]!;
    const run = runs?.[0] ?? {};
    if (runs?.length !== 1) fail(`#${ids[i]}: expected 1 run, found ${runs?.length}`);
    if (task?.status !== 'done') fail(`#${ids[i]}: status ${task?.status}, expected done (error: ${String(run.error ?? '').slice(0, 300)})`);
    if (task?.attempts !== 0) fail(`#${ids[i]}: attempts ${task?.attempts}, expected 0`);
    if (!new RegExp(`E2E-DONE par ${file}`).test(String(task?.result ?? ''))) fail(`#${ids[i]}: result ${JSON.stringify(String(task?.result ?? '').slice(0, 200))}`);
    const g = (run.evidence ?? {}).git as Json | undefined;
    if (!g) fail(`#${ids[i]}: the run recorded no git evidence (not isolated?)`);
    else {
      if (!String(g.branch).startsWith(`steward/${ids[i]}-`)) fail(`#${ids[i]}: branch ${g.branch}, expected steward/${ids[i]}-…`);
      if (JSON.stringify(g.files) !== JSON.stringify([`${file}.txt`])) fail(`#${ids[i]}: the run changed ${JSON.stringify(g.files)}, expected only ${file}.txt`);
    }
    if (!(events ?? []).some((e) => e.kind === 'merged')) fail(`#${ids[i]}: no merged event (events: ${(events ?? []).map((e) => e.kind).join(',')})`);
    spans.push([Date.parse(run.started_at), Date.parse(run.finished_at)]);
  });
  if (spans.length === 2 && !(spans[0]![0] < spans[1]![1] && spans[1]![0] < spans[0]![1])) fail(`the two runs did not overlap in time: ${JSON.stringify(spans)}`);

  // What git holds: every commit a run made touches only its own file; the base has both; no worktree is left.
  try {
    const branches = git(proj, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/steward/']).split('\n').filter(Boolean);
    if (branches.length !== 2) fail(`expected 2 task branches, found ${JSON.stringify(branches)}`);
    ids.forEach((id, i) => {
      const branch = branches.find((b) => b.startsWith(`steward/${id}-`));
      if (!branch) return fail(`#${id}: no branch steward/${id}-…`);
      const own = git(proj, ['log', '--format=%H', `--grep=^Steward-Task: ${id}$`, branch]).split('\n').filter(Boolean);
      if (!own.length) fail(`#${id}: no commit of the task on ${branch}`);
      const touched = [...new Set(own.flatMap((c) => git(proj, ['diff-tree', '--no-commit-id', '--name-only', '-r', c]).split('\n').filter(Boolean)))];
      if (JSON.stringify(touched) !== JSON.stringify([`${files[i]}.txt`])) fail(`#${id}: the commits on ${branch} change ${JSON.stringify(touched)}, expected only ${files[i]}.txt`);
      const merged = spawnSync('git', ['merge-base', '--is-ancestor', branch, 'main'], { cwd: proj }).status === 0;
      if (!merged) fail(`#${id}: ${branch} is not merged into main`);
    });
    const base = git(proj, ['ls-tree', '--name-only', 'main']).split('\n');
    for (const f of files) {
      if (!base.includes(`${f}.txt`)) fail(`main does not have ${f}.txt (it has ${base.join(', ')})`);
      const path = join(proj, `${f}.txt`);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== `e2e-${f}\n`) fail(`the checkout of main has no ${f}.txt with the run's content`);
    }
    const worktrees = git(proj, ['worktree', 'list', '--porcelain']).split('\n').filter((l) => l.startsWith('worktree '));
    if (worktrees.length !== 1) fail(`worktrees left after the merges: ${worktrees.join('; ')}`);
    const wtDir = join(dir, '.steward', 'worktrees');
    const left = existsSync(wtDir) ? readdirSync(wtDir).filter((n) => n !== '.gitignore') : [];
    if (left.length) fail(`.steward/worktrees still holds ${left.join(', ')}`);
    const status = git(proj, ['status', '--porcelain']);
    if (status) fail(`the checkout of main is not clean: ${status}`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }

  const rowRequests = mock.requests.slice(firstRequest);
  for (const file of files) {
    const goal = parGoalOf(file);
    const mine = rowRequests.filter((r) => r.body.includes(`E2E-FILE:${file}`));
    if (!mine.length) fail(`the run of ${file} never called the model`);
    else if (!mine.some((r) => { try { return strings(JSON.parse(r.body)).some((s) => s.includes(goal)); } catch { return false; } })) fail(`the prompt of ${file} did not reach the model byte-exact`);
  }
  writeFileSync(join(dir, 'requests.jsonl'), rowRequests.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return result(recorded);
}
