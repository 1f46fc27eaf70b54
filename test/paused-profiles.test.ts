// A paused profile (rate limit) and a profile whose CLI refuses to start are visible everywhere (issue 15):
// tick (text and JSON), doctor, stats, TASKS.md and /metrics.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBoard } from '../src/board/index.js';
import { renderBoard } from '../src/board/render-board.js';
import { addTask, claimTask, failRun } from '../src/ops/index.js';
import { workRun } from '../src/runner/work.js';
import { digestText } from '../src/tick/digest-text.js';
import { takeDigest } from '../src/tick/digest-store.js';
import { renderMetrics } from '../src/up/metrics.js';
import { readSample } from './helpers/fixtures.js';
import { at, cli } from './support/helpers.js';
import { configOf, depsOf, now, runOf, sandbox, taskOf, writeConfig } from './support/runner.js';

test('a rate-limited profile: paused in the digest, stats, TASKS.md, metrics, doctor and tick', () => {
  const sb = sandbox();
  const config = writeConfig(sb, { coder: { cli: 'claude' }, other: { cli: 'codex' } });
  const t0 = Date.now();
  addTask(sb.store, { title: 'limited', agent: 'coder' }, at(t0));
  const claimed = claimTask(sb.store, { agent: 'coder' }, at(t0));
  assert.ok(claimed.task);
  const run = claimed.run;
  failRun(sb.store, { run_id: run.id, error: 'rate limited: HTTP 429', kind: 'rate_limit', retry_after: 3600 }, at(t0 + 1));
  const until = new Date(t0 + 1 + 3_600_000).toISOString();

  const digest = takeDigest(sb.store, t0 + 2, config);
  assert.deepEqual(digest.paused, [{ agent: 'coder', until, reason: 'rate limited: HTTP 429' }]);
  assert.match(digestText(digest), new RegExp(`paused coder until ${until}`));
  const board = renderBoard([], { now: t0 + 2, paused: sb.store.agents.paused(t0 + 2) });
  assert.match(board, new RegExp(`^> Paused: agent coder until ${until} — rate limited: HTTP 429$`, 'm'));
  const parsed = parseBoard(board);
  assert.deepEqual([parsed.tasks.length, parsed.problems.length, parsed.kept.length], [0, 0, 0], 'the pause line is not read back as anything');
  assert.equal(renderBoard([], { now: t0 + 3_700_000, paused: sb.store.agents.paused(t0 + 2) }).includes('Paused'), false, 'not once it ended');
  const metrics = renderMetrics(sb.store, { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, t0 + 2);
  assert.match(metrics, new RegExp(`^steward_agent_paused_until_seconds\\{agent="coder"\\} ${Math.round((t0 + 1 + 3_600_000) / 1000)}$`, 'm'));
  assert.match(metrics, /^steward_agents_paused 1$/m);
  sb.store.close();

  const env = { PATH: process.env.PATH ?? '' };
  const stats = cli(['stats', '--json'], { cwd: sb.root, env });
  assert.deepEqual(stats.json.paused, [{ agent: 'coder', until, reason: 'rate limited: HTTP 429' }]);
  assert.match(cli(['stats'], { cwd: sb.root, env }).stdout, new RegExp(`^paused +coder until ${until}: rate limited: HTTP 429$`, 'm'));
  const tick = cli(['tick', '--json'], { cwd: sb.root, env });
  assert.equal(tick.code, 0, tick.stderr);
  assert.deepEqual(tick.json.paused, [{ agent: 'coder', until, reason: 'rate limited: HTTP 429' }]);
  assert.match(readFileSync(join(sb.root, 'TASKS.md'), 'utf8'), /^> Paused: agent coder until /m);
  assert.match(cli(['tick'], { cwd: sb.root, env }).stdout, /paused coder until/);
  const doctor = cli(['doctor', '--json', '--timeout', '1'], { cwd: sb.root, env: { PATH: '/nonexistent' } });
  const coder = doctor.json.profiles.find((p: { name: string }) => p.name === 'coder');
  assert.deepEqual(coder.paused, { until, reason: 'rate limited: HTTP 429' });
  assert.equal(doctor.json.profiles.find((p: { name: string }) => p.name === 'other').paused, undefined);
});

test('a CLI that refuses to start: fatal at once (no retry loop), the reason recorded, the profile flagged in doctor and the digest', async () => {
  const sb = sandbox();
  // Claude Code as root without IS_SANDBOX: exit 1, empty stdout, the reason on stderr (as the harness saw it).
  const bin = join(sb.root, 'claude-as-root');
  writeFileSync(bin, `#!/bin/sh\nprintf '%s' '${readSample('real/claude-2.1.197-root-refusal.stderr').trim()}' >&2\nexit 1\n`);
  chmodSync(bin, 0o755);
  const config = writeConfig(sb, { coder: { cli: 'claude', bin, permissions: 'bypass', leaseSeconds: 30 } });
  addTask(sb.store, { title: 'refused' }, now());
  const claimed = claimTask(sb.store, { agent: 'coder', lease_seconds: 30 }, now());
  assert.ok(claimed.task);
  const run = claimed.run;
  const r = await workRun(depsOf(sb, configOf(config.agents as Record<string, unknown>)), run.id);
  assert.equal(r.kind, 'fatal');
  const task = taskOf(sb, r.task_id);
  assert.deepEqual([task.status, task.attempts], ['failed', 1], 'no retry loop');
  assert.match(runOf(sb, run.id).error!, /refused to start \(exit 1, no output\): --dangerously-skip-permissions cannot be used with root/);
  assert.equal((runOf(sb, run.id).evidence as Record<string, unknown>).cause, 'config');
  const digest = takeDigest(sb.store, Date.now(), config);
  const signal = digest.stuck?.find((s) => s.signal === 'misconfigured');
  assert.ok(signal, JSON.stringify(digest));
  assert.match(digestText(digest), /stuck: agent profile coder cannot start its CLI .*root\/sudo/);
  assert.equal(takeDigest(sb.store, Date.now(), config).stuck, undefined, 'reported once');
  sb.store.close();
  const doctor = cli(['doctor', '--json', '--timeout', '1'], { cwd: sb.root, env: { PATH: '/nonexistent' } });
  assert.match(doctor.json.profiles[0].config_error.error, /refused to start/);
  assert.match(cli(['doctor', '--timeout', '1'], { cwd: sb.root, env: { PATH: '/nonexistent' } }).stdout, /CANNOT START since .*refused to start/);
});
