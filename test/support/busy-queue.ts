// A busy queue for backup and migrate tests: tasks in every state, runs, audit events, dependencies, chains,
// proposals, a schedule, budgets, idempotency keys, an agent pause, a meta row.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../src/config/schema.js';
import {
  acceptProposal, addSchedule, addTask, archiveTask, cancelTask, claimTask, completeRun, failRun, heartbeatRun, proposeTask, rejectProposal,
} from '../../src/ops/index.js';
import type { Store } from '../../src/store/open-store.js';
import { at } from './helpers.js';

/** A queue with tasks in every state, runs, audit events, dependencies, chains, proposals, a schedule, budgets, keys. */
export function fillBusyQueue(store: Store): void {
  let now = 1_760_000_000_000;
  const ctx = () => at((now += 1000), 'tester');
  const config = defaultConfig();
  // Claimed in this order (same priority, created in order); the rest wait at low priority.
  const first = addTask(store, { title: 'first', key: 'k-first', then: [{ title: 'follow up', priority: 'low' }], max_cost_usd: 1.5, max_turns: 40 }, ctx()).task;
  addTask(store, { title: 'reviewed', review: true, complexity: 'high' }, ctx());
  addTask(store, { title: 'fails', max_attempts: 1 }, ctx());
  addTask(store, { title: 'asks', goal: 'needs a person' }, ctx());
  const running = addTask(store, { title: 'still running' }, ctx()).task;
  addTask(store, { title: 'waits on the running one', after: [running.id], priority: 'low' }, ctx());
  addTask(store, { title: 'cancelled one', priority: 'low' }, ctx());
  addTask(store, { title: 'ready one', project: 'other', verify: ['true'], priority: 'low' }, ctx());
  const claimAndDo = (title: string, fn: (runId: number) => void) => {
    const c = claimTask(store, { agent: 'coder' }, ctx(), { host: 'h', pid: 1 });
    assert.equal(c.task?.title, title);
    if (!c.task) throw new Error('nothing claimed');
    fn(c.run.id);
  };
  claimAndDo('first', (run) => {
    heartbeatRun(store, { run_id: run }, ctx());
    completeRun(store, { run_id: run, summary: 'did it', evidence: { tests: 'ok' }, cost_usd: 0.25, tokens_in: 100, tokens_out: 20 }, ctx());
  });
  claimAndDo('reviewed', (run) => completeRun(store, { run_id: run, summary: 'please look' }, ctx()));
  claimAndDo('fails', (run) => failRun(store, { run_id: run, error: 'broken', kind: 'fatal' }, ctx()));
  claimAndDo('asks', (run) => failRun(store, { run_id: run, error: 'which branch?', kind: 'needs_input' }, ctx()));
  claimAndDo('still running', () => {});
  const all = store.db.prepare('SELECT id, title FROM tasks').all() as Array<{ id: number; title: string }>;
  cancelTask(store, { id: all.find((t) => t.title === 'cancelled one')!.id, reason: 'not needed' }, ctx());
  archiveTask(store, { id: first.id }, ctx());
  const p1 = proposeTask(store, { title: 'an idea', key: 'idea-1' }, ctx()).proposal;
  proposeTask(store, { title: 'an idea again', key: 'idea-1' }, ctx());
  acceptProposal(store, { proposal_id: p1.id }, ctx());
  const p2 = proposeTask(store, { title: 'a bad idea' }, ctx()).proposal;
  rejectProposal(store, { proposal_id: p2.id, reason: 'no' }, ctx());
  proposeTask(store, { title: 'waiting idea', goal: 'for triage' }, ctx());
  addSchedule(store, config, { title: 'nightly', cron: '0 3 * * *' }, ctx());
  store.tx(() => store.meta.set('inbox.seen:abc', '7'));
  store.tx(() => store.db.prepare("INSERT INTO agents (name, paused_until, reason) VALUES ('gemini', ?, 'rate limit')").run(now + 60_000));
}

