// Model routing: the model a run uses (rules, then the profile's models by complexity, then its model), passed to
// the CLI the adapter's way (--model) and recorded on the run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chooseModel } from '../src/core/routing.js';
import { addTask, claimTask, proposeTask } from '../src/ops/index.js';
import { workRun } from '../src/runner/work.js';
import { cli } from './support/helpers.js';
import { configOf, depsOf, fakeProfile, now, runOf, sandbox } from './support/runner.js';

const task = (over: Record<string, unknown> = {}) => ({ type: 'code', project: 'web', priority: 50, ...over });

describe('chooseModel (pure)', () => {
  const profile = { model: 'sonnet', models: { low: 'haiku', high: 'opus' } };
  test('by complexity; unset is normal; a complexity not listed uses model; no model at all is the CLI’s own', () => {
    assert.equal(chooseModel('coder', profile, task({ complexity: 'low' })), 'haiku');
    assert.equal(chooseModel('coder', profile, task({ complexity: 'high' })), 'opus');
    assert.equal(chooseModel('coder', profile, task()), 'sonnet');
    assert.equal(chooseModel('coder', { models: { normal: 'mid' } }, task({ complexity: null })), 'mid');
    assert.equal(chooseModel('coder', {}, task({ complexity: 'high' })), undefined);
  });
  test('rules first, first match wins, every condition must hold', () => {
    const rules = [
      { type: 'review', model: 'haiku-rule' },
      { project: 'web', maxPriority: 10, model: 'urgent-web' },
      { complexity: 'high' as const, profile: 'other', model: 'not-mine' },
    ];
    assert.equal(chooseModel('coder', profile, task({ type: 'review', complexity: 'high' }), rules), 'haiku-rule');
    assert.equal(chooseModel('coder', profile, task({ priority: 10 }), rules), 'urgent-web');
    assert.equal(chooseModel('coder', profile, task({ priority: 11 }), rules), 'sonnet');
    assert.equal(chooseModel('coder', profile, task({ complexity: 'high' }), rules), 'opus', 'a rule for another profile does not apply');
    assert.equal(chooseModel('other', profile, task({ complexity: 'high' }), rules), 'not-mine');
  });
});

describe('routing a real run', () => {
  test('a high-complexity task: the CLI gets --model opus and the run records it', async () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'echo', { model: 'sonnet', models: { low: 'haiku', high: 'opus' } }) });
    addTask(sb.store, { title: 'hard one', complexity: 'high' }, now());
    const claimed = claimTask(sb.store, { agent: 'coder' }, now());
    assert.ok(claimed.task);
    assert.equal(claimed.task.complexity, 'high');
    const r = await workRun(depsOf(sb, config), claimed.run.id);
    assert.equal(r.kind, undefined, JSON.stringify(r));
    const argv = JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[];
    assert.equal(argv[argv.indexOf('--model') + 1], 'opus', argv.join(' '));
    assert.equal(argv.filter((a) => a === '--model').length, 1);
    assert.equal(runOf(sb, claimed.run.id).model, 'opus');
    // The default complexity runs the profile's model.
    addTask(sb.store, { title: 'plain one' }, now());
    const second = claimTask(sb.store, { agent: 'coder' }, now());
    assert.ok(second.task);
    await workRun(depsOf(sb, config), second.run.id);
    assert.equal(runOf(sb, second.run.id).model, 'sonnet');
    sb.store.close();
  });

  test('complexity is task data: add --complexity, a proposal may carry it, a bad value is VALIDATION', () => {
    const sb = sandbox();
    const p = proposeTask(sb.store, { title: 'planned', complexity: 'low' }, now()).proposal;
    assert.ok(p.id > 0);
    sb.store.close();
    // A proposal keeps its complexity (and timeout) and its task gets them when accepted: nothing it carried is dropped.
    const proposed = cli(['propose', '--json', 'planned too', '--complexity', 'high', '--timeout', '120'], { cwd: sb.root });
    assert.equal(proposed.code, 0, proposed.stderr);
    assert.equal(proposed.json.proposal.complexity, 'high');
    assert.equal(proposed.json.proposal.timeout_seconds, 120);
    for (const id of [p.id, proposed.json.proposal.id]) {
      const accepted = cli(['accept', '--json', String(id)], { cwd: sb.root });
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.equal(accepted.json.task.complexity, id === p.id ? 'low' : 'high');
      if (id !== p.id) assert.equal(accepted.json.task.timeout_seconds, 120);
    }
    const added = cli(['add', '--json', 'x', '--complexity', 'high'], { cwd: sb.root });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.json.task.complexity, 'high');
    const bad = cli(['add', 'x', '--complexity', 'huge'], { cwd: sb.root });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error VALIDATION: .*complexity/);
    // edit --complexity changes it (the next run's model); a bad value is refused the same way.
    const edited = cli(['edit', '--json', String(added.json.task.id), '--complexity', 'low'], { cwd: sb.root });
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal(edited.json.task.complexity, 'low');
    const badEdit = cli(['edit', String(added.json.task.id), '--complexity', 'huge'], { cwd: sb.root });
    assert.equal(badEdit.code, 2);
    assert.match(badEdit.stderr, /error VALIDATION: .*complexity/);
  });
});
