// The chaos run, short: `steward up` and babysitters SIGKILLed at random while flaky agents work 40 tasks;
// every promise still holds (bench/chaos.ts runs the long version: npm run chaos).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, runChaos } from '../bench/chaos.js';

test('chaos: SIGKILLed steward up and babysitters lose nothing, run nothing twice, leave nothing behind', { timeout: 150_000 }, async () => {
  const report = await runChaos({ tasks: 40, seed: 8, durationLimitMs: 120_000, killEveryMs: 2500, wip: 6 });
  const text = formatReport(report);
  assert.ok(report.ok, text);
  assert.equal(report.finished, true, text);
  assert.ok(report.kills.up >= 2, `at least 2 kills of steward up\n${text}`);
  assert.ok(report.kills.babysitter >= 2, `at least 2 kills of babysitters\n${text}`);
  assert.equal((report.tasksByState.done ?? 0) + (report.tasksByState.failed ?? 0), 40, text);
  assert.ok(report.tokens.produced > 0 && report.tokens.missing === 0, text);
  console.log(text);
});
