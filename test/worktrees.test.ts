// Coding tasks in git worktrees: real git, real babysitters, fake CLIs that edit files (docs/WORKTREES.md).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { taskDiff } from '../src/git/index.js';
import { showTool } from '../src/mcp/tools-read.js';
import { addTask, answerTask, approveTask, claimTask, completeRun, requestChanges } from '../src/ops/index.js';
import { babysitRun } from '../src/runner/babysit.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { exited, killChildren, syncCapped, tracked, waitFor } from './helpers/processes.js';
import { branchChanges, fileAt, gitIn, gitTry, makeRepo } from './support/git-repo.js';
import { CLI } from './support/helpers.js';
import { assertNothingLeft, depsOf, fakePids, fakeProfile, now, runOf, sandbox, taskOf, writeConfig, type Sandbox } from './support/runner.js';

type Config = ReturnType<typeof writeConfig>;

/** A sandbox whose project `app` is a fresh git repository, and a coder that writes `files` (FAKE_WRITE). */
afterEach(killChildren);

function setup(files: Record<string, string>, mode = 'success', extra: Record<string, string> = {}, project: Record<string, unknown> = {}) {
  const sb = sandbox();
  const repo = makeRepo();
  const env = { FAKE_WRITE: JSON.stringify(files), ...extra };
  const config = writeConfig(sb, { coder: fakeProfile(sb, 'command', mode, { maxConcurrent: 2, timeoutSeconds: 600, stallSeconds: 600 }, env) }, {
    dispatch: 'none',
    projects: { app: { workdir: repo, ...project } },
    retry: { baseSeconds: 0, capSeconds: 0 },
  });
  return { sb, repo, config };
}

const add = (sb: Sandbox, title: string, review = true) => addTask(sb.store, { title, project: 'app', type: 'code', review }, now()).task;
const claim = (sb: Sandbox) => {
  const c = claimTask(sb.store, { agent: 'coder', lease_seconds: 60 }, now());
  assert.ok(c.task, 'expected a claimable task');
  return c;
};
const branchOf = (sb: Sandbox, id: number) => sb.store.branches.get(id)!;
const tick = (sb: Sandbox, config: Config) => tickOnce({ store: sb.store, ctx: now('tick'), config, hooks: buildTickHooks({ workspace: sb.ws, config }) });

