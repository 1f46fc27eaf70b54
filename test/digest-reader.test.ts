// The digest cursor belongs to a reader: a person's `steward tick --reader me` and `steward up`'s own ticks never
// use up the items the heartbeat (HEARTBEAT.md's `steward tick`, the triage agent) has not seen yet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask, claimTask, failRun } from '../src/ops/index.js';
import { DIGEST_CURSOR_KEY, digestCursorKey, takeDigest } from '../src/tick/digest-store.js';
import { defaultConfig } from '../src/config/schema.js';
import { at, cli, tempDir, tempStore } from './support/helpers.js';

test('each reader is told each item once; the default reader is the heartbeat', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws, env: { PATH: '' } });
  assert.equal(run('init').code, 0);
  run('add', 'doomed', '--max-attempts', '1');
  const runId = run('claim', '--agent', 'a', '--json').json.run.id;
  run('fail', String(runId), '--kind', 'fatal', '--error', 'boom');
  const mine = run('tick', '--reader', 'me', '--json');
  assert.equal(mine.code, 0, mine.stderr);
  assert.deepEqual(mine.json.dead.map((d: { title: string }) => d.title), ['doomed']);
  assert.equal(run('tick', '--reader', 'me', '--json').json.quiet, true, 'told once per reader');
  const heartbeat = run('tick', '--json').json;
  assert.deepEqual(heartbeat.dead.map((d: { title: string }) => d.title), ['doomed'], "a person's tick did not use up the heartbeat's item");
  assert.equal(run('tick', '--json').json.quiet, true);
  assert.equal(run('tick', '--reader', 'bad name').code, 2);
});

test('takeDigest keeps one cursor per reader (the heartbeat under the old key)', () => {
  const store = tempStore();
  const config = defaultConfig();
  const t = addTask(store, { title: 'x', max_attempts: 1 }, at(1)).task;
  const c = claimTask(store, { agent: 'a' }, at(2));
  failRun(store, { run_id: c.task ? c.run.id : 0, error: 'e', kind: 'fatal' }, at(3));
  assert.equal(digestCursorKey(), DIGEST_CURSOR_KEY);
  assert.equal(takeDigest(store, 4, config, { reader: 'up' }).quiet, false);
  assert.equal(takeDigest(store, 5, config, { reader: 'up' }).quiet, true);
  assert.equal(store.meta.get(DIGEST_CURSOR_KEY), undefined, "up's ticks leave the heartbeat's cursor alone");
  assert.equal(takeDigest(store, 6, config).quiet, false);
  assert.ok(store.meta.get(DIGEST_CURSOR_KEY));
  assert.ok(t.id);
  store.close();
});
