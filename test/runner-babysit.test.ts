// The babysitter driven in-process against real fake-CLI children and a real SQLite file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getAdapter } from '../src/core/adapters/index.js';
import { cancelTask, taskContext } from '../src/ops/index.js';
import { buildPrompt } from '../src/runner/prompt.js';
import { superviseProcess } from '../src/runner/supervise.js';
import { workRun } from '../src/runner/work.js';
import { openStore } from '../src/store/open-store.js';
import { loadCases, runOutputOf } from './helpers/fixtures.js';
import { isAlive, pidsIn } from './helpers/processes.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakePids, fakeProfile, runOf, sandbox, taskOf, withGrowingTimeout } from './support/runner.js';

const cases = loadCases();

describe('recorded outputs through the real babysitter', () => {
  for (const cli of ['claude', 'codex', 'gemini', 'opencode']) {
    for (const mode of ['success', 'error', 'rate_limit']) {
      test(`${cli} ${mode}`, async () => {
        const sb = sandbox();
        const config = configOf({ coder: fakeProfile(sb, cli, mode) });
        const { task, run } = addAndClaim(sb);
        const before = Date.now();
        const r = await workRun(depsOf(sb, config), run.id);
        const want = getAdapter(cli).parse(runOutputOf(cases[cli]![mode]!));
        const t = taskOf(sb, task.id);
        const rec = runOf(sb, run.id);
        assert.equal(rec.status, 'finished');
        assert.equal(rec.pid, process.pid);
        assert.ok(rec.pgid && rec.pgid !== process.pid, 'the CLI group is recorded');
        assert.equal(rec.log_path, r.log_path);
        assert.ok(readFileSync(r.log_path, 'utf8').includes(runOutputOf(cases[cli]![mode]!).stdout.slice(0, 200)));
        assert.equal(rec.session_id ?? undefined, want.session_id);
        assert.equal(rec.tokens_in ?? undefined, want.tokens_in);
        assert.equal(rec.cost_usd ?? undefined, want.cost_usd);
        if (mode === 'success') {
          assert.deepEqual([r.status, t.status, rec.outcome, rec.exit_code], ['completed', 'done', 'completed', 0]);
          assert.equal(t.result, want.summary);
        } else if (mode === 'error') {
          assert.deepEqual([r.status, t.status, t.attempts, rec.failure_kind], ['failed', 'ready', 1, 'transient']);
          assert.ok(rec.error);
        } else {
          assert.deepEqual([r.status, t.status, t.attempts, rec.failure_kind], ['failed', 'ready', 0, 'rate_limit']);
          const paused = sb.store.agents.pausedUntil('coder');
          const wait = (want.retry_after_seconds ?? 60) * 1000;
          assert.ok(paused >= before + wait && paused <= Date.now() + wait, `paused until ${paused}`);
          assert.equal(t.run_after, paused);
        }
        await assertNothingLeft(sb);
      });
    }
  }
});