describe('coding runs in their own worktrees', () => {
  test('two agents in parallel on one repository: each branch holds only its own change, both merge back, the base has both', async () => {
    const { sb, repo, config } = setup({ 'file-{task_id}.txt': 'written by task {task_id}\n' });
    const a = add(sb, 'First change');
    const b = add(sb, 'Second change');
    const [ca, cb] = [claim(sb), claim(sb)];
    const results = await Promise.all([babysitRun(depsOf(sb, config), ca.run, ca.task), babysitRun(depsOf(sb, config), cb.run, cb.task)]);
    assert.deepEqual(results.map((r) => [r.status, r.task_status]), [['completed', 'review'], ['completed', 'review']]);
    const [ba, bb] = [branchOf(sb, a.id), branchOf(sb, b.id)];
    assert.equal(ba.branch, `steward/${a.id}-first-change`);
    assert.equal(ba.worktree, join(sb.ws.stewardDir, 'worktrees', `${a.id}-${ca.run.id}`));
    assert.deepEqual(branchChanges(repo, ba.branch), [`file-${a.id}.txt`]);
    assert.deepEqual(branchChanges(repo, bb.branch), [`file-${b.id}.txt`]);
    assert.equal(existsSync(join(repo, `file-${a.id}.txt`)), false, 'the main checkout was not touched by the runs');
    // Each run's evidence names the files it changed; the commit message names task and run.
    assert.deepEqual((runOf(sb, ca.run.id).evidence as { git: { files: string[] } }).git.files, [`file-${a.id}.txt`]);
    assert.match(gitIn(repo, 'log', '-1', '--format=%B', ba.branch), new RegExp(`task #${a.id} run ${ca.run.id}[\\s\\S]*Steward-Run: ${ca.run.id}`));

    approveTask(sb.store, { id: a.id }, now());
    approveTask(sb.store, { id: b.id }, now());
    assert.equal(taskOf(sb, a.id).status, 'review', 'approved, the task waits for its merge');
    const merges = tick(sb, config).dispatch?.merges as Array<{ id: number; status: string }>;
    assert.deepEqual(merges.map((m) => [m.id, m.status]), [[a.id, 'merged'], [b.id, 'merged']]);
    assert.deepEqual([taskOf(sb, a.id).status, taskOf(sb, b.id).status], ['done', 'done']);
    assert.equal(fileAt(repo, 'main', `file-${a.id}.txt`), `written by task ${a.id}\n`);
    assert.equal(fileAt(repo, 'main', `file-${b.id}.txt`), `written by task ${b.id}\n`);
    assert.equal(readFileSync(join(repo, `file-${b.id}.txt`), 'utf8'), `written by task ${b.id}\n`, 'the checkout of main was fast-forwarded');
    assert.equal(existsSync(ba.worktree!), false, 'clean worktrees are pruned after the merge');
    assert.equal(branchOf(sb, b.id).state, 'merged');
    assert.equal(gitIn(repo, 'status', '--porcelain'), '', 'the main checkout is clean');
  });

  test('a run that changes 200 files with long paths is still recorded: the evidence names as many as fit', async () => {
    const { sb, repo } = setup({});
    // 210 files of ~1,700-byte paths: their names alone are over the evidence limit (256 KiB).
    const script = 'd=$(printf "%0250d" 0); p="$d/$d/$d/$d/$d/$d"; mkdir -p "$p"; i=0; while [ $i -lt 210 ]; do echo x > "$p/$(printf "%0200d" $i)"; i=$((i+1)); done';
    const config = writeConfig(sb, { coder: { cli: 'command', command: ['sh', '-c', script, '{prompt}'], timeoutSeconds: 600, stallSeconds: 600, leaseSeconds: 60 } }, {
      dispatch: 'none', projects: { app: { workdir: repo } },
    });
    const t = add(sb, 'Many long paths');
    const c = claim(sb);
    const r = await babysitRun(depsOf(sb, config), c.run, c.task);
    assert.deepEqual([r.status, taskOf(sb, t.id).status], ['completed', 'review']);
    const named = (runOf(sb, c.run.id).evidence as { git: { files: string[] } }).git.files;
    assert.ok(named.length > 0 && named.length < 210, `${named.length} files named`);
    assert.equal(branchChanges(repo, branchOf(sb, t.id).branch).length, 210, 'every file is committed on the branch');
  });

  test('done without review merges at the end of the run; with merge: merge the second of a parallel pair gets a merge commit', async () => {
    const { sb, repo, config } = setup({ 'src/{task_id}.ts': 'export const n = {task_id};\n' }, 'success', {}, { merge: 'merge' });
    const a = add(sb, 'No review A', false);
    const b = add(sb, 'No review B', false);
    const [ca, cb] = [claim(sb), claim(sb)];
    const rs = await Promise.all([babysitRun(depsOf(sb, config), ca.run, ca.task), babysitRun(depsOf(sb, config), cb.run, cb.task)]);
    assert.deepEqual(rs.map((r) => r.task_status), ['done', 'done']);
    assert.equal(fileAt(repo, 'main', `src/${a.id}.ts`), `export const n = ${a.id};\n`);
    assert.equal(fileAt(repo, 'main', `src/${b.id}.ts`), `export const n = ${b.id};\n`);
    assert.equal(gitIn(repo, 'rev-list', '--count', '--merges', 'main'), '1', 'one fast-forward, one merge commit');
    assert.equal(gitIn(repo, 'status', '--porcelain'), '');
  });

  test('a conflicting pair: the second merge blocks naming the file, nothing is lost; resolved and answered, it merges', async () => {
    const { sb, repo, config } = setup({ 'shared.txt': 'version of task {task_id}\n' });
    const a = add(sb, 'Edit shared A');
    const b = add(sb, 'Edit shared B');
    const [ca, cb] = [claim(sb), claim(sb)];
    await Promise.all([babysitRun(depsOf(sb, config), ca.run, ca.task), babysitRun(depsOf(sb, config), cb.run, cb.task)]);
    // The digest warns that two open branches change the same file, once.
    const warned = tick(sb, config).digest.overlaps as Array<{ id: number; with: number[]; files: string[] }>;
    assert.equal(warned.length, 1);
    assert.deepEqual([warned[0]!.files, [warned[0]!.id, ...warned[0]!.with].sort()], [['shared.txt'], [a.id, b.id].sort()]);
    assert.equal(tick(sb, config).digest.overlaps, undefined, 'warned once');
    approveTask(sb.store, { id: a.id }, now());
    approveTask(sb.store, { id: b.id }, now());
    tick(sb, config);
    const blocked = taskOf(sb, b.id);
    assert.deepEqual([taskOf(sb, a.id).status, blocked.status, blocked.blocked_kind], ['done', 'blocked', 'merge']);
    assert.match(blocked.question!, /shared\.txt/);
    // git's own detail is kept, without its hints on how to continue a rebase steward has already aborted.
    assert.match(blocked.error!, /could not apply/i);
    assert.doesNotMatch(blocked.error!, /^hint:|rebase --continue/m);
    assert.deepEqual(branchOf(sb, b.id).conflict, ['shared.txt']);
    const branch = branchOf(sb, b.id).branch;
    assert.equal(fileAt(repo, branch, 'shared.txt'), `version of task ${b.id}\n`, 'the branch is intact');
    assert.equal(fileAt(repo, 'main', 'shared.txt'), `version of task ${a.id}\n`);
    assert.equal(gitTry(repo, 'status', '--porcelain').out, '', 'no half-done merge left in the main checkout');
    // The person resolves on the branch's worktree: merges main in, keeps both lines, commits; then answers.
    const wt = branchOf(sb, b.id).worktree!;
    assert.notEqual(gitTry(wt, 'merge', 'main').code, 0);
    writeFileSync(join(wt, 'shared.txt'), `version of task ${a.id}\nversion of task ${b.id}\n`);
    gitIn(wt, 'commit', '--quiet', '-am', 'resolve');
    answerTask(sb.store, { id: b.id, text: 'resolved on the branch' }, now());
    assert.equal(taskOf(sb, b.id).status, 'review');
    tick(sb, config);
    assert.equal(taskOf(sb, b.id).status, 'done');
    assert.equal(fileAt(repo, 'main', 'shared.txt'), `version of task ${a.id}\nversion of task ${b.id}\n`);
  });

  test('review sees exactly the run\'s diff; changes → the next attempt continues on the same branch, earlier commits named', async () => {
    const { sb, repo, config } = setup({ 'r{run_id}.txt': 'run {run_id}\n' }, 'echo');
    const t = add(sb, 'Two attempts');
    const c1 = claim(sb);
    await babysitRun(depsOf(sb, config), c1.run, c1.task);
    const d1 = taskDiff(sb.store, t.id);
    assert.deepEqual(d1.files, [{ path: `r${c1.run.id}.txt`, added: 1, removed: 0 }]);
    assert.match(d1.patch!, new RegExp(`\\+run ${c1.run.id}`));
    assert.equal(d1.commits.length, 1);
    requestChanges(sb.store, { id: t.id, feedback: 'more please' }, now());
    const c2 = claim(sb);
    await babysitRun(depsOf(sb, config), c2.run, c2.task);
    const b = branchOf(sb, t.id);
    assert.equal(b.branch, d1.branch, 'the same branch');
    assert.equal(b.worktree, join(sb.ws.stewardDir, 'worktrees', `${t.id}-${c2.run.id}`));
    assert.deepEqual(branchChanges(repo, b.branch), [`r${c1.run.id}.txt`, `r${c2.run.id}.txt`].sort());
    assert.deepEqual((runOf(sb, c2.run.id).evidence as { git: { files: string[] } }).git.files, [`r${c2.run.id}.txt`], 'the second run changed only its own file');
    const prompt = (JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[]).join('\n');
    assert.match(prompt, new RegExp(`${d1.commits[0]!.split(' ')[0]} steward: task #${t.id} run ${c1.run.id}`), 'the earlier commit is named in the prompt');
    assert.match(prompt, new RegExp(`branch \`${b.branch}\``));
  });
});

