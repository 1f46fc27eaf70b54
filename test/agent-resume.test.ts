// `steward resume AGENT`: a person ends a rate-limit pause before its time (a wrong reset, or a worker's 7-day one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, tempDir } from './support/helpers.js';

test('resume ends an agent profile\'s pause: it claims again at once; the task its rate limit put back keeps its retry time; the event says who', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  assert.equal(run('add', 'limited').code, 0);
  assert.equal(run('add', 'next one').code, 0);
  const first = run('claim', '--agent', 'coder', '--json');
  assert.equal(first.json.task.title, 'limited');
  // A worker says the account is rate limited for a week.
  assert.equal(run('fail', String(first.json.run.id), '--kind', 'rate_limit', '--retry-after', '604800', '--error', '429').code, 0);
  const held = run('claim', '--agent', 'coder', '--json');
  assert.equal(held.json.task, null);
  assert.match(held.json.paused_until, /^\d{4}-/);
  const r = run('resume', 'coder', '--actor', 'pat', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.agent, 'coder');
  assert.equal(run('status', '--json').json.paused.length, 0);
  const next = run('claim', '--agent', 'coder', '--json');
  assert.equal(next.json.task?.title, 'next one', 'claims again at once (the limited task still waits for its retry)');
  const again = run('resume', 'coder');
  assert.equal(again.code, 4);
  assert.match(again.stderr, /INVALID_TRANSITION: agent profile coder is not paused/);
  assert.equal(run('resume', 'no such name').code, 2, 'a name no profile can have is VALIDATION');
  // The audit row, read the way any backend gives it back (the export: SQLite or Postgres alike).
  const rows = run('export').stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { table?: string; row?: Record<string, unknown> });
  const resumed = rows.filter((l) => l.table === 'events' && l.row?.kind === 'agent_resumed').map((l) => l.row!);
  assert.equal(resumed.length, 1);
  assert.equal(resumed[0]!.actor, 'pat');
  assert.equal(JSON.parse(String(resumed[0]!.data_json)).agent, 'coder');
});
