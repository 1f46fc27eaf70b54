// The schedules' horizon: after its schedules step, a full tick records which schedules it saw and the first slot of
// any of them after its time. Until that slot, a tick of the same schedules would create, skip or miss nothing (each
// cursor is at or after the recording tick, and no slot lies between it and now), so the quiet tick
// (quiet-tick.ts) knows it without croner. Any change to the schedules (config or `steward schedule`) changes the
// signature, and the next tick takes the full path.
import type { Config } from '../config/schema.js';
import type { ScheduleRow } from '../store/schedule-repo.js';

/** The meta key of the horizon. */
export const SCHEDULE_HORIZON_KEY = 'tick.schedule_horizon';

/** What a full tick recorded. */
export interface ScheduleHorizon {
  /** scheduleSignature() of the schedules it ran. */
  sig: string;
  /** When it ran (ms). */
  at: number;
  /** The first slot of any schedule strictly after `at`; null when none fires again. */
  next: number | null;
}

/** Every input of the schedules step besides the clock and the cursors: the config's schedules and the stored ones. */
export function scheduleSignature(config: Pick<Config, 'schedules'>, rows: readonly ScheduleRow[]): string {
  return JSON.stringify([config.schedules, rows.map((r) => [r.id, r.spec, r.created_at])]);
}

/** True when there is no schedule at all (the schedules step does nothing). */
export function noSchedules(config: Pick<Config, 'schedules'>, rows: readonly ScheduleRow[]): boolean {
  return Object.keys(config.schedules).length === 0 && rows.length === 0;
}

/** Whether a stored horizon says the schedules step at `now` would do nothing for schedules of signature `sig`. */
export function horizonQuiet(stored: string | undefined, sig: string, now: number): boolean {
  if (stored === undefined) return false;
  try {
    const h = JSON.parse(stored) as Partial<ScheduleHorizon>;
    if (h?.sig !== sig || typeof h.at !== 'number' || now < h.at) return false;
    return h.next === null || (typeof h.next === 'number' && now < h.next);
  } catch {
    return false;
  }
}
