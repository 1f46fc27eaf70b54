import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Task } from '../../src/core/types.js';
import { formatDuration, taskFact, toBoardTask } from '../../src/board/index.js';

const NOW = Date.UTC(2025, 0, 2, 12, 0, 0);

function task(over: Partial<Task>): Task {
  return {
    id: 12, project: 'web', title: 'Fix it', goal: '', type: 'code', agent: 'coder', priority: 30, status: 'ready',
    after: [], then: [], requires: [], verify: [], review: false, max_attempts: 3, attempts: 0, timeout_seconds: null,
    key: 'k1', source: 'cli', created_by: 'me', result: null, error: null, question: null, answer: null, feedback: null,
    blocked_kind: null, run_after: 0, parent_id: null, proposal_id: null, current_run_id: null, created_at: 0,
    updated_at: NOW - 90_000, finished_at: null, ...over,
  };
}

test('the one fact per state', () => {
  const utc = { timeZone: 'UTC' };
  const cases: [Partial<Task>, Parameters<typeof taskFact>[2], string][] = [
    [{ status: 'running' }, { run: { agent: 'claude-1', started_at: NOW - 12 * 60_000 } }, 'running on claude-1 for 12m'],
    [{ status: 'running' }, {}, 'running on coder for 1m'],
    [{ status: 'ready' }, {}, 'waiting for a worker'],
    [{ status: 'ready', run_after: Date.UTC(2025, 0, 2, 14, 5) }, utc, 'retry at 14:05'],
    [{ status: 'pending', after: [3, 4] }, { openDeps: [4] }, 'waits for #4'],
    [{ status: 'pending', after: [3, 4] }, {}, 'waits for #3, #4'],
    [{ status: 'pending', run_after: Date.UTC(2025, 0, 2, 13, 7) }, utc, 'retry at 13:07'],
    [{ status: 'pending', run_after: Date.UTC(2025, 0, 5, 9, 0) }, utc, 'retry at 2025-01-05 09:00'],
    [{ status: 'pending', run_after: NOW + 60_000 }, { timeZone: 'Not/AZone' }, 'retry at 12:01'],
    [{ status: 'pending' }, {}, 'waiting to be promoted'],
    [{ status: 'review' }, {}, 'awaiting review'],
    [{ status: 'blocked', question: 'Postgres\nor SQLite?' }, {}, 'Postgres or SQLite?'],
    [{ status: 'blocked', blocked_kind: 'dependency' }, {}, 'a dependency failed'],
    [{ status: 'failed', error: '\nexit 1: permission denied\nstack...' }, {}, 'exit 1: permission denied'],
    [{ status: 'failed', error: 'x'.repeat(300) }, {}, `${'x'.repeat(99)}…`],
    [{ status: 'done', result: 'Merged PR #4' }, {}, 'Merged PR #4'],
    [{ status: 'done' }, {}, 'done'],
    [{ status: 'cancelled' }, {}, 'cancelled'],
  ];
  for (const [over, extras, fact] of cases) assert.equal(taskFact(task(over), NOW, extras), fact, JSON.stringify(over));
});

test('durations are short', () => {
  assert.deepEqual([0, 45_000, 12 * 60_000, 3 * 3_600_000 + 5 * 60_000, 52 * 3_600_000, -5, Number.NaN].map(formatDuration), ['0s', '45s', '12m', '3h05m', '2d4h', '0s', '0s']);
});

test('toBoardTask keeps what the board needs', () => {
  assert.deepEqual(toBoardTask(task({ status: 'done', answer: 'yes', finished_at: 7 }), 'ok'), {
    id: 12, project: 'web', title: 'Fix it', priority: 30, type: 'code', agent: 'coder', status: 'done', fact: 'ok', answer: 'yes', key: 'k1', finishedAt: 7,
  });
});
