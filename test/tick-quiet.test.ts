// The quiet tick (src/tick/quiet-tick.ts, issue 18): `steward tick` on a queue where nothing changed takes the digest
// without loading the full tick (zod, yaml, gray-matter, croner, the runner, git); every kind of change is still taken
// by the next tick, through the full path. Which path a real `steward tick` process took is read from the modules it
// loaded (test/support/modules-loaded.ts): the full tick is src/tick/tick-once.ts.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BOARD_REFRESH_MS, boardFreshUntil, LAST_RENDER_KEY, renderMarkFresh } from '../src/board/board-mark.js';
import { nextSlot } from '../src/core/schedule.js';
import { openStore } from '../src/store/open-store.js';
import { horizonQuiet, SCHEDULE_HORIZON_KEY } from '../src/tick/schedule-horizon.js';
import { TICK_LOCK_KEY } from '../src/tick/tick-lock.js';
import { execFileSyncCapped, fifoWriter } from './helpers/processes.js';
import { onPostgres } from './support/backend.js';
import { cli, snapshot, tempDir } from './support/helpers.js';
import { builtinsOf, modulesLoadedBy, sourcesOf } from './support/modules-loaded.js';

const ENV = { PATH: '' }; // no agent CLI on PATH: dispatch finds none
const FULL_TICK = 'src/tick/tick-once.ts';

function workspace(): string {
  const dir = tempDir();
  assert.equal(cli(['init'], { cwd: dir, env: ENV }).code, 0);
  return dir;
}

