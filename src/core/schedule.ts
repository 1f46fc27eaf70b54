// Recurring tasks as pure rules: which cron slots fall in a window, and which of them become tasks.
// croner reads the cron pattern and time zone (only this file imports it); no I/O here.
import { Cron } from 'croner';

/** What to do with slots that passed while nothing ticked: skip them, run the latest once, or run them all. */
export const CATCH_UP_POLICIES = ['skip', 'once', 'all'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

/** skip: a slot whose previous task (of the same schedule) is still open creates nothing; allow: it creates one anyway. */
export const OVERLAP_POLICIES = ['skip', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** How far back a schedule looks for missed slots (a workspace stopped for longer catches up on this window only). */
export const CATCH_UP_WINDOW_MS = 31 * 24 * 3600 * 1000;
/**
 * How long a handled slot's row is kept: the look-back plus a week. A pass only reads slots after the cursor and within
 * the look-back, so older rows serve no dedupe; a schedule's newest row (its `last`) and the rows of its tasks still
 * open (which hold back its slots under overlap: skip) are kept whatever their age.
 */
export const SLOT_RETENTION_MS = CATCH_UP_WINDOW_MS + 7 * 24 * 3600 * 1000;
/** Most old slot rows of one schedule one pass deletes (a backlog goes over a few passes, each transaction short). */
export const SLOT_PRUNE_BATCH = 2000;
/** Most slots one pass reads; `all` creates at most this many tasks for one schedule. */
export const MAX_SLOTS_PER_PASS = 100;

function cronOf(cron: string, tz: string | null | undefined): Cron {
  return new Cron(cron, { paused: true, ...(tz ? { timezone: tz } : {}) });
}

/** Why a cron pattern (with its time zone) is unusable, or null when it is fine. */
export function cronProblem(cron: string, tz?: string | null): string | null {
  try {
    const next = cronOf(cron, tz).nextRun(new Date(0));
    return next ? null : 'the pattern never fires';
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^Cron(Pattern|Date): /, '');
  }
}

/** The first slot strictly after `after` (ms), or null when the pattern fires no more. */
export function nextSlot(cron: string, tz: string | null | undefined, after: number): number | null {
  return cronOf(cron, tz).nextRun(new Date(after))?.getTime() ?? null;
}

/** Most missed slots one pass counts beyond the ones it reads (`dropped` stops there): counting is a walk, slot by slot. */
export const MAX_DROPPED_COUNTED = 10_000;

/**
 * The slots in (after, until], oldest first, at most `max` of them (the newest ones when more fell in the window;
 * `dropped` counts the older ones left out, up to MAX_DROPPED_COUNTED). The window starts no earlier than
 * `until - CATCH_UP_WINDOW_MS`. The newest slots are found reading backwards from `until`, so a schedule far behind
 * (every second, for weeks) costs at most max + MAX_DROPPED_COUNTED steps, not one per slot of the window.
 */
export function slotsBetween(cron: string, tz: string | null | undefined, after: number, until: number, max = MAX_SLOTS_PER_PASS): { slots: number[]; dropped: number } {
  const job = cronOf(cron, tz);
  const start = Math.max(after, until - CATCH_UP_WINDOW_MS);
  let from = start;
  let dropped = 0;
  // Newest first; until + 1 ms, as previousRuns leaves out a run exactly at its reference.
  const newest = job.previousRuns(max + 1, new Date(until + 1)).map((d) => d.getTime()).filter((t) => t > start && t <= until);
  if (newest.length > max) {
    // More than `max` in the window: the oldest of these and every slot before it are dropped; count them.
    from = newest[newest.length - 1]!;
    for (const _ of slotsIn(job, start, from)) if (++dropped === MAX_DROPPED_COUNTED) break;
  }
  const slots: number[] = [];
  for (const slot of slotsIn(job, from, until)) {
    slots.push(slot);
    if (slots.length > max) {
      slots.shift();
      dropped = Math.min(MAX_DROPPED_COUNTED, dropped + 1);
    }
  }
  return { slots, dropped };
}

/** The slots in (after, until], oldest first, read forwards one at a time. */
function* slotsIn(job: Cron, after: number, until: number): Generator<number> {
  let cursor = new Date(after);
  for (;;) {
    const next = job.nextRun(cursor);
    if (!next || next.getTime() > until) return;
    yield next.getTime();
    cursor = next;
  }
}

/** The slots of one pass split by the catch-up policy: the ones that become tasks and the ones skipped as missed. */
export interface SlotPlan {
  create: number[];
  missed: number[];
}

/**
 * Decides which due slots become tasks. A slot is on time when the tick sees it within `graceMs` of its time;
 * older ones were missed while nothing ticked: `skip` drops them, `once` makes one task for the newest of them
 * (none when an on-time slot runs anyway), `all` makes one per missed slot.
 */
export function planSlots(due: readonly number[], now: number, graceMs: number, policy: CatchUpPolicy): SlotPlan {
  const onTime = due.filter((s) => now - s <= graceMs);
  const late = due.filter((s) => now - s > graceMs);
  if (policy === 'all') return { create: [...due], missed: [] };
  if (policy === 'once' && onTime.length === 0 && late.length > 0) return { create: [late[late.length - 1]!], missed: late.slice(0, -1) };
  return { create: onTime, missed: late };
}
