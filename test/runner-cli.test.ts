// The built binary: `steward work --agent`, usage and exit codes, `steward logs [--follow]`, `steward doctor`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { FAKE_CLI_PATH } from './helpers/fixtures.js';
import { exited, exitOnceAwaited, killChildren, spawnSyncCapped, tracked, waitFor } from './helpers/processes.js';
import { CLI, cli, tempDir } from './support/helpers.js';
import { addAndClaim, assertNothingLeft, fakePids, fakeProfile, now, runOf, sandbox, taskOf, writeConfig } from './support/runner.js';

afterEach(killChildren);

describe('steward work', () => {
  test('--agent loops until nothing is claimable; --json lists every run', () => {
    const sb = sandbox();
    writeConfig(sb, { coder: fakeProfile(sb, 'codex', 'success') });
    const ids = ['one', 'two'].map((title) => addTask(sb.store, { title }, now()).task.id);
    addTask(sb.store, { title: 'not mine', type: 'research' }, now());
    const r = cli(['work', '--agent', 'coder', '--json'], { cwd: sb.root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.runs.map((x: { task_id: number; status: string; task_status: string }) => [x.task_id, x.status, x.task_status]), [
      [ids[0], 'completed', 'done'],
      [ids[1], 'completed', 'done'],
    ]);
    assert.equal(r.json.stopped, 'empty');
    assert.equal(taskOf(sb, 3).status, 'ready', 'a type the profile does not take is left alone');
  });

  test('--agent with ready tasks it does not take says which and what it takes, instead of only "nothing to claim"', () => {
    const sb = sandbox();
    writeConfig(sb, { script: fakeProfile(sb, 'command', 'success', { types: ['ops'] }) });
    addTask(sb.store, { title: 'a code task' }, now());
    addTask(sb.store, { title: 'for someone else', type: 'ops', agent: 'coder' }, now());
    addTask(sb.store, { title: 'another code task' }, now());
    const r = cli(['work', '--agent', 'script', '--once'], { cwd: sb.root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'nothing (more) to claim; 3 ready tasks script does not take, like #1 (type code), #2 (type ops, agent coder): '
      + 'it takes types ops (agents.script in .steward/config.yaml, or steward edit ID --type T --agent A)\n');
    assert.equal(taskOf(sb, 1).status, 'ready');
    const none = sandbox();
    writeConfig(none, { script: fakeProfile(none, 'command', 'success', { types: ['ops'] }) });
    assert.equal(cli(['work', '--agent', 'script', '--once'], { cwd: none.root }).stdout, 'nothing (more) to claim\n', 'an empty queue: nothing more to say');
  });

  test('--agent --once takes one task; text output names the run, the outcome and the log', () => {
    const sb = sandbox();
    writeConfig(sb, { coder: fakeProfile(sb, 'gemini', 'error') });
    for (const title of ['one', 'two']) addTask(sb.store, { title }, now());
    const r = cli(['work', '--agent', 'coder', '--once'], { cwd: sb.root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^run 1 task #1: failed \(transient\) → task ready: .+ {3}log: .+\/\.steward\/logs\/1-1\.log\n$/);
    assert.equal(taskOf(sb, 2).status, 'ready');
  });

  test('usage and lookup errors have stable exit codes', () => {
    const sb = sandbox();
    writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'success') });
    const { run } = addAndClaim(sb, {}, 'coder', 3600); // the lease outlives the CLI calls before the real run, however slow
    const run2 = (...args: string[]) => cli(args, { cwd: sb.root });
    assert.equal(run2('work').code, 2);
    assert.equal(run2('work', '--run', '1', '--agent', 'coder').code, 2);
    assert.equal(run2('work', '--run', 'x').code, 2);
    const nobody = run2('work', '--agent', 'nobody');
    assert.deepEqual([nobody.code, nobody.stderr], [3, 'error NOT_FOUND: no agent profile "nobody" (configured: coder)\n']);
    assert.equal(run2('work', '--run', '99').code, 3);
    assert.equal(run2('work', '--run', String(run.id)).code, 0);
    // The same command again (a sub-agent whose exec was killed retries): the finished run's line, exit 0.
    const again = run2('work', '--run', String(run.id));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^run ${run.id} task #${run.task_id}: completed → task (review|done)   log: `));
  });
});

describe('steward logs', () => {
  test('prints the newest run log; NOT_FOUND without runs; --json carries the text', () => {
    const sb = sandbox();
    writeConfig(sb, { coder: fakeProfile(sb, 'opencode', 'success') });
    const { task } = addAndClaim(sb);
    addTask(sb.store, { title: 'never run' }, now());
    assert.equal(cli(['work', '--run', '1'], { cwd: sb.root }).code, 0);
    const text = cli(['logs', String(task.id)], { cwd: sb.root });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /"type":"step_finish"/);
    const json = cli(['logs', String(task.id), '--json'], { cwd: sb.root }).json;
    assert.deepEqual([json.task_id, json.run_id, json.log.length > 0], [task.id, 1, true]);
    assert.equal(cli(['logs', '2'], { cwd: sb.root }).code, 3);
    assert.equal(cli(['logs', '9'], { cwd: sb.root }).code, 3);
  });

  test('--follow prints the output as it comes and returns when the run ends', async () => {
    const sb = sandbox();
    // The CLI ticks until GO exists, which the test writes once the follower printed a tick: a run that ended before the
    // follower started would prove no streaming.
    const go = join(sb.root, 'GO');
    writeConfig(sb, { coder: fakeProfile(sb, 'claude', 'slow', {}, { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '1000', FAKE_GO_FILE: go }) });
    const { task, run } = addAndClaim(sb);
    const worker = tracked(spawn(process.execPath, [CLI, 'work', '--run', String(run.id), '--dir', sb.root], { stdio: ['ignore', 'ignore', 'pipe'] }));
    await fakePids(sb);
    const follower = tracked(spawn(process.execPath, [CLI, 'logs', String(task.id), '--follow', '--dir', sb.root], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    follower.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the follower to print a tick while the run runs', () => (out.includes('fake-cli: tick 1\n') ? true : undefined));
    assert.equal(runOf(sb, run.id).status, 'running');
    writeFileSync(go, '');
    // 'close': its exit and the end of its stdout (the last lines are what is checked).
    const [code] = await exitOnceAwaited(follower, `steward logs ${task.id} --follow to return when run ${run.id} ends`, 'close');
    const [workerEnded] = await exited(worker, `steward work --run ${run.id} to exit`);
    assert.deepEqual([code, workerEnded], [0, 0]);
    assert.ok(out.indexOf('"type":"result"') > out.indexOf('fake-cli: tick 1\n'), 'streamed, then saw the rest');
    // The babysitter's last line comes after the outcome is recorded: the follower waits for it (it once stopped first).
    assert.match(out, new RegExp(`=== steward \\S+ run ${run.id}: completed → task #${task.id} done\n=== run ${run.id} completed\n$`));
    await assertNothingLeft(sb);
  });
});

describe('steward doctor', () => {
  test('finds the CLIs on PATH with their versions and says which profiles can run', () => {
    const sb = sandbox();
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(FAKE_CLI_PATH, join(bin, 'claude'));
    writeFileSync(join(bin, 'codex'), '#!/bin/sh\necho "codex-cli 0.169.0"\n');
    chmodSync(join(bin, 'codex'), 0o755);
    // A hung --version lives in a PATH of its own, probed with a short --timeout; the answering CLIs get a generous
    // one (a node script's --version can take seconds on a loaded machine and must not count as hung).
    const hung = join(tempDir(), 'hung');
    mkdirSync(hung);
    writeFileSync(join(hung, 'gemini'), '#!/bin/sh\n/bin/sleep 30 &\nwait\n');
    chmodSync(join(hung, 'gemini'), 0o755);
    writeConfig(sb, {
      coder: { cli: 'claude' },
      fast: { cli: 'codex', model: 'o4' },
      slowpoke: { cli: 'gemini' },
      nowhere: { cli: 'opencode', bin: '/nonexistent/opencode' },
      script: { cli: 'command', command: ['node', '-e', '1'] },
    });
    const r = cli(['doctor', '--json', '--timeout', '300'], { cwd: sb.root, env: { PATH: bin, FAKE_CLI: 'command', FAKE_MODE: 'success' } });
    assert.equal(r.code, 0, r.stderr);
    const byCli = Object.fromEntries(r.json.clis.map((c: { cli: string; bin: string }) => [`${c.cli}:${c.bin}`, c]));
    assert.equal(byCli['codex:codex'].version, 'codex-cli 0.169.0');
    assert.equal(byCli['claude:claude'].path, join(bin, 'claude'));
    assert.ok(byCli['claude:claude'].version);
    assert.equal(byCli['gemini:gemini'].path, null);
    assert.equal(byCli['aider:aider'].path, null);
    const profiles = Object.fromEntries(r.json.profiles.map((p: { name: string; runnable: boolean }) => [p.name, p.runnable]));
    assert.deepEqual(profiles, { coder: true, fast: true, slowpoke: false, nowhere: false, script: true });
    // The hung --version is cut short: its timeout error below, and no sleep left behind (no timing asserted).
    const h = cli(['doctor', '--json', '--timeout', '1'], { cwd: sb.root, env: { PATH: hung } });
    assert.equal(h.code, 0, h.stderr);
    const gemini = h.json.clis.find((c: { cli: string }) => c.cli === 'gemini');
    assert.match(gemini.error, /no answer to --version within 1000 ms/);
    assert.equal(spawnSyncCapped('pgrep', ['-f', `^/bin/sleep 30$`]).status, 1, 'the probe took its children with it');
    assert.equal(h.json.profiles.find((p: { name: string }) => p.name === 'slowpoke').runnable, false);
    const text = cli(['doctor', '--timeout', '300'], { cwd: tempDir(), env: { PATH: bin } });
    assert.equal(text.code, 0, 'works outside a workspace');
    assert.match(text.stdout, /^ {2}codex +\S+\/codex {2}codex-cli 0\.169\.0$/m);
  });

  test('doctor: a project workdir that is a file says not a folder (it said ok), a bin that is a folder says so (it said not found on PATH)', () => {
    const sb = sandbox();
    mkdirSync(join(sb.root, 'web'));
    writeFileSync(join(sb.root, 'notes.txt'), 'a file, not a folder\n');
    writeConfig(sb, { folder: { cli: 'codex', bin: join(sb.root, 'web') } }, { projects: { web: { workdir: 'web' }, notes: { workdir: 'notes.txt' }, gone: { workdir: 'nowhere' } } });
    const r = cli(['doctor', '--json'], { cwd: sb.root, env: { PATH: '/nonexistent' } });
    assert.equal(r.code, 0, r.stderr);
    const exists = Object.fromEntries(r.json.projects.map((p: { project: string; exists: boolean }) => [p.project, p.exists]));
    assert.deepEqual(exists, { web: true, notes: false, gone: false });
    const text = cli(['doctor'], { cwd: sb.root, env: { PATH: '/nonexistent' } });
    assert.match(text.stdout, /^ {2}notes +not a folder {2}\S+notes\.txt$/m, text.stdout);
    assert.match(text.stdout, /^ {2}gone +missing {2}/m);
    assert.match(text.stdout, /^ {2}web +ok {2}/m);
    // A bin that is a path (here a folder) is not looked up on PATH: the line says what is wrong with it.
    assert.match(text.stdout, /^ {2}codex +\S+\/web: no executable file there$/m);
    assert.match(text.stdout, /^ {2}folder +codex +cannot run: \S+\/web is no executable file$/m);
  });

  test('lists each CLI once and prints every profile\'s permission mode', () => {
    const sb = sandbox();
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "2.1.197 (Claude Code)"\n');
    chmodSync(join(bin, 'claude'), 0o755);
    writeConfig(sb, {
      claude: { cli: 'claude' },
      opus: { cli: 'claude', bin: join(bin, 'claude'), permissions: 'bypass' },
      plain: { cli: 'claude', bin: 'claude', args: ['--permission-mode', 'plan'] },
    });
    const r = cli(['doctor', '--json'], { cwd: sb.root, env: { PATH: bin } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.clis.filter((c: { cli: string }) => c.cli === 'claude').length, 1, JSON.stringify(r.json.clis));
    const perms = Object.fromEntries(r.json.profiles.map((p: { name: string; permissions: string }) => [p.name, p.permissions]));
    assert.deepEqual(perms, {
      claude: 'acceptEdits (default): --permission-mode acceptEdits',
      opus: 'bypass: --permission-mode bypassPermissions',
      plain: 'set by args (--permission-mode)',
    });
    const text = cli(['doctor'], { cwd: sb.root, env: { PATH: bin } });
    assert.equal(text.stdout.match(/^ {2}claude +\//gm)?.length, 1, text.stdout);
    assert.match(text.stdout, /permissions bypass: --permission-mode bypassPermissions/);
  });

  test('init enables the CLIs on PATH without bypass and prints each profile\'s permission mode', () => {
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    for (const name of ['claude', 'codex', 'gemini', 'qwen']) {
      writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, name), 0o755);
    }
    const r = cli(['init', '--dir', tempDir(), '--json'], { cwd: tempDir(), env: { PATH: bin } });
    assert.equal(r.code, 0, r.stderr);
    const perms = Object.fromEntries(r.json.profiles.map((p: { name: string; permissions: string }) => [p.name, p.permissions]));
    assert.deepEqual(perms, {
      claude: 'acceptEdits: --permission-mode acceptEdits',
      codex: 'acceptEdits: -s workspace-write',
      gemini: 'acceptEdits: --approval-mode auto_edit',
      qwen: 'acceptEdits: --approval-mode auto-edit',
    });
    const text = cli(['init', '--dir', tempDir()], { cwd: tempDir(), env: { PATH: bin } });
    assert.match(text.stdout, /^agent profile claude \(claude\): permissions acceptEdits: --permission-mode acceptEdits$/m);
  });
});
