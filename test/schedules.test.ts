// Recurring tasks: one task per cron slot whoever ticks, catch-up after a restart, overlap, and the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../src/config/schema.js';
import { cronProblem, MAX_DROPPED_COUNTED, MAX_SLOTS_PER_PASS, planSlots, SLOT_RETENTION_MS, slotsBetween } from '../src/core/schedule.js';
import { addTask, cancelTask, deleteTask, markDone } from '../src/ops/index.js';
import { addSchedule, listSchedules, removeSchedule, runSchedules } from '../src/ops/schedules.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { killChildren, stdoutOf } from './helpers/processes.js';
import { at, cli, tempDir } from './support/helpers.js';

afterEach(killChildren);

const TICKER = fileURLToPath(new URL('./support/schedule-ticker.js', import.meta.url));
const H = 3600_000;
const T0 = Date.parse('2026-01-05T00:00:30Z');

function hourly(extra: Record<string, unknown> = {}): Config {
  return configSchema.parse({ schedules: { audit: { cron: '0 * * * *', tz: 'UTC', title: 'Hourly audit', type: 'ops', ...extra } } });
}

function scheduledTasks(store: Store): Array<{ id: number; key: string; title: string; status: string }> {
  return store.db.prepare(`SELECT id, key, title, status FROM tasks WHERE key LIKE 'schedule:%' ORDER BY key`).all() as Array<{ id: number; key: string; title: string; status: string }>;
}

describe('schedule rules (pure)', () => {
  test('slots in a window, read in the time zone', () => {
    const from = Date.parse('2026-03-01T00:00:00Z');
    const { slots } = slotsBetween('0 6 * * *', 'Europe/Berlin', from, from + 3 * 24 * H);
    assert.deepEqual(slots.map((s) => new Date(s).toISOString()), ['2026-03-01T05:00:00.000Z', '2026-03-02T05:00:00.000Z', '2026-03-03T05:00:00.000Z']);
    const many = slotsBetween('* * * * *', 'UTC', from, from + 24 * H, 10);
    assert.equal(many.slots.length, 10);
    assert.equal(many.dropped, 24 * 60 - 10);
    assert.equal(many.slots.at(-1), from + 24 * H, 'the newest slots are kept');
  });

  test('a schedule far behind is read backwards: every second for 20 days costs the slots kept and the count cap, not 1.7 million steps', () => {
    const until = Date.parse('2026-12-05T12:00:00.500Z');
    const far = slotsBetween('* * * * * *', null, until - 20 * 24 * H, until);
    assert.equal(far.slots.length, MAX_SLOTS_PER_PASS);
    assert.equal(far.slots.at(-1), until - 500, 'the newest slot, at the last whole second');
    assert.equal(far.slots[0], until - 500 - (MAX_SLOTS_PER_PASS - 1) * 1000);
    assert.equal(far.dropped, MAX_DROPPED_COUNTED, 'counted up to the cap');
    // Below the cap the count is exact, and the slots are the ones a forward walk finds (DST in Berlin on the way).
    const berlin = slotsBetween('*/30 * * * *', 'Europe/Berlin', Date.parse('2026-10-20T00:00:00Z'), Date.parse('2026-10-28T00:00:00Z'), 5);
    assert.equal(berlin.dropped, 8 * 48 - 5, 'every half hour of the 8 days, the repeated hour of 25 October included');
    assert.deepEqual(berlin.slots.map((t) => new Date(t).toISOString()), ['2026-10-27T22:00:00.000Z', '2026-10-27T22:30:00.000Z', '2026-10-27T23:00:00.000Z', '2026-10-27T23:30:00.000Z', '2026-10-28T00:00:00.000Z']);
    assert.deepEqual(slotsBetween('0 0 0 1 1 * 2020', null, 0, until), { slots: [Date.parse('2020-01-01T00:00:00Z')].filter((t) => t > until - 31 * 24 * H), dropped: 0 });
  });

  test('catch-up policies split on time from missed', () => {
    const due = [1 * H, 2 * H, 3 * H];
    const now = 3 * H + 10_000;
    assert.deepEqual(planSlots(due, now, 300_000, 'skip'), { create: [3 * H], missed: [H, 2 * H] });
    assert.deepEqual(planSlots(due, now, 300_000, 'once'), { create: [3 * H], missed: [H, 2 * H] });
    assert.deepEqual(planSlots(due, now + H, 300_000, 'skip'), { create: [], missed: due });
    assert.deepEqual(planSlots(due, now + H, 300_000, 'once'), { create: [3 * H], missed: [H, 2 * H] });
    assert.deepEqual(planSlots(due, now + H, 300_000, 'all'), { create: due, missed: [] });
  });

  test('bad patterns and zones are refused with the reason', () => {
    assert.equal(cronProblem('0 6 * * *', 'UTC'), null);
    assert.match(cronProblem('61 * * * *') ?? '', /minute/);
    assert.throws(() => configSchema.parse({ schedules: { x: { cron: 'nope', title: 'x' } } }), /cron/);
    assert.throws(() => configSchema.parse({ schedules: { x: { cron: '0 6 * * *', tz: 'Mars/Olympus', title: 'x' } } }), /time zone/);
  });
});