function run(dir: string, ...args: string[]) {
  const r = cli(args, { cwd: dir, env: ENV });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** One `steward tick --json` process: its digest, and whether it ran the full tick. */
function tick(dir: string, env: NodeJS.ProcessEnv = {}, ...args: string[]): { digest: Record<string, any>; full: boolean; sources: string[]; builtins: string[] } {
  const r = modulesLoadedBy(dir, ['tick', '--json', ...args], { ...ENV, ...env });
  assert.equal(r.code, 0, r.stdout);
  const sources = sourcesOf(r.modules);
  return { digest: JSON.parse(r.stdout) as Record<string, any>, full: sources.includes(FULL_TICK), sources, builtins: builtinsOf(r.modules) };
}

/** Asserts the next tick is the quiet one. */
function quiet(dir: string): Record<string, any> {
  const t = tick(dir);
  assert.equal(t.full, false, `expected the quiet tick, got the full one: ${JSON.stringify(t.digest)}`);
  return t.digest;
}

function full(dir: string): Record<string, any> {
  const t = tick(dir);
  assert.equal(t.full, true, 'expected the full tick');
  return t.digest;
}

function withStore<T>(dir: string, fn: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(join(dir, '.steward', 'queue.db'), { mustExist: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const HOUR = 3_600_000;

describe('the quiet tick', { skip: onPostgres ? 'a Postgres queue always takes the full tick (its session lock)' : false }, () => {
  test('loads neither zod, yaml, gray-matter, croner, the runner, dispatch, git nor the full tick; prints the digest', () => {
    const dir = workspace();
    run(dir, 'add', 'one');
    const first = tick(dir);
    assert.equal(first.full, true, 'nothing rendered yet: the full tick');
    assert.equal(first.digest.stuck?.[0]?.signal, 'no_agent');
    const t = tick(dir);
    assert.equal(t.full, false);
    assert.deepEqual(t.digest, { quiet: true, counts: { ready: 1 } });
    assert.ok(t.sources.includes('src/tick/quiet-tick.ts'));
    const heavy = /^node_modules\/(zod|yaml|js-yaml|gray-matter|croner|execa|@modelcontextprotocol|pg|pg-[\w-]+)\/|^src\/(runner|git|mcp|up|web)\/|^src\/board\/(?!board-mark\.ts$)|^src\/tick\/(tick-once|run-tick|workspace-tick|hooks|notify)\.ts$|^src\/(core\/(schemas|schedule)|config\/(schema|load-config)|inbox\/(ingest-inbox|parse-inbox-file)|files\/front-matter|ops\/(index|schedules|maintenance))\.ts$/;
    assert.deepEqual(t.sources.filter((m) => heavy.test(m)), []);
    assert.deepEqual(t.builtins.filter((m) => /^(child_process|crypto|net|http|https|tls|dgram|worker_threads|stream)$/.test(m)), []);
    // The text form is the full tick's too.
    assert.equal(run(dir, 'tick').stdout, 'quiet · ready 1\n');
  });

  test('prints and stores what the full tick would: same digest (also for a new reader), same queue afterwards', () => {
    const dir = workspace();
    run(dir, 'add', 'one');
    run(dir, 'add', 'two', '--priority', 'high');
    run(dir, 'propose', 'an idea'); // waits for a decision (cli: manual)
    full(dir);
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    for (const args of [[], ['--reader', 'me'], ['--reader', 'me']]) {
      const a = tick(dir, {}, ...args);
      const b = tick(copy, { STEWARD_QUIET_TICK: '0' }, ...args);
      assert.deepEqual([a.full, b.full], [false, true], args.join(' '));
      assert.deepEqual(a.digest, b.digest, args.join(' '));
    }
    assert.equal(tick(dir, {}, '--reader', 'other').digest.proposals?.[0]?.title, 'an idea', 'a new reader gets the backlog from the quiet tick');
    tick(copy, { STEWARD_QUIET_TICK: '0' }, '--reader', 'other');
    assert.equal(withStore(dir, snapshot), withStore(copy, snapshot));
    assert.equal(readFileSync(join(dir, 'TASKS.md'), 'utf8'), readFileSync(join(copy, 'TASKS.md'), 'utf8'));
  });

  test('each kind of change is taken by the next tick, through the full tick, and the tick after is quiet again', () => {
    const dir = workspace();
    run(dir, 'add', 'one');
    full(dir);
    quiet(dir);

    // An inbox file (nothing in the queue changed).
    const file = join(dir, '.steward', 'inbox', 'idea.md');
    writeFileSync(file, '---\ntitle: Write the docs\n---\nA README.\n');
    utimesSync(file, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    assert.equal(full(dir).proposals?.[0]?.title, 'Write the docs');
    quiet(dir);

    // A TASKS.md edit: #1 ticked done.
    const board = join(dir, 'TASKS.md');
    writeFileSync(board, readFileSync(board, 'utf8').replace('- [ ] #1 ', '- [x] #1 '));
    assert.equal(full(dir).acted?.board_edits, 1);
    assert.equal(run(dir, 'show', '1', '--json').json.task.status, 'done');
    quiet(dir);

    // A ready task and an agent profile in the config (openclaw: handed to the triage agent, nothing started here).
    run(dir, 'add', 'two');
    full(dir);
    quiet(dir);
    const config = join(dir, '.steward', 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^agents:\n/m, 'agents:\n  coder:\n    cli: claude\n').replace(/^dispatch: local$/m, 'dispatch: openclaw'));
    const handed = full(dir);
    assert.equal(handed.dispatch?.[0]?.task_id, 2);
    // No worker started it yet: every tick offers it again (the full tick), until it starts or its lease ends.
    const again = full(dir);
    assert.deepEqual([again.dispatch?.[0]?.run, again.dispatch?.[0]?.reoffered], [handed.dispatch?.[0]?.run, true]);

    // An expired lease (the handed-off run never started): back to ready with no strike, and handed off anew.
    withStore(dir, (s) => s.db.prepare("UPDATE runs SET lease_expires_at = 1 WHERE status = 'running'").run());
    const expired = full(dir);
    assert.equal(expired.acted?.handoffs_expired, 1);
    assert.deepEqual([expired.dispatch?.[0]?.task_id, expired.dispatch?.[0]?.reoffered], [2, undefined]);
    assert.notEqual(expired.dispatch?.[0]?.run, handed.dispatch?.[0]?.run);
    run(dir, 'cancel', '2'); // a hand-off waiting for its worker keeps the tick full

    // A pending task whose retry time passed (nothing the board's change mark sees).
    writeFileSync(config, readFileSync(config, 'utf8').replace('dispatch: openclaw', 'dispatch: none'));
    run(dir, 'add', 'three');
    withStore(dir, (s) => s.db.prepare("UPDATE tasks SET status = 'pending', run_after = ? WHERE title = 'three'").run(Date.now() + HOUR));
    full(dir);
    quiet(dir);
    withStore(dir, (s) => s.db.prepare("UPDATE tasks SET run_after = 0 WHERE title = 'three'").run());
    assert.equal(full(dir).acted?.promoted, 1);
    quiet(dir);

    // A schedule added, then (its cursor and horizon set back 40 days, as if the last tick was then) one due.
    run(dir, 'schedule', 'add', 'monthly report', '--cron', '0 0 1 * *', '--tz', 'UTC');
    full(dir);
    quiet(dir);
    const before = run(dir, 'list', '--json').json.tasks.length as number;
    const then = Date.now() - 40 * 24 * HOUR;
    withStore(dir, (s) => {
      s.db.prepare('UPDATE schedule_cursors SET seen_until = ?').run(then);
      const h = JSON.parse(s.meta.get(SCHEDULE_HORIZON_KEY)!) as { sig: string };
      s.meta.set(SCHEDULE_HORIZON_KEY, JSON.stringify({ sig: h.sig, at: then, next: nextSlot('0 0 1 * *', 'UTC', then) }));
    });
    assert.equal(full(dir).acted?.scheduled, 1);
    assert.equal(run(dir, 'list', '--json').json.tasks.length, before + 1);
    quiet(dir);
  });

  test('a tick held by another live steward is skipped as busy by the quiet tick too', () => {
    const dir = workspace();
    full(dir);
    const until = Date.now() + HOUR;
    const owner = `${hostname()}:${process.pid}:abcd`; // this test process: alive
    withStore(dir, (s) => s.meta.set(TICK_LOCK_KEY, JSON.stringify({ owner, expires_at: until })));
    const t = tick(dir);
    assert.equal(t.full, false);
    assert.deepEqual(t.digest, { skipped: 'busy', quiet: true, holder: owner, until: new Date(until).toISOString() });
  });

  test('a TASKS.md that is not a regular file is never read by the quiet tick: the full tick reports it', async () => {
    const dir = workspace();
    full(dir);
    quiet(dir);
    // A FIFO as long as the last render (an empty one, set here) would be read, and the read blocks until a writer
    // comes: this child is that writer (it opens and closes it until killed), so a quiet tick that reads it sees ''
    // and stays quiet instead of hanging.
    withStore(dir, (s) => s.meta.set(LAST_RENDER_KEY, ''));
    const board = join(dir, 'TASKS.md');
    rmSync(board);
    execFileSyncCapped('mkfifo', [board]);
    const writer = fifoWriter(board);
    try {
      const t = tick(dir);
      assert.equal(t.full, true, `expected the full tick: ${JSON.stringify(t.digest)}`);
      assert.match(JSON.stringify(t.digest.board), /ENOTREG/);
    } finally {
      await writer.stop();
    }
  });
});

describe('the board and schedule marks the quiet tick reads', () => {
  test('boardFreshUntil: a running task ages every minute, a retry at its time and a day before, a pause at its end; else never', () => {
    const now = 1_000_000_000;
    assert.equal(boardFreshUntil([{ status: 'ready', run_after: 0 }, { status: 'done', run_after: now + HOUR }], [], now), null);
    assert.equal(boardFreshUntil([{ status: 'running', run_after: 0 }], [], now), now + BOARD_REFRESH_MS);
    assert.equal(boardFreshUntil([{ status: 'pending', run_after: now + HOUR }], [], now), now + HOUR);
    assert.equal(boardFreshUntil([{ status: 'ready', run_after: now + 30 * HOUR }], [], now), now + 6 * HOUR);
    assert.equal(boardFreshUntil([], [now + 5, now - 5], now), now + 5);
  });

  test('renderMarkFresh: same queue mark and done limit, before its time; marks without a time hold a minute', () => {
    const mark = { change: '3:1:2', at: 100, until: null, limit: 10 };
    assert.equal(renderMarkFresh(mark, '3:1:2', 10, 1e12), true);
    assert.equal(renderMarkFresh(mark, '4:1:2', 10, 200), false);
    assert.equal(renderMarkFresh(mark, '3:1:2', 5, 200), false);
    assert.equal(renderMarkFresh({ ...mark, until: 300 }, '3:1:2', 10, 300), false);
    assert.equal(renderMarkFresh({ change: '3:1:2', at: 100, limit: 10 }, '3:1:2', 10, 100 + BOARD_REFRESH_MS - 1), true);
    assert.equal(renderMarkFresh({ change: '3:1:2', at: 100, limit: 10 }, '3:1:2', 10, 100 + BOARD_REFRESH_MS), false);
    assert.equal(renderMarkFresh(null, '3:1:2', 10, 200), false);
  });

  test('horizonQuiet: the same schedules, after the recording and before the next slot', () => {
    const h = JSON.stringify({ sig: 's', at: 100, next: 500 });
    assert.equal(horizonQuiet(h, 's', 499), true);
    assert.equal(horizonQuiet(h, 's', 500), false);
    assert.equal(horizonQuiet(h, 't', 200), false);
    assert.equal(horizonQuiet(h, 's', 99), false);
    assert.equal(horizonQuiet(JSON.stringify({ sig: 's', at: 100, next: null }), 's', 1e12), true);
    assert.equal(horizonQuiet(undefined, 's', 200), false);
    assert.equal(horizonQuiet('{', 's', 200), false);
  });
});
