// The goal rows of the report divide rates round by round (bench/report.ts pairedRatio), not median by median.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, pairedRatio, times } from '../bench/report.js';

test('pairedRatio: the median of the per-round ratios, each round against its own baseline', () => {
  // The machine ran at full speed in rounds 1 and 3 and at a third of it in round 2, for both subjects alike.
  const a = [100, 60, 210];
  const b = [100, 200, 200];
  assert.equal(pairedRatio(a, b), 1);
  // Medians taken apart pair a's round 1 with b's round 2 or 3: half the rate, a drift the pairing does not see.
  assert.equal(median(a) / median(b), 0.5);
  assert.equal(pairedRatio([50, 100, 200, 400], [100, 200, 400, 800]), 0.5);
  assert.equal(times(pairedRatio([3], [4])), '0.75×');
});

test('pairedRatio: rounds that do not pair up are an error, not a ratio', () => {
  assert.throws(() => pairedRatio([1, 2], [1]), /2 rounds against 1/);
  assert.throws(() => pairedRatio([], []), /0 rounds against 0/);
});