describe('a babysitter killed mid-run', () => {
  test('kill -9: the reaper keeps the dirty worktree; the next attempt commits the work and continues on the branch', async () => {
    const state = join(sandbox().root, 'state');
    const { sb, repo, config } = setup({ 'wip.txt': 'half done by run {run_id}\n' }, 'hang,echo', { FAKE_STATE_FILE: state });
    const t = add(sb, 'Interrupted work');
    const c1 = claim(sb);
    const child = tracked(spawn(process.execPath, [CLI, 'work', '--run', String(c1.run.id), '--here', '--dir', sb.root], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STEWARD_DIR: '' } }));
    const [cliPid] = await fakePids(sb);
    await waitFor('the CLI group recorded', () => (runOf(sb, c1.run.id).pgid === cliPid ? true : undefined));
    const wt1 = branchOf(sb, t.id).worktree!;
    assert.equal(readFileSync(join(wt1, 'wip.txt'), 'utf8'), `half done by run ${c1.run.id}\n`);
    child.kill('SIGKILL');
    await exited(child, `steward work --run ${c1.run.id} --here to die of SIGKILL`);
    const reaped = tick(sb, config).reaped;
    assert.deepEqual(reaped.map((r) => r.run_id), [c1.run.id]);
    await assertNothingLeft(sb);
    assert.ok(existsSync(join(wt1, 'wip.txt')), 'the reaper never deletes a dirty worktree');
    assert.match(gitIn(wt1, 'status', '--porcelain'), /wip\.txt/);

    await waitFor('the retry is claimable', () => (taskOf(sb, t.id).status === 'ready' ? true : undefined));
    const c2 = claim(sb);
    const r2 = await babysitRun(depsOf(sb, config), c2.run, c2.task);
    assert.equal(r2.status, 'completed');
    assert.equal(existsSync(wt1), false, 'the old worktree went only after its work was committed');
    const branch = branchOf(sb, t.id).branch;
    const log = gitIn(repo, 'log', '--format=%s', `main..${branch}`);
    assert.match(log, new RegExp(`task #${t.id} run ${c1.run.id} \\(interrupted\\)`));
    assert.equal(fileAt(repo, gitIn(repo, 'log', '--format=%H', '--grep', 'interrupted', branch), 'wip.txt'), `half done by run ${c1.run.id}\n`);
    const preserved = sb.store.events.forTask(t.id, 50).find((e) => e.kind === 'work_preserved');
    assert.deepEqual((preserved?.data as { files: string[] }).files, ['wip.txt']);
    const prompt = (JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[]).join('\n');
    assert.match(prompt, /interrupted/, 'the preserved commit is named in the next prompt');
  });
});

