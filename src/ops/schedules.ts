// Recurring tasks: add, list and remove schedules, and the tick's pass that turns due cron slots into tasks.
import type { Config } from '../config/schema.js';
import { StewardError } from '../core/errors.js';
import { nextSlot, planSlots, SLOT_PRUNE_BATCH, SLOT_RETENTION_MS, slotsBetween } from '../core/schedule.js';
import { scheduleInput, type ScheduleInput } from '../core/schedule-schema.js';
import { parseInput } from '../core/parse-input.js';
import { zName } from '../core/schemas.js';
import type { OpContext, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { isStoreFailure } from '../store/sqlite-errors.js';
import { insertTask } from './create-task.js';

/** A schedule from either place: `config` (the `schedules:` section) or `command` (`steward schedule add`). */
export interface Schedule {
  id: string;
  origin: 'config' | 'command';
  spec: ScheduleInput;
  /** When a command schedule was added (its slots count from then); null for config ones (from their first tick). */
  created_at: number | null;
}

/** What one schedule looks like in `schedule list`. */
export interface ScheduleView {
  id: string;
  origin: 'config' | 'command';
  title: string;
  cron: string;
  tz: string | null;
  catch_up: string;
  overlap: string;
  /** The next slot after now (ISO), or null when the pattern fires no more. */
  next: string | null;
  /** The newest slot handled (ISO), its task and whether it was skipped for an open previous task. */
  last: { slot: string; task_id: number | null; outcome: string } | null;
  /** The open task of this schedule, if any (a new slot is skipped while it is, under overlap: skip). */
  open_task: number | null;
}

/** The idempotency key of the task a schedule's slot creates. */
export function slotKey(id: string, slot: number): string {
  return `schedule:${id}:${new Date(slot).toISOString()}`;
}

/**
 * Every schedule: the config's, then the ones added by command (a command one never shadows a config one). A stored
 * spec that does not parse throws, or, given `unreadable`, is passed to it and left out.
 */
export function allSchedules(store: Store, config: Config, unreadable?: (id: string, err: unknown) => void): Schedule[] {
  const out: Schedule[] = Object.entries(config.schedules).map(([id, spec]) => ({ id, origin: 'config' as const, spec, created_at: null }));
  for (const row of store.schedules.all()) {
    if (Object.hasOwn(config.schedules, row.id)) continue;
    try {
      out.push({ id: row.id, origin: 'command', spec: parseInput(scheduleInput, row.spec, `schedule ${row.id}`), created_at: row.created_at });
    } catch (err) {
      if (!unreadable) throw err;
      unreadable(row.id, err);
    }
  }
  return out;
}

/** A schedule id made from a title: lower-case words joined by dashes. */
function slugOf(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || 'schedule';
}

/** This process's time zone by its IANA name, when Intl knows it as the local time (not for a POSIX TZ like <+03>-3). */
function localZone(now: number): string | undefined {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === 'Etc/Unknown') return undefined;
    const at = new Date(now);
    return at.toLocaleString('en-US', { timeZone: zone }) === at.toLocaleString('en-US') ? zone : undefined;
  } catch {
    return undefined;
  }
}

/** Adds a schedule (by command): validated, named by `name` or after its title; slots count from now. */
export function addSchedule(store: Store, config: Config, input: Record<string, unknown>, ctx: OpContext): Schedule {
  const { name, ...rest } = input;
  const spec = parseInput(scheduleInput, rest, 'schedule');
  // No tz: the zone of the process adding it, stored. Read later in whichever process ticks, a `steward tick` typed
  // in a shell of another TZ than `up`'s would find other slot times, and each would make its own task.
  spec.tz ??= localZone(ctx.now);
  // The schema knows the pattern fires at some time; one whose every slot is past (a year field) would never run.
  if (nextSlot(spec.cron, spec.tz, ctx.now) === null) {
    throw new StewardError('VALIDATION', `invalid schedule: cron: the pattern fires no more after now (got "${spec.cron}")`, { cron: spec.cron });
  }
  const wanted = name === undefined ? undefined : parseInput(zName, name, 'schedule name');
  return store.tx(() => {
    for (const dep of spec.after ?? []) {
      if (!store.tasks.get(dep)) throw new StewardError('NOT_FOUND', `dependency #${dep} does not exist`, { id: dep });
    }
    let id = wanted ?? slugOf(spec.title);
    const taken = (n: string) => Object.hasOwn(config.schedules, n) || store.schedules.get(n) !== undefined;
    if (wanted !== undefined && taken(id)) throw new StewardError('CONFLICT', `a schedule named "${id}" exists already`, { id });
    for (let i = 2; taken(id); i++) id = `${slugOf(spec.title)}-${i}`;
    store.schedules.insert(id, spec as Record<string, unknown>, ctx.actor, ctx.now);
    store.schedules.advance(id, ctx.now);
    return { id, origin: 'command', spec, created_at: ctx.now };
  });
}

