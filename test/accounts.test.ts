// Quota as a schedule: a rate limit pauses the account (every profile sharing it) until the reset the CLI named,
// fallback profiles take the task instead of it waiting, and maxConcurrent per account caps runs across profiles.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffPolicyOf } from '../src/config/schema.js';
import { parseResetAt } from '../src/core/adapters/signals.js';
import { addTask, claimTask, failRun } from '../src/ops/index.js';
import { dispatchLocal, type StartRequest } from '../src/runner/dispatch.js';
import { workRun } from '../src/runner/work.js';
import { configOf, depsOf, fakeProfile, sandbox, taskOf, type Sandbox } from './support/runner.js';
import type { Config } from '../src/config/schema.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (config: Config, now: number) => ({ now, actor: 'test', random: () => 0.5, backoff: backoffPolicyOf(config) });

function dispatch(sb: Sandbox, config: Config, now: number) {
  const started: StartRequest[] = [];
  const report = dispatchLocal({ store: sb.store, ctx: at(config, now), workspace: sb.ws, config, start: (req) => (started.push(req), 4_000_000 + req.runId), which: (bin) => bin });
  return report.started.map((s) => [s.agent, taskOf(sb, s.task_id).title]);
}

describe('reset times from the CLI’s error', () => {
  test('absolute times: ISO, Unix seconds, a clock time in a zone', () => {
    const now = Date.parse('2026-01-05T09:00:00Z');
    assert.equal(parseResetAt('rate limited: usage limit; resets at 2026-01-05T10:30:00Z', now), 5400);
    assert.equal(parseResetAt('Claude AI usage limit reached|1767605400', now), 1800);
    assert.equal(parseResetAt("5-hour limit reached ∙ resets 3pm (Europe/Berlin)", now), 5 * 3600);
    assert.equal(parseResetAt('limit reached, resets at 08:00', now), 23 * 3600, 'a clock time already past is tomorrow');
    assert.equal(parseResetAt('resets at 2026-01-05T08:00:00Z', now), undefined, 'a reset in the past is no wait');
    assert.equal(parseResetAt('HTTP 429 too many requests', now), undefined);
  });
});

