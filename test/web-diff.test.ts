// The review card on "needs attention" shows the exact diff of a worktree task's branch (issue 19 with issue 20).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskDiff } from '../src/git/diff.js';
import { diffPanel } from '../src/web/view-attention.js';

test('a review shows the branch diff: files with line counts and the patch, escaped; nothing without a branch', () => {
  const d: TaskDiff = {
    task_id: 7, branch: 'steward/7-fix', base: 'main', state: 'open', commits: ['abc123 steward #7 run 3'],
    files: [{ path: 'src/a.ts', added: 3, removed: 1 }, { path: 'logo.png', added: null, removed: null }],
    patch: 'diff --git a/src/a.ts b/src/a.ts\n+<script>alert(1)</script>\n', truncated: true,
  };
  const out = String(diffPanel(d));
  assert.match(out, /diff steward\/7-fix against main: 2 file\(s\), \+3 −1/);
  assert.match(out, /<code>src\/a\.ts<\/code> <span class="muted">\+3 −1/);
  assert.match(out, /<code>logo\.png<\/code> <span class="muted">binary/);
  assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the patch is escaped');
  assert.doesNotMatch(out, /<script>/);
  assert.match(out, /steward diff 7 shows all/);
  assert.equal(String(diffPanel(null)), '');
});
