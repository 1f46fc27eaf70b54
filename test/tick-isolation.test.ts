// One bad item never stops the tick (issue 14 item 3): a step failing on its own I/O is recorded and the tick goes on;
// only the database's own failure stops it. Real files and a real database.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { StewardError } from '../src/core/errors.js';
import { openStore } from '../src/store/open-store.js';
import { digestText } from '../src/tick/digest-text.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { at, tempDir, tempStore } from './support/helpers.js';

describe('tick: per-item isolation', () => {
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