describe('misbehaving CLIs', () => {
  test('hang → timeout (a task timeout beats the profile): the group is killed, the task retried with a strike', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'hang', { timeoutSeconds: 600, stallSeconds: 60 }) });
    const { task, run } = addAndClaim(sb, { timeout_seconds: 1 });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['failed', 'timeout', 'ready', 1]);
    assert.match(runOf(sb, run.id).error!, /timed out after 1 s/);
    await assertNothingLeft(sb);
  });

  test('hang → stalled when nothing is printed and no CPU is used for stallSeconds', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'hang', { timeoutSeconds: 600, stallSeconds: 1 }) });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    // Stalled (1 s), not timed out (600 s): the kind says which limit stopped it, whatever the machine's speed.
    assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status], ['failed', 'stalled', 'ready']);
    await assertNothingLeft(sb);
  });

  test('a CLI that keeps printing is not stalled', async () => {
    const sb = sandbox();
    // Runs twice the stall time, printing every 100 ms (a 3 s gap would need a badly starved machine).
    const env = { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '6000' };
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'slow', { stallSeconds: 3, timeoutSeconds: 60 }, env) });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status], ['completed', 'done']);
    assert.match(readFileSync(r.log_path, 'utf8'), /fake-cli: tick 15/);
    await assertNothingLeft(sb);
  });

  test('ignore SIGTERM → SIGKILL after the grace period', async () => {
    // The timeout must fall after the fake installed its handler; on a starved machine node may take longer
    // than the first timeout to start, so the run is repeated with a doubled timeout (bounded by attempts, not time).
    await withGrowingTimeout(async (seconds) => {
      const sb = sandbox();
      const config = configOf({ coder: fakeProfile(sb, 'claude', 'ignore_sigterm', { timeoutSeconds: seconds }) });
      const { run } = addAndClaim(sb);
      const t0 = Date.now();
      const r = await workRun(depsOf(sb, config, { graceMs: 700 }), run.id);
      assert.equal(r.kind, 'timeout');
      await assertNothingLeft(sb);
      if (!/fake-cli: ignoring SIGTERM/.test(readFileSync(r.log_path, 'utf8'))) return false;
      assert.ok(Date.now() - t0 >= seconds * 1000 + 700, 'waited out the grace');
      assert.equal(JSON.parse(JSON.stringify(runOf(sb, run.id).evidence)).signal, 'SIGKILL');
      return true;
    });
  });

  test('grandchildren: the whole process group is killed', async () => {
    await withGrowingTimeout(async (seconds) => {
      const sb = sandbox();
      const config = configOf({ coder: fakeProfile(sb, 'gemini', 'grandchild', { timeoutSeconds: seconds }) });
      const { run } = addAndClaim(sb);
      assert.equal((await workRun(depsOf(sb, config), run.id)).kind, 'timeout');
      await assertNothingLeft(sb);
      // Killed before it had started its grandchild: nothing was proven, go again with a longer timeout.
      const pids = pidsIn(sb.pidFile, 2);
      if (!pids) return false;
      assert.ok(pids.every((pid) => !isAlive(pid)));
      return true;
    });
  });

  for (const how of ['exit', 'kill']) {
    test(`exit mid-stream (${how}) → transient failure, retried`, async () => {
      const sb = sandbox();
      const env: Record<string, string> = how === 'kill' ? { FAKE_MIDSTREAM: 'kill' } : {};
      const config = configOf({ coder: fakeProfile(sb, 'claude', 'midstream', {}, env) });
      const { task, run } = addAndClaim(sb);
      const r = await workRun(depsOf(sb, config), run.id);
      assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['failed', 'transient', 'ready', 1]);
      if (how === 'kill') assert.match(runOf(sb, run.id).error!, /SIGKILL/);
      await assertNothingLeft(sb);
    });
  }

  test('needs_input → the task is blocked with the question', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'needs_input') });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    const want = getAdapter('claude').parse(runOutputOf(cases.claude!.needs_input!));
    const t = taskOf(sb, task.id);
    assert.deepEqual([r.kind, t.status, t.blocked_kind, t.question, t.attempts], ['needs_input', 'blocked', 'question', want.question, 0]);
    await assertNothingLeft(sb);
  });

  test('cancel while running: the group is killed at the next poll and nothing is written', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'opencode', 'grandchild', { timeoutSeconds: 60, stallSeconds: 60 }) });
    const { task, run } = addAndClaim(sb);
    const done = workRun(depsOf(sb, config), run.id);
    await fakePids(sb, 2);
    const other = openStore(sb.ws.dbPath);
    cancelTask(other, { id: task.id, reason: 'changed my mind' }, { now: Date.now(), actor: 'person' });
    const r = await done;
    // Noticed by the poll (the 60 s timeout and stall limits would give 'failed', not 'lease_lost').
    assert.equal(r.status, 'lease_lost');
    const rec = runOf(sb, run.id);
    assert.deepEqual([taskOf(sb, task.id).status, rec.outcome, rec.late], ['cancelled', 'cancelled', null]);
    await assertNothingLeft(sb);
    other.close();
  });

  test('a run cancelled while its CLI was being prepared: the CLI is stopped as it starts, not at the next poll', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'hang', { timeoutSeconds: 5, stallSeconds: 600 }) });
    const { task, run } = addAndClaim(sb);
    const other = openStore(sb.ws.dbPath);
    let ended: string | undefined;
    // The run finishes between the babysitter's start-up checks and the spawn (the race a reap under load opens).
    const supervise: typeof superviseProcess = async (o) => {
      cancelTask(other, { id: task.id, reason: 'gone before the CLI started' }, { now: Date.now(), actor: 'person' });
      const proc = await superviseProcess(o);
      ended = proc.ended;
      return proc;
    };
    // A liveness poll that never comes within the test: only the start-time check can stop the CLI (without it, the
    // 5 s timeout would, and `ended` would say timeout — the check is ordered, not timed: the abort comes at spawn).
    const r = await workRun(depsOf(sb, config, { pollMs: 3_600_000, supervise }), run.id);
    assert.equal(r.status, 'lease_lost');
    assert.equal(ended, 'aborted', 'the hanging CLI was stopped as it started');
    assert.deepEqual([taskOf(sb, task.id).status, runOf(sb, run.id).outcome], ['cancelled', 'cancelled']);
    await assertNothingLeft(sb);
    other.close();
  });

  test('a missing executable fails the task at once (fatal)', async () => {
    const sb = sandbox();
    const config = configOf({ coder: { cli: 'claude', bin: '/nonexistent/claude' } });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.kind, taskOf(sb, task.id).status], ['fatal', 'failed']);
    assert.match(runOf(sb, run.id).error!, /not found/);
  });

  test('own stop signal: the group is killed and the run failed as lost (a strike, retried)', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'hang', { timeoutSeconds: 60, stallSeconds: 60 }) });
    const { task, run } = addAndClaim(sb);
    const stop = new AbortController();
    const done = workRun(depsOf(sb, config, { signal: stop.signal }), run.id);
    await fakePids(sb);
    stop.abort({ kind: 'signal', signal: 'SIGTERM' });
    const r = await done;
    assert.deepEqual([r.status, r.signal, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['interrupted', 'SIGTERM', 'lost', 'ready', 1]);
    await assertNothingLeft(sb);
  });
});