describe('accounts', () => {
  test('two profiles sharing an account both pause on one 429 from the CLI; no strike; a profile of another account runs on', async () => {
    const sb = sandbox();
    const config = configOf({
      sonnet: fakeProfile(sb, 'claude', 'rate_limit', { account: 'max' }, { FAKE_RETRY_AFTER: '600' }),
      opus: fakeProfile(sb, 'claude', 'success', { account: 'max' }),
      gpt: fakeProfile(sb, 'codex', 'success'),
    });
    addTask(sb.store, { title: 'limited', agent: 'sonnet' }, at(config, Date.now()));
    addTask(sb.store, { title: 'other', agent: 'opus' }, at(config, Date.now()));
    const claimed = claimTask(sb.store, { agent: 'sonnet' }, at(config, Date.now()));
    assert.ok(claimed.task);
    const before = Date.now();
    const r = await workRun(depsOf(sb, config), claimed.run.id);
    assert.equal(r.kind, 'rate_limit');
    const paused = sb.store.agents.paused(Date.now());
    assert.deepEqual(paused.map((p) => p.name), ['opus', 'sonnet'], 'the whole account, not only the profile that hit the limit');
    for (const p of paused) {
      assert.ok(p.paused_until >= before + 600_000, 'until the reset the CLI named (Retry-After 600)');
      assert.match(p.reason!, /^account max \(rate limit of sonnet\): rate limited/);
    }
    const other = claimTask(sb.store, { agent: 'opus' }, at(config, Date.now()));
    assert.equal(other.task, null, 'opus takes nothing while its account is paused');
    assert.ok((other as { paused_until?: number }).paused_until! > Date.now());
    const task = taskOf(sb, claimed.task.id);
    assert.deepEqual([task.status, task.attempts], ['ready', 0], 'a paused account’s work is not a failure');
    assert.equal(sb.store.agents.pausedUntil('gpt'), 0);
    sb.store.close();
  });

  test('"resets at" in the error sets the pause when no Retry-After was given', () => {
    const sb = sandbox();
    const config = configOf({ a: { cli: 'claude', account: 'team' }, b: { cli: 'codex', account: 'team' } });
    addTask(sb.store, { title: 'x' }, at(config, T0));
    const c = claimTask(sb.store, { agent: 'a' }, at(config, T0));
    assert.ok(c.task);
    failRun(sb.store, { run_id: c.run.id, error: 'rate limited: usage limit reached, resets at 2026-01-05T12:00:00Z', kind: 'rate_limit' }, at(config, T0 + 1000));
    assert.equal(sb.store.agents.pausedUntil('a'), Date.parse('2026-01-05T12:00:00Z'));
    assert.equal(sb.store.agents.pausedUntil('b'), Date.parse('2026-01-05T12:00:00Z'));
    assert.equal(taskOf(sb, c.task.id).run_after, Date.parse('2026-01-05T12:00:00Z'), 'no fallback: the task waits for the reset');
    sb.store.close();
  });

  test('fallback: a paused profile’s task goes to the next profile that takes its type, at once', () => {
    const sb = sandbox();
    const config = configOf({
      primary: { cli: 'claude', types: ['code'], fallback: ['docs', 'backup'] },
      docs: { cli: 'gemini', types: ['docs'] },
      backup: { cli: 'codex', types: ['code'] },
    });
    addTask(sb.store, { title: 'fix the parser', agent: 'primary', type: 'code' }, at(config, T0));
    assert.deepEqual(dispatch(sb, config, T0), [['primary', 'fix the parser']]);
    const taskId = sb.store.db.prepare('SELECT id FROM tasks').get() as { id: number };
    const running = sb.store.tasks.get(taskId.id)!;
    failRun(sb.store, { run_id: running.current_run_id!, error: 'rate limited: HTTP 429', kind: 'rate_limit', retry_after: 3600 }, at(config, T0 + 1000));
    assert.equal(sb.store.agents.pausedUntil('primary'), T0 + 1000 + 3_600_000);
    assert.equal(sb.store.agents.pausedUntil('backup'), 0, 'a fallback of another account is not paused');
    assert.equal(taskOf(sb, taskId.id).run_after, T0 + 1000, 'ready at once for a fallback');
    // docs does not take code; backup does.
    assert.deepEqual(dispatch(sb, config, T0 + 2000), [['backup', 'fix the parser']]);
    // Without the pause, backup never takes primary's tasks.
    addTask(sb.store, { title: 'second', agent: 'primary', type: 'code' }, at(config, T0 + 3000));
    assert.deepEqual(dispatch(sb, config, T0 + 3_700_000), [['primary', 'second']]);
    sb.store.close();
  });

  test('maxConcurrent per account caps runs across its profiles', () => {
    const sb = sandbox();
    const config = configOf(
      {
        a: { cli: 'claude', account: 'max', maxConcurrent: 5 },
        b: { cli: 'claude', account: 'max', maxConcurrent: 5 },
        solo: { cli: 'codex', maxConcurrent: 5 },
      },
      { accounts: { max: { maxConcurrent: 3 } }, wip: { global: 20 } },
    );
    for (let i = 0; i < 15; i++) addTask(sb.store, { title: `t${i}` }, at(config, T0));
    const first = dispatch(sb, config, T0);
    const count = (rows: unknown[][], names: string[]) => rows.filter((r) => names.includes(r[0] as string)).length;
    assert.equal(count(first, ['a', 'b']), 3, JSON.stringify(first));
    assert.equal(count(first, ['solo']), 5);
    assert.equal(count(dispatch(sb, config, T0 + 1), ['a', 'b']), 0, 'the runs still running count');
    sb.store.close();
  });
});