/**
 * Removes a schedule added by command (config ones are removed from the config); its tasks stay. One the config's
 * schedule of the same name hides (added before the config named it) is removed too, keeping the cursor the config's
 * one shares: it does not fire while hidden, but would again once the config's left. `shadowed` says which was removed.
 */
export function removeSchedule(store: Store, config: Config, id: string): { shadowed: boolean } {
  const inConfig = Object.hasOwn(config.schedules, id);
  const removed = store.tx(() => store.schedules.remove(id, inConfig));
  if (removed) return { shadowed: inConfig };
  if (inConfig) throw new StewardError('VALIDATION', `schedule "${id}" is defined in .steward/config.yaml: remove it there`, { id });
  throw new StewardError('NOT_FOUND', `no schedule "${id}"`, { id });
}

/** Schedules added by command that the config's schedule of the same name hides (they do not fire meanwhile). */
export function shadowedSchedules(store: Store, config: Config): Array<{ id: string; title: string }> {
  return store
    .read(() => store.schedules.all())
    .filter((r) => Object.hasOwn(config.schedules, r.id))
    .map((r) => ({ id: r.id, title: typeof r.spec.title === 'string' ? r.spec.title : '' }));
}

/**
 * Every schedule with its next slot, its newest handled slot and its open task. A stored schedule that cannot be read
 * (a zone this system lacks, an imported row) is passed to `unreadable` and left out, so one bad row neither hides the
 * others nor fails the `schedule add` that just committed a new one.
 */
export function listSchedules(store: Store, config: Config, now: number, unreadable: (id: string, err: unknown) => void = () => undefined): ScheduleView[] {
  return store.read(() =>
    allSchedules(store, config, unreadable).map((s) => {
      const next = nextSlot(s.spec.cron, s.spec.tz, now);
      const last = store.schedules.last(s.id, s.created_at ?? 0);
      return {
        id: s.id,
        origin: s.origin,
        title: s.spec.title,
        cron: s.spec.cron,
        tz: s.spec.tz ?? null,
        catch_up: s.spec.catch_up,
        overlap: s.spec.overlap,
        next: next === null ? null : new Date(next).toISOString(),
        last: last ? { slot: new Date(last.slot).toISOString(), task_id: last.task_id, outcome: last.outcome } : null,
        open_task: store.schedules.openTask(s.id, s.created_at ?? 0) ?? null,
      };
    }),
  );
}

/** What one schedules pass did. */
export interface SchedulePass {
  /** Tasks created, one per slot. */
  created: Array<{ schedule: string; slot: string; task_id: number }>;
  /** Slots skipped because the schedule's previous task was still open (overlap: skip). */
  overlapped: Array<{ schedule: string; slot: string; open_task: number }>;
  /** Slots missed while nothing ticked that the catch-up policy dropped, per schedule. */
  missed: Record<string, number>;
  /** Schedules that could not be read (a bad stored spec) or could not make their task (a dependency deleted since), with why; the others ran. */
  errors: Array<{ schedule: string; error: string }>;
}

/**
 * Turns due slots into tasks: for each schedule, in one transaction, the slots between its cursor and `now` are
 * planned by its catch-up policy, each created once (the (schedule, slot) row is the idempotency key, so two
 * ticks at once or a tick after a restart never create a slot twice), and the cursor moves to `now`.
 */