describe('a stop signal after the CLI exited on its own', () => {
  // The signal lands after the CLI ended (while leftovers are killed, say): it stopped nothing.
  const stoppedAfterExit = (stop: AbortController): typeof superviseProcess => async (o) => {
    const r = await superviseProcess(o);
    stop.abort({ kind: 'signal', signal: 'SIGTERM' });
    return r;
  };

  test('the CLI\'s result is recorded, not thrown away as lost', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const { task, run } = addAndClaim(sb);
    const stop = new AbortController();
    const r = await workRun(depsOf(sb, config, { signal: stop.signal, supervise: stoppedAfterExit(stop) }), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status, runOf(sb, run.id).outcome, taskOf(sb, task.id).attempts], ['completed', 'done', 'completed', 0]);
    await assertNothingLeft(sb);
  });

  test('a task with verify commands the stop skipped is lost (never done unverified)', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const { task, run } = addAndClaim(sb, { verify: ['node -e 0'] });
    const stop = new AbortController();
    const r = await workRun(depsOf(sb, config, { signal: stop.signal, supervise: stoppedAfterExit(stop) }), run.id);
    assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status], ['interrupted', 'lost', 'ready']);
    await assertNothingLeft(sb);
  });
});

describe('verify and the prompt', () => {
  test('verify commands run without a shell; exit codes and output tails are the evidence', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const verify = ['node -e "console.log(\'checked\')"', 'echo "$(touch pwned)" `touch pwned2` $HOME'];
    const { task, run } = addAndClaim(sb, { verify });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.status, 'completed');
    const evidence = runOf(sb, run.id).evidence as { verify: Array<{ command: string; exit_code: number; output_tail: string }> };
    assert.deepEqual(evidence.verify.map((v) => [v.command, v.exit_code, v.output_tail]), [
      [verify[0], 0, 'checked'],
      [verify[1], 0, '$(touch pwned) `touch pwned2` $HOME'],
    ]);
    assert.equal(existsSync(`${sb.root}/pwned`) || existsSync(`${sb.root}/pwned2`), false);
    assert.equal(taskOf(sb, task.id).status, 'done');
  });

  test('a failing verify fails the run (transient) and stops at the first failure', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'success') });
    const verify = ['node -e "console.error(\'2 tests failed\'); process.exit(3)"', 'node -e "process.exit(0)"'];
    const { task, run } = addAndClaim(sb, { verify });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status], ['failed', 'transient', 'ready']);
    const rec = runOf(sb, run.id);
    assert.match(rec.error!, /verify failed: `node -e .*` exited with code 3\n2 tests failed/);
    const evidence = rec.evidence as { verify: Array<{ exit_code: number }>; verify_skipped: string[]; summary: string };
    assert.deepEqual([evidence.verify.map((v) => v.exit_code), evidence.verify_skipped], [[3], [verify[1]]]);
    assert.ok(evidence.summary.length > 0, 'the agent summary is kept');
  });

  test('a verify string a shell would expand is refused, not run (a row written before add checked it)', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const { task, run } = addAndClaim(sb, { verify: ['touch ok'] });
    // add refuses it at the door now; a task from an older database can still hold one, and the babysitter refuses it too.
    sb.store.db.prepare('UPDATE tasks SET verify_json = ? WHERE id = ?').run(JSON.stringify(['touch ok', 'echo $(touch pwned)', 'touch after']), task.id);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status], ['failed', 'ready']);
    assert.match(runOf(sb, run.id).error!, /unquoted shell operator "\("/);
    assert.deepEqual(['ok', 'pwned', 'after'].map((f) => existsSync(`${sb.root}/${f}`)), [true, false, false]);
  });

  test('a hostile 100 KB prompt reaches the CLI byte for byte and runs nothing', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'echo') });
    const { hostilePrompt } = await import('./helpers/prompts.js');
    const goal = hostilePrompt().slice(0, 100_000);
    const { task, run } = addAndClaim(sb, { title: 'Fix $(touch pwned) `touch pwned` "q" \'s\'', goal });
    const expected = buildPrompt(taskOf(sb, task.id), taskContext(sb.store, taskOf(sb, task.id)), { workdir: sb.root });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.status, 'completed');
    // Claude takes the prompt on stdin: byte for byte, and not bound by the OS limit on one argument (128 KiB).
    const argv = JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[];
    const fed = readFileSync(`${sb.echoFile}.stdin`, 'utf8');
    assert.deepEqual(argv.slice(0, 2), ['-p', '--output-format']);
    assert.equal(fed, expected);
    assert.ok(fed.includes(goal));
    assert.ok(Buffer.byteLength(fed) > 100_000);
    for (const dir of [sb.root, process.cwd()]) assert.equal(existsSync(`${dir}/pwned`) || existsSync(`${dir}/pwned2`), false);
    await assertNothingLeft(sb);
  });
});
