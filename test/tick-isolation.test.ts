// One bad item never stops the tick (issue 14 item 3): a step failing on its own I/O is recorded and the tick goes on;
// only the database's own failure stops it. Real files and a real database.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readBoardFile } from '../src/board/board-file.js';
import { configSchema } from '../src/config/schema.js';
import { StewardError } from '../src/core/errors.js';
import { openStore } from '../src/store/open-store.js';
import { digestText } from '../src/tick/digest-text.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { execFileSyncCapped, fifoWriter } from './helpers/processes.js';
import { at, cli, tempDir, tempStore } from './support/helpers.js';

describe('tick: per-item isolation', () => {
  test('steward render on a TASKS.md that is a folder or a FIFO: VALIDATION (exit 2) naming the file, not INTERNAL', () => {
    const ws = tempDir();
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    rmSync(join(ws, 'TASKS.md'));
    mkdirSync(join(ws, 'TASKS.md'));
    const dir = cli(['render'], { cwd: ws });
    assert.equal(dir.code, 2, dir.stderr);
    assert.match(dir.stderr, /^error VALIDATION: TASKS.md could not be read: EISDIR/);
    rmSync(join(ws, 'TASKS.md'), { recursive: true });
    execFileSyncCapped('mkfifo', [join(ws, 'TASKS.md')]);
    const fifo = cli(['render'], { cwd: ws });
    assert.equal(fifo.code, 2, fifo.stderr);
    assert.match(fifo.stderr, /^error VALIDATION: TASKS.md could not be read: TASKS.md is not a regular file/);
  });

  test('TASKS.md that cannot be read or written: the inbox is still ingested, the failure reported once', () => {
    const root = tempDir();
    const inbox = join(root, '.steward', 'inbox');
    mkdirSync(inbox, { recursive: true });
    const store = openStore(join(root, '.steward', 'queue.db'));
    mkdirSync(join(root, 'TASKS.md')); // a folder where the board should be: EISDIR on read and on rename
    const file = join(inbox, 'a.md');
    writeFileSync(file, '---\ntitle: still ingested\n---\n');
    const t = new Date(Date.now() - 10_000);
    utimesSync(file, t, t);
    const config = configSchema.parse({ dispatch: 'none' });
    const hooks = () => buildTickHooks({ workspace: workspaceAt(root), config });

    const r = tickOnce({ store, ctx: at(Date.now()), config, hooks: hooks() });
    assert.equal(store.proposals.counts().new, 1, 'the inbox step ran');
    assert.deepEqual(readdirSync(join(inbox, 'done')).length, 1);
    assert.deepEqual(r.errors?.map((e) => e.step), ['render']);
    assert.match((r.digest.board as Array<{ reason: string }>)[0]!.reason, /TASKS.md could not be read: EISDIR/);
    assert.equal((r.digest.tick_errors as Array<{ step: string }>)[0]!.step, 'render');
    assert.match(digestText(r.digest), /tick step render failed \(the tick went on/);

    const again = tickOnce({ store, ctx: at(Date.now()), config, hooks: hooks() });
    assert.deepEqual(again.errors?.map((e) => e.step), ['render'], 'still failing, still recorded in the result');
    assert.equal(again.digest.tick_errors, undefined, 'but reported in the digest once');
    assert.equal(again.digest.board, undefined);
  });

  test('TASKS.md that is a FIFO or a device is never opened: the read would block (or never end); the tick goes on', async () => {
    const root = tempDir();
    const inbox = join(root, '.steward', 'inbox');
    mkdirSync(inbox, { recursive: true });
    const store = openStore(join(root, '.steward', 'queue.db'));
    const board = join(root, 'TASKS.md');
    execFileSyncCapped('mkfifo', [board]);
    // A read of the FIFO blocks until a writer opens it: this child is that writer (it opens and closes it until it is
    // killed), so a tick that reads it gets an empty file and this test fails instead of hanging.
    const writer = fifoWriter(board);
    try {
      const file = join(inbox, 'a.md');
      writeFileSync(file, '---\ntitle: still ingested\n---\n');
      const t = new Date(Date.now() - 10_000);
      utimesSync(file, t, t);
      const config = configSchema.parse({ dispatch: 'none' });
      const r = tickOnce({ store, ctx: at(Date.now()), config, hooks: buildTickHooks({ workspace: workspaceAt(root), config }) });
      assert.equal(store.proposals.counts().new, 1, 'the inbox step ran');
      assert.deepEqual(r.errors?.map((e) => e.step), ['render']);
      assert.match((r.digest.board as Array<{ reason: string }>)[0]!.reason, /ENOTREG: TASKS.md is not a regular file \(a FIFO, socket or device\)/);
      assert.ok(lstatSync(board).isFIFO(), 'the FIFO is left as it is');
    } finally {
      await writer.stop(); // still waiting for a reader
    }

    const device = join(tempDir(), 'TASKS.md');
    symlinkSync('/dev/null', device); // /dev/zero or /dev/urandom would never end
    assert.throws(() => readBoardFile(device), (e: NodeJS.ErrnoException) => e.code === 'ENOTREG');
  });

  test('a hook throwing a plain error is recorded; the later steps still run', () => {
    const store = tempStore();
    const ran: string[] = [];
    const r = tickOnce({
      store,
      ctx: at(1_000),
      hooks: {
        ingest: () => {
          throw new TypeError('boom in ingest');
        },
        dispatch: () => {
          ran.push('dispatch');
          throw Object.assign(new Error('spawn failed'), { code: 'E2BIG' });
        },
        render: () => {
          ran.push('render');
          return {};
        },
      },
    });
    assert.deepEqual(ran, ['dispatch', 'render']);
    assert.deepEqual(r.errors, [
      { step: 'ingest', error: 'boom in ingest' },
      { step: 'dispatch', error: 'E2BIG: spawn failed' },
    ]);
  });

  test('a failure of the database itself still stops the tick', () => {
    const store = tempStore();
    assert.throws(
      () =>
        tickOnce({
          store,
          ctx: at(1_000),
          hooks: {
            ingest: () => {
              throw new StewardError('UNAVAILABLE', 'the disk is full');
            },
          },
        }),
      /the disk is full/,
    );
  });
});