export function runSchedules(store: Store, ctx: OpContext, config: Config): SchedulePass {
  const pass: SchedulePass = { created: [], overlapped: [], missed: {}, errors: [] };
  const failed = (schedule: string, err: unknown) => pass.errors.push({ schedule, error: err instanceof Error ? err.message : String(err) });
  let schedules: Schedule[];
  try {
    schedules = store.read(() => allSchedules(store, config, failed));
  } catch (err) {
    failed('*', err);
    return pass;
  }
  for (const s of schedules) {
    // One schedule whose task cannot be made (a dependency deleted since) is reported and left at its cursor, so
    // it tries again next tick; the other schedules run. Only the database's own failure stops the tick. What a
    // schedule did joins the pass once its transaction committed.
    const one: SchedulePass = { created: [], overlapped: [], missed: {}, errors: [] };
    try {
      store.tx(() => passOne(store, ctx, s, one));
    } catch (err) {
      if (isStoreFailure(err)) throw err;
      failed(s.id, err);
      continue;
    }
    pass.created.push(...one.created);
    pass.overlapped.push(...one.overlapped);
    Object.assign(pass.missed, one.missed);
  }
  return pass;
}

function passOne(store: Store, ctx: OpContext, s: Schedule, pass: SchedulePass): void {
  // The schedules were read before this transaction: a command one removed since (`schedule rm` committed in between)
  // makes nothing and gets no cursor back; one added again under its name (another add time) waits for the next pass.
  if (s.origin === 'command' && store.schedules.get(s.id)?.created_at !== s.created_at) return;
  let from = store.schedules.cursor(s.id) ?? s.created_at ?? ctx.now;
  // A cursor later than now by more than the grace: the clock went back (it had jumped ahead, or a machine far ahead
  // ticked). Waiting for the clock to reach it would fire nothing meanwhile; the slots count from now again, as cron
  // does after a large jump back (a slot handled meanwhile keeps its row, so none is made twice).
  if (from - ctx.now > s.spec.grace_seconds * 1000) {
    store.schedules.rewind(s.id, ctx.now);
    from = ctx.now;
  }
  if (ctx.now <= from) {
    store.schedules.advance(s.id, from);
    return;
  }
  const { slots, dropped } = slotsBetween(s.spec.cron, s.spec.tz, from, ctx.now);
  const plan = planSlots(slots, ctx.now, s.spec.grace_seconds * 1000, s.spec.catch_up);
  const missed = plan.missed.length + dropped;
  if (missed > 0) pass.missed[s.id] = missed;
  // Overlap is judged against what was open before this pass: catch-up `all` makes its slots in one go.
  const open = s.spec.overlap === 'skip' ? store.schedules.openTask(s.id, s.created_at ?? 0) : undefined;
  for (const slot of plan.create) {
    if (store.schedules.slot(s.id, slot)) continue;
    const iso = new Date(slot).toISOString();
    if (open !== undefined) {
      store.schedules.addSlot({ schedule_id: s.id, slot, task_id: null, outcome: 'overlap', at: ctx.now });
      pass.overlapped.push({ schedule: s.id, slot: iso, open_task: open });
      continue;
    }
    const task = createSlotTask(store, ctx, s, slot);
    store.schedules.addSlot({ schedule_id: s.id, slot, task_id: task.id, outcome: 'created', at: ctx.now });
    pass.created.push({ schedule: s.id, slot: iso, task_id: task.id });
  }
  // Rows no pass reads again go (a schedule every minute would add half a million a year, and openTask reads them).
  store.schedules.prune(s.id, ctx.now - SLOT_RETENTION_MS, SLOT_PRUNE_BATCH);
  store.schedules.advance(s.id, ctx.now);
}

function createSlotTask(store: Store, ctx: OpContext, s: Schedule, slot: number): Task {
  const key = slotKey(s.id, slot);
  const existing = store.tasks.byKey(key);
  if (existing) return existing;
  const { cron: _c, tz: _t, catch_up: _u, overlap: _o, grace_seconds: _g, ...fields } = s.spec;
  return insertTask(store, { ...fields, key, source: 'schedule' }, ctx);
}