describe('schedules in the tick', () => {
  for (const [policy, expected] of [['skip', []], ['once', ['04:00']], ['all', ['02:00', '03:00', '04:00']]] as const) {
    test(`a restart that missed three slots, catch_up: ${policy}`, () => {
      const path = join(tempDir(), 'queue.db');
      const config = hourly({ catch_up: policy, overlap: 'allow' });
      let store = openStore(path);
      tickOnce({ store, ctx: at(T0), config }); // first sight: slots count from now
      assert.equal(scheduledTasks(store).length, 0);
      tickOnce({ store, ctx: at(T0 + H), config }); // 01:00:30 — on time
      tickOnce({ store, ctx: at(T0 + H + 5_000), config }); // a second tick in the same slot creates nothing
      assert.deepEqual(scheduledTasks(store).map((t) => t.key), ['schedule:audit:2026-01-05T01:00:00.000Z']);
      store.close();
      // Nothing ran from 01:00:35 until 04:30: slots 02:00, 03:00, 04:00 were missed.
      store = openStore(path);
      const restart = Date.parse('2026-01-05T04:30:00Z');
      const first = tickOnce({ store, ctx: at(restart), config });
      tickOnce({ store, ctx: at(restart + 1000), config });
      store.close();
      store = openStore(path); // and again after another restart: no slot twice
      tickOnce({ store, ctx: at(restart + 2000), config });
      const after = scheduledTasks(store).slice(1).map((t) => t.key.slice(-13, -8));
      assert.deepEqual(after, [...expected]);
      assert.equal(first.scheduled?.missed.audit ?? 0, 3 - expected.length);
      // The next slot is on time again, whatever the policy.
      tickOnce({ store, ctx: at(Date.parse('2026-01-05T05:00:02Z')), config });
      assert.equal(scheduledTasks(store).at(-1)!.key, 'schedule:audit:2026-01-05T05:00:00.000Z');
      assert.equal(scheduledTasks(store).length, 1 + expected.length + 1);
      const task = scheduledTasks(store)[0]!;
      assert.equal(task.title, 'Hourly audit');
      assert.equal(task.status, 'ready');
      store.close();
    });
  }

  test('overlap: skip — no task while the previous one is open; allow — one anyway', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = hourly();
    tickOnce({ store, ctx: at(T0), config });
    tickOnce({ store, ctx: at(T0 + H), config });
    const [first] = scheduledTasks(store);
    const second = tickOnce({ store, ctx: at(T0 + 2 * H), config });
    assert.deepEqual(second.scheduled?.overlapped, [{ schedule: 'audit', slot: '2026-01-05T02:00:00.000Z', open_task: first!.id }]);
    assert.equal(scheduledTasks(store).length, 1);
    markDone(store, { id: first!.id }, at(T0 + 2 * H + 1));
    tickOnce({ store, ctx: at(T0 + 2 * H + 2), config }); // the skipped slot stays skipped
    assert.equal(scheduledTasks(store).length, 1);
    tickOnce({ store, ctx: at(T0 + 3 * H), config });
    assert.equal(scheduledTasks(store).length, 2);
    const allow = hourly({ overlap: 'allow' });
    tickOnce({ store, ctx: at(T0 + 4 * H), config: allow });
    assert.equal(scheduledTasks(store).length, 3, 'overlap: allow creates while #2 is open');
    const [view] = listSchedules(store, config, T0 + 4 * H);
    assert.equal(view!.next, '2026-01-05T05:00:00.000Z');
    assert.equal(view!.open_task, scheduledTasks(store).at(-1)!.id);
    store.close();
  });

  test('a schedule added by command counts slots from when it was added; cancelled tasks do not block', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = configSchema.parse({});
    const s = addSchedule(store, config, { title: 'Daily dependency audit', cron: '0 6 * * *', tz: 'Europe/Berlin' }, at(Date.parse('2026-01-05T12:00:00Z')));
    assert.equal(s.id, 'daily-dependency-audit');
    assert.equal(runSchedules(store, at(Date.parse('2026-01-05T12:00:00Z')), config).created.length, 0);
    const out = runSchedules(store, at(Date.parse('2026-01-06T05:00:10Z')), config);
    assert.deepEqual(out.created.map((c) => c.slot), ['2026-01-06T05:00:00.000Z']);
    cancelTask(store, { id: out.created[0]!.task_id }, at(Date.parse('2026-01-06T06:00:00Z')));
    assert.equal(runSchedules(store, at(Date.parse('2026-01-07T05:00:10Z')), config).created.length, 1);
    store.close();
  });

  test("a schedule removed and added again under its name is a new one: the old one's open task and last slot are not its own", () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = configSchema.parse({});
    const t = Date.parse('2026-01-05T12:00:00Z');
    addSchedule(store, config, { name: 'audit', title: 'Hourly audit', cron: '0 * * * *', tz: 'UTC' }, at(t));
    const [old] = runSchedules(store, at(t + H + 10_000), config).created; // 13:00, left open
    removeSchedule(store, config, 'audit');
    addSchedule(store, config, { name: 'audit', title: 'Daily report', cron: '30 13 * * *', tz: 'UTC' }, at(t + H + 20_000));
    const [view] = listSchedules(store, config, t + H + 30_000);
    assert.deepEqual([view!.title, view!.last, view!.open_task], ['Daily report', null, null], 'nothing of the removed one');
    const out = runSchedules(store, at(Date.parse('2026-01-05T13:30:10Z')), config);
    assert.deepEqual(out.overlapped, [], `#${old!.task_id} of the removed schedule does not hold back the new one's first slot`);
    assert.deepEqual(out.created.map((c) => c.slot), ['2026-01-05T13:30:00.000Z']);
    assert.equal(store.tasks.get(old!.task_id)!.status, 'ready', "the removed schedule's task stays");
    store.close();
  });

  test('schedule rm committed between the pass reading the schedules and making its slot: no task for the removed schedule, no cursor left', () => {
    const path = join(tempDir(), 'queue.db');
    const store = openStore(path);
    const other = openStore(path); // the `steward schedule rm` process
    const config = configSchema.parse({});
    const t = Date.parse('2026-01-05T12:00:00Z');
    addSchedule(store, config, { name: 'audit', title: 'Hourly audit', cron: '0 * * * *', tz: 'UTC', overlap: 'allow' }, at(t));
    // The pass reads the schedules; rm commits right after that read, before the schedule's own transaction.
    const all = store.schedules.all.bind(store.schedules);
    store.schedules.all = () => {
      const rows = all();
      store.schedules.all = all;
      removeSchedule(other, config, 'audit');
      return rows;
    };
    const out = runSchedules(store, at(t + H + 10_000), config);
    assert.deepEqual(out.created, [], 'no slot of a removed schedule becomes a task');
    assert.deepEqual(scheduledTasks(store), []);
    assert.equal(store.schedules.cursor('audit'), undefined, 'the removed schedule has no cursor again');
    assert.equal((store.db.prepare(`SELECT COUNT(*) AS n FROM schedule_slots`).get() as { n: number }).n, 0);
    other.close();
    store.close();
  });

  test('old slot rows are pruned (not the newest, not an open task\'s), and no slot fires twice across the pruning', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const daily = (extra: Record<string, unknown> = {}) =>
      configSchema.parse({ schedules: { nightly: { cron: '0 6 * * *', tz: 'UTC', title: 'Nightly', overlap: 'allow', catch_up: 'skip', ...extra } } });
    const rows = () => (store.db.prepare(`SELECT slot, task_id FROM schedule_slots WHERE schedule_id = 'nightly' ORDER BY slot`).all() as Array<{ slot: number; task_id: number }>);
    const day0 = Date.parse('2026-01-01T06:00:10Z');
    tickOnce({ store, ctx: at(day0 - 60_000), config: daily() }); // first sight
    let held = 0;
    for (let d = 0; d < 60; d++) {
      const out = runSchedules(store, at(day0 + d * 24 * H), daily());
      assert.equal(out.created.length, 1, `day ${d}: one task`);
      if (d === 2) held = out.created[0]!.task_id; // left open
      else markDone(store, { id: out.created[0]!.task_id }, at(day0 + d * 24 * H + 1));
    }
    const now = day0 + 59 * 24 * H;
    const kept = rows();
    const retained = kept.filter((r) => r.slot >= now - SLOT_RETENTION_MS);
    assert.ok(retained.length >= 30, 'the look-back and its margin stay');
    assert.deepEqual(kept.filter((r) => r.slot < now - SLOT_RETENTION_MS).map((r) => r.task_id), [held], 'older rows went, but the open task\'s');
    assert.equal(kept.length, retained.length + 1);
    // The open task still holds back a slot under overlap: skip, whatever the age of its row.
    const skipped = runSchedules(store, at(now + 24 * H), daily({ overlap: 'skip' }));
    assert.deepEqual([skipped.created, skipped.overlapped.map((o) => o.open_task)], [[], [held]]);
    // Fifty days with no tick: the slot rows all pass the retention; the newest stays (list's last), no slot fires twice.
    markDone(store, { id: held }, at(now + 24 * H + 1));
    const overlapped = now + 24 * H - 10_000;
    const later = now + 50 * 24 * H + 6 * H; // noon: the slots since were missed (catch_up: skip)
    assert.deepEqual(runSchedules(store, at(later), daily()).created, []);
    assert.deepEqual(rows().map((r) => r.slot), [overlapped], 'the newest row stays, however old');
    assert.equal(listSchedules(store, daily(), later)[0]!.last?.slot, new Date(overlapped).toISOString());
    const next = runSchedules(store, at(now + 51 * 24 * H), daily());
    assert.equal(next.created.length, 1);
    assert.deepEqual(rows().map((r) => r.slot), [now + 51 * 24 * H - 10_000]);
    runSchedules(store, at(now + 51 * 24 * H + 1000), daily());
    const keys = scheduledTasks(store).map((t) => t.key);
    assert.equal(keys.length, 61);
    assert.equal(new Set(keys).size, keys.length, 'no slot made twice');
    store.close();
  });

  test('a schedule removed and added again after its old slot rows were pruned fires only its own new slots', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = configSchema.parse({});
    const day0 = Date.parse('2026-01-01T06:00:10Z');
    const spec = { name: 'nightly', title: 'Nightly', cron: '0 6 * * *', tz: 'UTC', catch_up: 'all', overlap: 'allow' };
    addSchedule(store, config, spec, at(day0 - 60_000));
    for (let d = 0; d < 45; d++) {
      for (const c of runSchedules(store, at(day0 + d * 24 * H), config).created) markDone(store, { id: c.task_id }, at(day0 + d * 24 * H + 1));
    }
    const now = day0 + 44 * 24 * H;
    const count = () => (store.db.prepare(`SELECT COUNT(*) AS n FROM schedule_slots WHERE schedule_id = 'nightly'`).get() as { n: number }).n;
    assert.ok(count() < 45, 'pruned');
    removeSchedule(store, config, 'nightly');
    addSchedule(store, config, spec, at(now + 1000));
    assert.deepEqual(runSchedules(store, at(now + 2000), config).created, [], 'catch-up all: nothing before the add');
    assert.deepEqual(runSchedules(store, at(now + 24 * H), config).created.map((c) => c.slot), [new Date(now + 24 * H - 10_000).toISOString()]);
    const keys = scheduledTasks(store).map((t) => t.key);
    assert.deepEqual([keys.length, new Set(keys).size], [46, 46]);
    store.close();
  });

  test('a clock that jumped a year ahead and came back: the schedule fires again at its next slot, not a year later', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = hourly({ overlap: 'allow' });
    tickOnce({ store, ctx: at(T0), config });
    const jumped = tickOnce({ store, ctx: at(T0 + 365 * 24 * H), config }); // catch-up once: the newest slot, a year ahead
    assert.deepEqual(jumped.scheduled?.created.map((c) => c.slot), ['2027-01-05T00:00:00.000Z']);
    tickOnce({ store, ctx: at(T0 + 1000), config }); // the clock is put right
    const back = tickOnce({ store, ctx: at(T0 + H), config });
    assert.deepEqual(back.scheduled?.created.map((c) => c.slot), ['2026-01-05T01:00:00.000Z']);
    // A command schedule added while the clock was ahead counts from when the clock is right again, overlap included.
    const added = addSchedule(store, configSchema.parse({}), { name: 'later', title: 'Added ahead', cron: '30 * * * *', tz: 'UTC' }, at(T0 + 30 * 24 * H));
    const plain = configSchema.parse({});
    assert.deepEqual(runSchedules(store, at(T0 + H + 1000), plain).created, []);
    const first = runSchedules(store, at(T0 + H + 30 * 60_000 + 5_000), plain);
    assert.deepEqual(first.created.map((c) => c.slot), ['2026-01-05T01:30:00.000Z']);
    const second = runSchedules(store, at(T0 + 2 * H + 30 * 60_000 + 5_000), plain);
    assert.deepEqual(second.overlapped.map((o) => [o.slot, o.open_task]), [['2026-01-05T02:30:00.000Z', first.created[0]!.task_id]], `${added.id}: overlap: skip holds`);
    // A cursor ahead by less than the grace (a machine a little ahead ticked) is left alone: no slot twice.
    const near = runSchedules(store, at(T0 + 2 * H + 30 * 60_000 + 5_000 - 60_000), plain);
    assert.deepEqual([near.created, near.overlapped], [[], []]);
    store.close();
  });

  test('a schedule whose dependency was deleted is reported and the other schedules still fire', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = configSchema.parse({});
    const t = Date.parse('2026-01-05T12:00:00Z');
    const dep = addTask(store, { title: 'prerequisite' }, at(t)).task;
    addTask(store, { title: 'newer' }, at(t)); // the newest task is not deleted (its id would be reused)
    assert.throws(() => addSchedule(store, config, { title: 'x', cron: '0 * * * *', tz: 'UTC', after: [dep.id + 100] }, at(t)), /NOT_FOUND|does not exist/);
    addSchedule(store, config, { name: 'needs', title: 'Needs the prerequisite', cron: '0 * * * *', tz: 'UTC', after: [dep.id] }, at(t));
    addSchedule(store, config, { name: 'plain', title: 'Plain hourly', cron: '0 * * * *', tz: 'UTC' }, at(t));
    markDone(store, { id: dep.id }, at(t + 1));
    deleteTask(store, { id: dep.id }, at(t + 2));
    const out = tickOnce({ store, ctx: at(t + H + 10_000), config });
    assert.deepEqual(out.scheduled?.created.map((c) => c.schedule), ['plain'], 'the other schedule fired');
    assert.deepEqual(out.scheduled?.errors.map((e) => e.schedule), ['needs']);
    assert.match(out.scheduled!.errors[0]!.error, /dependency #\d+ does not exist/);
    assert.ok((out.errors ?? []).some((e) => e.step === 'schedule needs'), 'the tick reports it');
    assert.equal(scheduledTasks(store).length, 1);
    store.close();
  });

  test('a stored schedule that no longer parses (an import, another system) is reported; the other schedules still fire', () => {
    const store = openStore(join(tempDir(), 'queue.db'));
    const config = configSchema.parse({});
    const t = Date.parse('2026-01-05T12:00:00Z');
    addSchedule(store, config, { name: 'plain', title: 'Plain hourly', cron: '0 * * * *', tz: 'UTC' }, at(t));
    store.tx(() => store.schedules.insert('alien', { cron: '0 * * * *', tz: 'Mars/Olympus', title: 'Alien', catch_up: 'once', overlap: 'skip', grace_seconds: 300 }, 'test', t));
    const out = runSchedules(store, at(t + H + 10_000), config);
    assert.deepEqual(out.created.map((c) => c.schedule), ['plain']);
    assert.deepEqual(out.errors.map((e) => e.schedule), ['alien']);
    assert.match(out.errors[0]!.error, /time zone/);
    store.close();
  });

  test('two ticker processes at once: exactly one task per slot', async () => {
    const dir = tempDir();
    const path = join(dir, 'queue.db');
    openStore(path).close();
    const sync = tempDir();
    const config = { schedules: { often: { cron: '*/5 * * * *', tz: 'UTC', title: 'Every five minutes', overlap: 'allow', catch_up: 'all' } } };
    // 300 ticks a minute apart from each process: 60 slots, each seen by both.
    const start = Date.parse('2026-01-05T00:00:00Z');
    const run = async (name: string): Promise<{ created: number }> => {
      const child = spawn(process.execPath, [TICKER, path, JSON.stringify(config), String(start), '60000', '301', sync, name], { stdio: ['ignore', 'pipe', 'pipe'] });
      return JSON.parse(await stdoutOf(child, `schedule ticker ${name}`));
    };
    const [a, b] = await Promise.all([run('t1'), run('t2')]);
    const store = openStore(path);
    const tasks = scheduledTasks(store);
    assert.equal(tasks.length, 60);
    assert.equal(new Set(tasks.map((t) => t.key)).size, 60);
    assert.equal(a.created + b.created, 60, 'the two processes together created each slot once');
    const slots = store.db.prepare(`SELECT COUNT(*) AS n FROM schedule_slots WHERE schedule_id = 'often' AND outcome = 'created'`).get() as { n: number };
    assert.equal(slots.n, 60);
    store.close();
  });
});

