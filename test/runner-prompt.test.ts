// The prompt template and the outcome decision: pure functions, checked with plain cases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findQuestion, type Verdict } from '../src/core/adapters/index.js';
import type { Task } from '../src/core/types.js';
import { addTask, answerTask, claimTask, completeRun, failRun, requestChanges, taskContext } from '../src/ops/index.js';
import { decideOutcome, type OutcomeFacts } from '../src/runner/outcome.js';
import { buildPrompt } from '../src/runner/prompt.js';
import type { ProcessResult } from '../src/runner/supervise.js';
import { at, tempStore } from './support/helpers.js';

function claimed(s: ReturnType<typeof tempStore>, now: number): { task: Task; run: { id: number } } {
  const out = claimTask(s, { agent: 'a' }, at(now));
  assert.ok(out.task);
  return out;
}

describe('buildPrompt', () => {
  test('carries title, goal, project, dependency results, earlier errors, feedback, the question and its answer, checks, and the ending', () => {
    const s = tempStore();
    const dep = addTask(s, { title: 'Add the session store', project: 'web' }, at(1)).task;
    const c0 = claimed(s, 2);
    completeRun(s, { run_id: c0.run.id, summary: 'Sessions live in Redis (src/session.ts).' }, at(3));
    const task = addTask(s, { title: 'Fix the login redirect', goal: 'After login, go back to the page the user came from.', project: 'web', after: [dep.id], verify: ['npm test'], review: true }, at(4)).task;
    const c1 = claimed(s, 5);
    failRun(s, { run_id: c1.run.id, error: 'timed out after 1800 s', kind: 'timeout' }, at(6));
    const c2 = claimed(s, 100_000);
    failRun(s, { run_id: c2.run.id, error: 'needs input: keep ?next=?', kind: 'needs_input', question: 'Keep the ?next= parameter name?' }, at(100_001));
    answerTask(s, { id: task.id, text: 'Yes, keep ?next=.' }, at(100_002));
    const c3 = claimed(s, 100_003);
    completeRun(s, { run_id: c3.run.id, summary: 'done' }, at(100_004));
    requestChanges(s, { id: task.id, feedback: 'Also cover the logout redirect.' }, at(100_005));
    const t = s.tasks.get(task.id)!;
    const prompt = buildPrompt(t, taskContext(s, t), { workdir: '/src/web' });
    const expected = [
      `You are a coding agent working on task #${t.id} of project "web" (type code), handed to you by steward.`,
      'Work in this directory: /src/web. This is attempt 2 of at most 3.',
      '',
      `## Task #${t.id}: Fix the login redirect`,
      '',
      'After login, go back to the page the user came from.',
      '',
      '## Results of the tasks this one depends on',
      '',
      `### #${dep.id} Add the session store`,
      'Sessions live in Redis (src/session.ts).',
      '',
      '## Earlier attempts that did not succeed (do not repeat their mistakes)',
      `- run ${c1.run.id} (timeout): timed out after 1800 s`,
      `- run ${c2.run.id} (needs_input): needs input: keep ?next=?`,
      '',
      '## Review feedback on the previous result (address all of it)',
      '',
      'Also cover the logout redirect.',
      '',
      '## A question asked earlier, and the answer',
      '',
      'Question: Keep the ?next= parameter name?',
      'Answer: Yes, keep ?next=.',
      '',
      '## Checks',
      'When you are done, steward runs these commands in the directory above; the task is done only if all of them exit 0:',
      '- npm test',
      '',
      '## When you finish',
      'Do the work without asking for confirmation. End your reply with a short summary of what you did',
      'and how you checked it; it becomes the result of the task.',
      'If you cannot go on without a decision or information from a person, stop and end your reply with one line',
      'of the form `NEEDS_INPUT: <your question>`, e.g. `NEEDS_INPUT: Should the API keep the v1 routes?`',
    ].join('\n');
    assert.equal(prompt, expected);
    assert.equal(findQuestion(prompt), undefined, 'a CLI that echoes the prompt does not look blocked');
  });

  test('a plain first attempt has no empty sections', () => {
    const s = tempStore();
    const t = addTask(s, { title: 'x' }, at(1)).task;
    const prompt = buildPrompt(t as Task, taskContext(s, t), { workdir: '/w' });
    assert.doesNotMatch(prompt, /attempt \d|Results of|Earlier attempts|Review feedback|question asked|## Checks/);
    assert.match(prompt, /## Task #1: x\n\n## When you finish/);
  });
});

describe('decideOutcome', () => {
  const proc = (over: Partial<ProcessResult> = {}): ProcessResult => ({ ended: 'exit', stdout: '', stderr: '', exitCode: 0, signal: null, durationMs: 5, ...over });
  const facts = (p: Partial<ProcessResult>, verdict: Verdict, over: Partial<OutcomeFacts> = {}): OutcomeFacts =>
    ({ process: proc(p), verdict, timeoutMs: 60_000, stallMs: 30_000, logPath: '/l', ...over });
  const kindOf = (f: OutcomeFacts) => {
    const d = decideOutcome(f);
    return d.verb === 'none' ? ['none', d.why] : [d.verb, d.input.kind ?? null];
  };
  const decided = (f: OutcomeFacts) => {
    const d = decideOutcome(f);
    assert.notEqual(d.verb, 'none');
    return d as Exclude<typeof d, { verb: 'none' }>;
  };
  const ok: Verdict = { ok: true, summary: 'did it', cost_usd: 0.1, tokens_in: 5, tokens_out: 2, session_id: 's' };

  test('one row per way a run can end', () => {
    const rows: Array<[OutcomeFacts, unknown[]]> = [
      [facts({}, ok), ['complete', null]],
      [facts({}, { ok: false, summary: '', kind: 'rate_limit', error: 'rate limited', retry_after_seconds: 30 }), ['fail', 'rate_limit']],
      [facts({}, { ok: false, summary: '', kind: 'needs_input', question: 'which?' }), ['fail', 'needs_input']],
      [facts({ exitCode: 1 }, { ok: false, summary: '' }), ['fail', 'transient']],
      [facts({ ended: 'timeout', exitCode: null, signal: 'SIGTERM' }, { ok: false, summary: '' }), ['fail', 'timeout']],
      [facts({ ended: 'stalled', exitCode: null, signal: 'SIGTERM' }, ok), ['fail', 'stalled']],
      [facts({ ended: 'spawn_error', exitCode: null }, { ok: false, summary: '' }), ['fail', 'fatal']],
      // The run stopped being ours: a CLI we stopped produced nothing to write; one that had already exited reports
      // its result, which the store keeps as a late result on the run.
      [facts({ ended: 'aborted', exitCode: null }, ok, { stop: { kind: 'lease_lost', why: 'cancelled' } }), ['none', 'cancelled']],
      [facts({}, ok, { stop: { kind: 'lease_lost', why: 'expired' } }), ['complete', null]],
      [facts({ exitCode: 1 }, { ok: false, summary: '' }, { stop: { kind: 'lease_lost', why: 'expired' } }), ['fail', 'transient']],
      [facts({ ended: 'aborted', exitCode: null }, ok, { stop: { kind: 'signal', signal: 'SIGINT' } }), ['fail', 'lost']],
      // Our own stop signal after the CLI exited on its own stopped nothing, unless a success still needed its verify.
      [facts({}, ok, { stop: { kind: 'signal', signal: 'SIGTERM' } }), ['complete', null]],
      [facts({ exitCode: 1 }, { ok: false, summary: '' }, { stop: { kind: 'signal', signal: 'SIGTERM' } }), ['fail', 'transient']],
      [facts({}, ok, { stop: { kind: 'signal', signal: 'SIGTERM' }, verifyNeeded: true }), ['fail', 'lost']],
      [facts({}, ok, { verify: { ok: false, aborted: false, skipped: [], results: [{ command: 'npm test', exit_code: 1, duration_ms: 1, output_tail: 'boom' }] } }), ['fail', 'transient']],
    ];
    for (const [f, want] of rows) assert.deepEqual(kindOf(f), want, JSON.stringify(f.process) + JSON.stringify(f.stop ?? null));
  });

  test('metrics, retry_after and the question are passed on; evidence names the log', () => {
    const done = decided(facts({}, ok));
    assert.deepEqual(done.input, { summary: 'did it', evidence: { exit_code: 0, duration_ms: 5, log: '/l' }, cost_usd: 0.1, tokens_in: 5, tokens_out: 2, session_id: 's', exit_code: 0 });
    const limited = decided(facts({ exitCode: 1 }, { ok: false, summary: '', kind: 'rate_limit', error: 'slow down', retry_after_seconds: 90 }));
    assert.deepEqual([limited.input.retry_after, limited.input.error], [90, 'slow down']);
    const asked = decided(facts({}, { ok: false, summary: '', kind: 'needs_input', question: 'which db?', error: 'needs input: which db?' }));
    assert.equal(asked.input.question, 'which db?');
  });
});

test('work says once why a run is no longer live, whether the reason is a word or a whole message', async () => {
  const { noLongerLive } = await import('../src/cli/format.js');
  assert.equal(noLongerLive(undefined), 'the run is no longer live (finished)');
  assert.equal(noLongerLive('cancelled'), 'the run is no longer live (cancelled)');
  const message = 'run 7 (task #3) is no longer live (cancelled by human); its outcome is kept on the run';
  assert.equal(noLongerLive(message), message);
  assert.equal(noLongerLive('the run is no longer live (cancelled, superseded or expired)').match(/no longer live/g)!.length, 1);
});