describe('the CLI and MCP on a task branch', () => {
  test('steward diff prints the branch diff; steward approve merges at once; MCP show carries the diff summary', async () => {
    const { sb, repo, config } = setup({ 'feature.txt': 'a feature\n' });
    const t = add(sb, 'CLI review');
    const c = claim(sb);
    await babysitRun(depsOf(sb, config), c.run, c.task);
    const cli = (...args: string[]) => syncCapped(`steward ${args.join(' ')}`, (cap) => spawnSync(process.execPath, [CLI, ...args, '--dir', sb.root], { encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' }, ...cap }));
    const d = cli('diff', String(t.id), '--json');
    assert.equal(d.status, 0, d.stderr);
    const parsed = JSON.parse(d.stdout) as { files: Array<{ path: string }>; patch: string; branch: string };
    assert.deepEqual(parsed.files.map((f) => f.path), ['feature.txt']);
    assert.match(parsed.patch, /\+a feature/);
    const text = cli('diff', String(t.id), '--stat');
    assert.match(text.stdout, new RegExp(`${parsed.branch} against main`));
    const shown = showTool.run({ id: t.id }, { store: sb.store } as never).structured as { branch: { files: Array<{ path: string }>; files_total: number } };
    assert.deepEqual([shown.branch.files.map((f) => f.path), shown.branch.files_total], [['feature.txt'], 1]);
    const ap = cli('approve', String(t.id), '--json');
    assert.equal(ap.status, 0, ap.stderr);
    assert.equal((JSON.parse(ap.stdout) as { task: { status: string } }).task.status, 'done');
    assert.equal(fileAt(repo, 'main', 'feature.txt'), 'a feature\n');
    assert.equal(cli('diff', '999').status, 3, 'a task without a branch is NOT_FOUND');
  });
});

describe('file leases and leftovers', () => {
  test('paths: a task whose globs overlap a running task\'s waits at claim; others pass; it runs once the lease ends', () => {
    const sb = sandbox();
    const t = (title: string, paths?: string[]) => addTask(sb.store, { title, ...(paths ? { paths } : {}) }, now()).task;
    const a = t('A', ['src/**']);
    const b = t('B', ['src/api/x.ts']);
    const c = t('C', ['docs/**']);
    const d = t('D');
    const take = () => claimTask(sb.store, { agent: 'coder' }, now()).task?.id;
    assert.equal(take(), a.id);
    assert.equal(take(), c.id, 'B waits: its path is under A\'s src/**');
    assert.equal(take(), d.id, 'a task without paths never waits');
    assert.equal(take(), undefined);
    const runA = sb.store.tasks.get(a.id)!.current_run_id!;
    completeRun(sb.store, { run_id: runA, summary: 'ok' }, now());
    assert.equal(take(), b.id, 'the lease ended with A\'s run');
    assert.deepEqual(sb.store.branches.paths(b.id), ['src/api/x.ts']);
    assert.throws(() => addTask(sb.store, { title: 'bad', paths: ['../etc/passwd'] }, now()), { code: 'VALIDATION' });
  });

  test('steward gc removes only clean merged worktrees and branches; doctor lists what is left', async () => {
    const { sb, repo, config } = setup({ 'g{task_id}.txt': 'g\n' });
    const merged = add(sb, 'Merged one');
    const pending = add(sb, 'Waits for review');
    const [cm, cp] = [claim(sb), claim(sb)];
    await Promise.all([babysitRun(depsOf(sb, config), cm.run, cm.task), babysitRun(depsOf(sb, config), cp.run, cp.task)]);
    approveTask(sb.store, { id: merged.id }, now());
    tick(sb, config);
    const wtPending = branchOf(sb, pending.id).worktree!;
    writeFileSync(join(wtPending, 'scratch.txt'), 'not committed\n');
    const cli = (...args: string[]) => syncCapped(`steward ${args.join(' ')}`, (cap) => spawnSync(process.execPath, [CLI, ...args, '--dir', sb.root], { encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' }, ...cap }));
    const doc = JSON.parse(cli('doctor', '--json').stdout) as { leftovers: Array<{ kind: string; branch: string; dirty: string[]; removable: boolean }> };
    const byBranch = new Map(doc.leftovers.map((l) => [`${l.kind} ${l.branch}`, l]));
    assert.equal(byBranch.get(`branch ${branchOf(sb, merged.id).branch}`)?.removable, true);
    assert.deepEqual(byBranch.get(`worktree ${branchOf(sb, pending.id).branch}`)?.dirty, ['scratch.txt']);
    const dry = JSON.parse(cli('gc', '--dry-run', '--json').stdout) as { removed: unknown[] };
    assert.equal(dry.removed.length, 1);
    assert.ok(gitIn(repo, 'branch', '--list', branchOf(sb, merged.id).branch), 'a dry run removes nothing');
    const r = cli('gc', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(gitIn(repo, 'branch', '--list', branchOf(sb, merged.id).branch), '', 'the merged branch is gone');
    assert.ok(existsSync(join(wtPending, 'scratch.txt')), 'gc never removes a dirty worktree');
    assert.ok(gitIn(repo, 'branch', '--list', branchOf(sb, pending.id).branch), 'nor an unmerged branch');
  });
});
