// A process the CLI started in another session (outside its group) but with the run's STEWARD_RUN_ID dies with the run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { processGone } from '../src/runner/process-group.js';
import { workRun } from '../src/runner/work.js';
import { killChildren, pidsIn, tracked } from './helpers/processes.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakeProfile, runOf, sandbox, taskOf } from './support/runner.js';

afterEach(killChildren);

describe('leftovers of a run', () => {
  test('a child in a new session carrying STEWARD_RUN_ID is killed when the run ends; the run still completes', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'escape') });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status, runOf(sb, run.id).outcome], ['completed', 'done', 'completed']);
    const [cli, escaped] = pidsIn(sb.pidFile, 2)!;
    const environ = (() => {
      try {
        return readFileSync(`/proc/${escaped}/environ`, 'latin1');
      } catch {
        return '';
      }
    })();
    assert.ok(processGone(cli!), 'the CLI is gone');
    assert.ok(processGone(escaped!), `the escaped child ${escaped} is gone when workRun returns${environ.includes(`STEWARD_RUN_ID=${run.id}`) ? ' (it carries the run id)' : ''}`);
    assert.match(readFileSync(r.log_path, 'utf8'), /killed 1 leftover process group\(s\) of run 1 after the CLI, outside the CLI's group/);
    await assertNothingLeft(sb);
  });

  test('a child in a new session that keeps the CLI\'s stdout open does not hold the run: it completes and the child is killed', { timeout: 600_000 }, async () => {
    const sb = sandbox();
    // No timeout or stall would end it: only the CLI's exit and its group's end can.
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'escape_stdout', { timeoutSeconds: 3600, stallSeconds: 3600 }) });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status, runOf(sb, run.id).outcome], ['completed', 'done', 'completed']);
    const [, escaped] = pidsIn(sb.pidFile, 2)!;
    assert.ok(processGone(escaped!), `the escaped child ${escaped} is gone when workRun returns`);
    // Killed as a leftover, not gone by itself (it ends after two minutes): the log says so, whatever the machine's speed.
    assert.match(readFileSync(r.log_path, 'utf8'), /CLI ended: exit, exit 0[\s\S]*killed 1 leftover process group/);
    await assertNothingLeft(sb);
  });

  test('one that keeps writing to the CLI\'s stdout is let go too, a grace period after the CLI\'s group ended', { timeout: 600_000 }, async () => {
    const sb = sandbox();
    // It writes forever (two minutes at most, so a hung test leaves nothing): the pipes are never quiet. The CLI ends
    // once the child has written its pid from inside its new session: before that, the CLI's end could kill it as a
    // member of the CLI's own group (setsid not run yet), and there would be no leftover to let go.
    const pidFile = join(sb.root, 'escaped.pid');
    // It ignores SIGPIPE: once steward lets go of the pipes its writes fail, and without the trap the first one would end
    // it before the leftover sweep came (a race on a busy machine: the log then had no leftover line).
    const script = `setsid timeout 120 sh -c 'trap "" PIPE; echo $$ > ${pidFile}; while :; do echo escaped; sleep 0.05; done' & while [ ! -s ${pidFile} ]; do sleep 0.05; done; echo the work is done`;
    const config = configOf({ coder: { cli: 'command', command: ['sh', '-c', script, '{prompt}'], timeoutSeconds: 3600, stallSeconds: 3600, leaseSeconds: 30 } });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status], ['completed', 'done']);
    assert.match(readFileSync(r.log_path, 'utf8'), /CLI ended: exit, exit 0[\s\S]*killed 1 leftover process group/);
    await assertNothingLeft(sb);
  });

  test('a silent process the CLI left in its own group holding its stdout does not make the run stalled: the CLI\'s exit ends the run, the process is killed', { timeout: 600_000 }, async () => {
    const sb = sandbox();
    // `server &`: a member of the CLI's group that inherits stdout and prints nothing. The pipe stays open after the CLI
    // exits. It writes a mark if it ever ends by itself (in two minutes), so a run that waited for it shows.
    const mark = join(sb.root, 'ended-by-itself');
    const script = `(sleep 120; echo x > ${mark}) & echo the work is done`;
    const config = configOf({ coder: { cli: 'command', command: ['sh', '-c', script, '{prompt}'], timeoutSeconds: 3600, stallSeconds: 10, leaseSeconds: 30 } });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status, runOf(sb, run.id).outcome], ['completed', 'done', 'completed'], r.error ?? '');
    assert.equal(existsSync(mark), false, 'killed with the CLI\'s group, not waited for');
    assert.match(readFileSync(r.log_path, 'utf8'), /CLI ended: exit, exit 0/);
    await assertNothingLeft(sb);
  });

  test('a process a verify command started in a new session carries the run\'s ids and is killed after the verify commands; the run completes', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const pidFile = join(sb.root, 'verify-escaped.pid');
    // The child writes its pid from inside its new session, and the verify command ends once it has: the child has
    // left the command's group by then. It ends by itself after two minutes, so a failing run leaves nothing for long.
    const script = join(sb.root, 'verify-escape.sh');
    writeFileSync(script, `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 120' </dev/null >/dev/null 2>&1 &\nwhile [ ! -s ${pidFile} ]; do sleep 0.05; done\n`);
    const { task, run } = addAndClaim(sb, { verify: [`sh ${script}`] });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.status, taskOf(sb, task.id).status], ['completed', 'done']);
    const escaped = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(escaped > 0 && processGone(escaped), `the verify command's escaped child ${escaped} is gone when workRun returns`);
    assert.match(readFileSync(r.log_path, 'utf8'), /verify: [\s\S]*killed 1 leftover process group\(s\) of run 1 after the verify commands/);
    await assertNothingLeft(sb);
  });

  test('a leftover of another run (or another workspace) is left alone', async () => {
    const other = sandbox();
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const { run } = addAndClaim(sb);
    // A process of run 1 of another workspace: the same STEWARD_RUN_ID, a different STEWARD_DIR.
    const child = tracked(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      stdio: 'ignore', detached: true, env: { ...process.env, STEWARD_DIR: other.root, STEWARD_RUN_ID: '1', FAKE_PID_FILE: other.pidFile },
    }));
    child.unref();
    try {
      await workRun(depsOf(sb, config), run.id);
      assert.equal(processGone(child.pid!), false, 'a process of another workspace survives');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