describe('steward schedule (CLI)', () => {
  test('add, list, rm; a bad pattern is a VALIDATION error', () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    const added = cli(['schedule', 'add', '--json', 'Daily dependency audit', '--cron', '0 6 * * *', '--tz', 'Europe/Berlin', '--type', 'ops', '--catch-up', 'skip'], { cwd });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.json.schedule.id, 'daily-dependency-audit');
    assert.equal(added.json.schedule.catch_up, 'skip');
    assert.match(added.json.schedule.next, /T0[45]:00:00\.000Z$/);
    const listed = cli(['schedule', 'list'], { cwd });
    assert.match(listed.stdout, /^daily-dependency-audit {2}"0 6 \* \* \*" Europe\/Berlin {2}Daily dependency audit/);
    // list and rm take none of add's flags: not a filter, not a change, and said so (exit 2).
    const filtered = cli(['schedule', 'list', '--type', 'ops'], { cwd });
    assert.equal(filtered.code, 2, filtered.stdout);
    assert.match(filtered.stderr, /^error USAGE: schedule list takes no --type\n/);
    assert.equal(cli(['schedule', 'rm', 'daily-dependency-audit', '--cron', '0 7 * * *'], { cwd }).code, 2);
    const bad = cli(['schedule', 'add', 'x', '--cron', '99 * * * *'], { cwd });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /error VALIDATION: .*cron.*minute/);
    const past = cli(['schedule', 'add', 'x', '--cron', '0 0 0 1 1 * 2020'], { cwd }); // seconds … year: only in 2020
    assert.equal(past.code, 2, past.stdout);
    assert.match(past.stderr, /error VALIDATION: .*cron.*fires no more/);
    assert.equal(cli(['schedule', 'rm', 'daily-dependency-audit'], { cwd }).code, 0);
    assert.equal(cli(['schedule', 'list'], { cwd }).stdout.trim(), 'no schedules');
    const gone = cli(['schedule', 'rm', 'daily-dependency-audit'], { cwd });
    assert.match(gone.stderr, /error NOT_FOUND/);
  });

  test('a config schedule whose every slot is past loads, and list says it will not fire again', () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    writeFileSync(join(cwd, '.steward', 'config.yaml'), JSON.stringify({ schedules: { launch: { cron: '0 0 9 1 6 * 2020', tz: 'UTC', title: 'Launch day check' } } }));
    const listed = cli(['schedule', 'list'], { cwd });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^launch .* next never \(no slot after now: it will not fire again; remove it from \.steward\/config\.yaml\)/);
    assert.equal(cli(['schedule', 'list', '--json'], { cwd }).json.schedules[0].next, null);
    // One added by command whose last slot has passed since (its year is over).
    const store = openStore(join(cwd, '.steward', 'queue.db'));
    store.tx(() => store.schedules.insert('expo', { cron: '0 0 9 1 6 * 2025', tz: 'UTC', title: 'Expo check', catch_up: 'once', overlap: 'skip', grace_seconds: 300 }, 'test', Date.parse('2025-01-01T00:00:00Z')));
    store.close();
    assert.match(cli(['schedule', 'list'], { cwd }).stdout, /\nexpo .* next never \(no slot after now: it will not fire again; steward schedule rm expo\)/);
  });

  test("a schedule added by command, then named in the config: list shows it hidden, rm removes it (not the config's)", () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    assert.equal(cli(['schedule', 'add', 'Dep audit', '--cron', '0 6 * * *', '--tz', 'UTC'], { cwd }).code, 0);
    writeFileSync(join(cwd, '.steward', 'config.yaml'), JSON.stringify({ schedules: { 'dep-audit': { cron: '0 7 * * *', tz: 'UTC', title: 'Config audit' } } }));
    const listed = cli(['schedule', 'list', '--json'], { cwd });
    assert.deepEqual(listed.json.schedules.map((v: { title: string }) => v.title), ['Config audit']);
    assert.deepEqual(listed.json.shadowed, [{ id: 'dep-audit', title: 'Dep audit' }]);
    assert.match(cli(['schedule', 'list'], { cwd }).stdout, /\ndep-audit {2}Dep audit {2}added by command, hidden by the config's schedule of this name/);
    const rm = cli(['schedule', 'rm', 'dep-audit'], { cwd });
    assert.equal(rm.code, 0, rm.stderr); // it was refused: the hidden one came back the day the config's left
    assert.match(rm.stdout, /the one of \.steward\/config\.yaml stays/);
    const store = openStore(join(cwd, '.steward', 'queue.db'));
    assert.deepEqual([store.schedules.all().length, typeof store.schedules.cursor('dep-audit')], [0, 'number'], "the config's schedule keeps its cursor");
    store.close();
    assert.deepEqual(cli(['schedule', 'list', '--json'], { cwd }).json.shadowed, []);
    assert.match(cli(['schedule', 'rm', 'dep-audit'], { cwd }).stderr, /^error VALIDATION: schedule "dep-audit" is defined in \.steward\/config\.yaml/);
  });

  test('add checks the task its slots will make as steward add does: text no argv can carry is refused, an unknown project warned of', () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    writeFileSync(join(cwd, '.steward', 'config.yaml'), JSON.stringify({ agents: { echo: { cli: 'command', command: ['echo', '{prompt}'] } } }));
    const goal = 'é'.repeat(62_000); // 124 KB: passes as one flag, but leaves the prompt no room in the 128 KiB of one argument
    const refused = cli(['schedule', 'add', 'Too long', '--cron', '0 6 * * *', '--goal', goal], { cwd });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^error VALIDATION: .*128 KiB/);
    assert.equal(cli(['schedule', 'list'], { cwd }).stdout.trim(), 'no schedules', 'nothing stored');
    const warned = cli(['schedule', 'add', '--json', 'Web audit', '--cron', '0 6 * * *', '--project', 'web'], { cwd });
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /^warning: project "web" has no workdir/m);
    assert.match(warned.json.warnings[0], /project "web"/);
  });

  test('add without --tz stores the zone it ran in: a tick in a process of another TZ reads the same slots (one task per slot, not one per zone)', () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    const added = cli(['schedule', 'add', '--json', 'Tokyo morning', '--cron', '0 6 * * *'], { cwd, env: { TZ: 'Asia/Tokyo' } });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.json.schedule.tz, 'Asia/Tokyo');
    const listed = cli(['schedule', 'list', '--json'], { cwd, env: { TZ: 'UTC' } });
    assert.match(listed.json.schedules[0].next, /T21:00:00\.000Z$/, '06:00 in Tokyo, read in a UTC process');
  });

  test('a stored schedule that cannot be read: add still answers its new schedule, list shows the others and names it', () => {
    const cwd = tempDir();
    assert.equal(cli(['init'], { cwd }).code, 0);
    const store = openStore(join(cwd, '.steward', 'queue.db'));
    store.tx(() => store.schedules.insert('alien', { cron: '0 * * * *', tz: 'Mars/Olympus', title: 'Alien', catch_up: 'once', overlap: 'skip', grace_seconds: 300 }, 'test', Date.now()));
    store.close();
    // The add commits; an error here would make the person add it again (a second schedule, audit-2).
    const added = cli(['schedule', 'add', '--json', 'Audit', '--cron', '0 6 * * *', '--tz', 'UTC'], { cwd });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.json.schedule.id, 'audit');
    const listed = cli(['schedule', 'list', '--json'], { cwd });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.json.schedules.map((s: { id: string }) => s.id), ['audit']);
    assert.deepEqual(listed.json.unreadable.map((u: { id: string }) => u.id), ['alien']);
    assert.match(listed.json.unreadable[0].error, /time zone/);
    assert.match(cli(['schedule', 'list'], { cwd }).stdout, /^audit {2}"0 6 \* \* \*" UTC {2}Audit .*\nalien {2}cannot be read \(it never fires; steward schedule rm alien\): /);
  });
});
