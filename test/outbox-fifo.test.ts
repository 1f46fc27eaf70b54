// An outbox entry that is not a regular file (a FIFO a worker agent put in .steward/outbox/) never blocks the tick: it
// is set aside with its reason, like any unreadable entry. A plain read of a FIFO waits for a writer, so the tick — and
// `steward up`, whose tick runs in its event loop — froze for good. A real `steward tick` child, bounded.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { execFileSyncCapped } from './helpers/processes.js';
import { cli, tempDir } from './support/helpers.js';

test('a FIFO named like an outbox entry is rejected with a reason; the tick finishes', () => {
  const ws = tempDir('steward-outbox-fifo-');
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const outbox = join(ws, '.steward/outbox');
  mkdirSync(outbox, { recursive: true });
  execFileSyncCapped('mkfifo', [join(outbox, '7.json')]);
  const r = cli(['tick', '--json'], { cwd: ws, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(outbox, 'rejected/7.json')));
  assert.match(readFileSync(join(outbox, 'rejected/7.json.reason.txt'), 'utf8'), /not a regular file/);
  assert.equal(cli(['tick', '--json'], { cwd: ws, timeoutMs: 60_000 }).code, 0, 'the next tick too');
});
