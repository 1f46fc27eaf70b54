// Qwen Code retrying a 429 or a 500 prints nothing after its init event; its retry lines go only to its session's debug
// log. Through the real babysitter (fake CLI replaying the real 0.15.10 stdout and debug logs, a real SQLite file):
// stopped as stalled, the task is paused without a strike for a 429 and takes a transient strike for a 500; without
// the log it is a plain stall, as before.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakeProfile, runOf, sandbox, taskOf } from './support/runner.js';

async function qwenRetrying(scenario: 'e429' | 'e500', debugLog: string | undefined, env: Record<string, string> = {}) {
  const sb = sandbox();
  const home = join(sb.root, 'home');
  const fake = { FAKE_STDOUT: `real/qwen-0.15.10-${scenario}.stdout`, HOME: home, ...(debugLog ? { FAKE_DEBUG_LOG: debugLog } : {}), ...env };
  // The adapter's start-up allowance (120 s) covers the fake's start on a loaded machine; after its init event the
  // stall clock (1 s) runs.
  const config = configOf({ coder: fakeProfile(sb, 'qwen', 'debug_log', { timeoutSeconds: 600, stallSeconds: 1 }, fake) });
  const { task, run } = addAndClaim(sb);
  const r = await workRun(depsOf(sb, config), run.id);
  const t = taskOf(sb, task.id);
  const rec = runOf(sb, run.id);
  await assertNothingLeft(sb);
  return { kind: r.kind, status: t.status, attempts: t.attempts, error: rec.error ?? '', paused: sb.store.agents.pausedUntil('coder') };
}

test('qwen stalled while its debug log shows 429 retries → rate_limit, no strike, the profile paused', async () => {
  const r = await qwenRetrying('e429', 'real/qwen-0.15.10-e429.debug.txt');
  assert.deepEqual([r.kind, r.status, r.attempts], ['rate_limit', 'ready', 0]);
  assert.match(r.error, /while the CLI retried HTTP 429/);
  assert.ok(r.paused > 0);
});

test('qwen stalled while its debug log shows 500 retries (0.24.4 log) → transient naming the 500, one strike', async () => {
  const r = await qwenRetrying('e500', 'real/qwen-0.24.4-e500.debug.txt');
  assert.deepEqual([r.kind, r.status, r.attempts], ['transient', 'ready', 1]);
  assert.match(r.error, /while the CLI retried HTTP 500/);
});

test('qwen stalled with no debug log → a plain stall; a log under a relative QWEN_RUNTIME_DIR is found there', async () => {
  const none = await qwenRetrying('e429', undefined);
  assert.deepEqual([none.kind, none.attempts], ['stalled', 1]);
  // The fake writes the log under QWEN_RUNTIME_DIR when set (relative: from its cwd); steward reads it there too.
  const moved = await qwenRetrying('e429', 'real/qwen-0.15.10-e429.debug.txt', { QWEN_RUNTIME_DIR: 'qwen-rt' });
  assert.equal(moved.kind, 'rate_limit');
});
