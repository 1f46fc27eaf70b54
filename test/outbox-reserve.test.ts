// The space reserved for a run's outcome (src/runner/outbox-reserve.ts): an entry written into it is whole JSON, cut
// down to fit however its text encodes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseOutboxEntry, type OutboxEntry } from '../src/runner/outbox.js';
import { OUTBOX_RESERVE_BYTES, reserveOutboxEntry, writeIntoReserve } from '../src/runner/outbox-reserve.js';
import { tempDir } from './support/helpers.js';

test('an outcome whose clipped text is still past the reserve as JSON (control characters: 6 bytes each) is clipped until it fits', () => {
  const dir = tempDir('steward-reserve-');
  // 1,500 escape characters (an agent's colored output) are 9,000 bytes as JSON: past the 8 KiB even when clipped.
  const noisy = '\u001b'.repeat(20_000);
  const entry: OutboxEntry = { version: 1, run_id: 7, task_id: 3, verb: 'fail', input: { error: noisy, kind: 'transient', question: noisy, evidence: { log: noisy } }, decided_at: 1, host: 'h', pid: 1 };
  assert.equal(reserveOutboxEntry(dir, 7), true);
  const path = writeIntoReserve(dir, entry);
  assert.equal(path, join(dir, '7.json'));
  const text = readFileSync(path, 'utf8');
  assert.equal(Buffer.byteLength(text), OUTBOX_RESERVE_BYTES);
  const back = parseOutboxEntry(JSON.parse(text));
  assert.deepEqual([back.run_id, back.verb, back.input.kind], [7, 'fail', 'transient']);
  assert.match(String(back.input.error), /^\u001b+…$/);
});
