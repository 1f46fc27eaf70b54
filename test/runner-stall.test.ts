// Stall = no output from a CLI that streams events (Claude stream-json, Codex and opencode JSONL), whatever its CPU does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, assertNothingLeft, configOf, depsOf, fakeProfile, runOf, sandbox, taskOf } from './support/runner.js';

describe('stall detection per adapter', () => {
  for (const cli of ['claude', 'codex', 'opencode']) {
    test(`${cli} (streams events): busy CPU and no output → stalled`, async () => {
      const sb = sandbox();
      const config = configOf({ coder: fakeProfile(sb, cli, 'busy', { timeoutSeconds: 600, stallSeconds: 1 }) });
      const { task, run } = addAndClaim(sb);
      const r = await workRun(depsOf(sb, config), run.id);
      assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status, taskOf(sb, task.id).attempts], ['failed', 'stalled', 'ready', 1]);
      assert.match(runOf(sb, run.id).error!, /^stalled: no output for 1 s/);
      await assertNothingLeft(sb);
    });
  }

});
