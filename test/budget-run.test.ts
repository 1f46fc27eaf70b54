// Per-run caps: the real babysitter stops a fake CLI (a real child process) that reports usage mid-stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTask, claimTask, editTask } from '../src/ops/index.js';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakeProfile, now, runOf, sandbox, taskOf } from './support/runner.js';

// The fake's `spend` mode prints usage events forever: only a cap (or the 600 s timeout, a failure here) ends it.
const FOREVER = { timeoutSeconds: 600, stallSeconds: 600 };

describe('run caps stop a CLI that reports usage while it runs', () => {
  test('claude stream-json: maxTokens on the profile → killed, failure kind budget, the task blocked for a person', async () => {
    const sb = sandbox();
    // Each recorded assistant message reports 100 in + 1 out; 1000 tokens are reached on the 10th.
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'spend', { ...FOREVER, maxTokens: 1000 }) });
    const { task, run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config), run.id);
    const t = taskOf(sb, task.id);
    const rec = runOf(sb, run.id);
    assert.deepEqual([r.status, r.kind, rec.failure_kind, t.status, t.attempts], ['failed', 'budget', 'budget', 'blocked', 0]);
    assert.match(t.question!, /^over budget: maxTokens 1,010\/1,000/);
    assert.match(rec.error!, /over budget: maxTokens/);
    // The usage read from the stream is recorded on the run (Claude never printed its result); messages printed
    // between the crossing and the kill count too.
    assert.ok(rec.tokens_in! >= 1000 && rec.tokens_out! >= 10 && rec.turns! >= 10, JSON.stringify(rec));
    await assertNothingLeft(sb);
  });

  test('codex JSONL: a task maxTurns overrides the profile cap', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'spend', { ...FOREVER, maxTurns: 50 }) });
    const { task, run } = addAndClaim(sb, { max_turns: 3 });
    const r = await workRun(depsOf(sb, config), run.id);
    const t = taskOf(sb, task.id);
    assert.deepEqual([r.kind, t.status], ['budget', 'blocked']);
    assert.match(t.question!, /^over budget: maxTurns 3\/3/);
    assert.ok(runOf(sb, run.id).turns! >= 3 && runOf(sb, run.id).tokens_in! >= 300);
    await assertNothingLeft(sb);
  });

  test('opencode: maxCostUsd from the steps it prices', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'opencode', 'spend', FOREVER, { FAKE_STEP_COST: '0.25' }) });
    const { task, run } = addAndClaim(sb, { max_cost_usd: 1 });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.kind, 'budget');
    assert.match(taskOf(sb, task.id).question!, /^over budget: maxCostUsd \$1\.00\/\$1\.00/);
    assert.ok(runOf(sb, run.id).cost_usd! >= 1);
    await assertNothingLeft(sb);
  });

  test('maxMinutes shorter than the timeout: a budget failure, not a timeout strike', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'hang', FOREVER) });
    const { task, run } = addAndClaim(sb, { max_minutes: 0.1 });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.deepEqual([r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['budget', 'blocked', 0]);
    assert.match(taskOf(sb, task.id).question!, /^over budget: maxMinutes/);
    await assertNothingLeft(sb);
  });

  test('a run under its caps completes and records its usage', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'spend', FOREVER, { FAKE_STEPS: '2' }) });
    const { task, run } = addAndClaim(sb, { max_tokens: 5000 });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.status, 'completed');
    const rec = runOf(sb, run.id);
    // The result event's totals (claude-p-json.json) win over the stream's running figures.
    assert.deepEqual([rec.cost_usd, rec.tokens_in, rec.tokens_out, rec.turns], [0.0008, 100, 20, 1]);
    assert.equal(taskOf(sb, task.id).status, 'done');
  });

  test('edit sets and clears a task cap (none); a proposal cannot carry one', async () => {
    const sb = sandbox();
    const { task } = addTask(sb.store, { title: 'capped', max_tokens: 10 }, now());
    assert.deepEqual(sb.store.budgets.forTask(task.id), { max_tokens: 10 });
    editTask(sb.store, { id: task.id, max_tokens: 'none', max_cost_usd: '2.5' }, now());
    assert.deepEqual(sb.store.budgets.forTask(task.id), { max_cost_usd: 2.5 });
    const claimed = claimTask(sb.store, { agent: 'coder' }, now());
    assert.equal(claimed.task?.id, task.id);
    const { proposeTask } = await import('../src/ops/index.js');
    assert.throws(() => proposeTask(sb.store, { title: 'raise it', max_cost_usd: 1000 }, now()), /max_cost_usd/);
  });
});
