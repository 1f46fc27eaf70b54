// Budget periods (pure): where the day or week around an instant starts and ends, in a time zone (weeks start Monday).

/** The periods a scope budget counts over. */
export const BUDGET_PERIODS = ['day', 'week'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

/** True when `tz` is a time zone name this Node knows (e.g. UTC, Europe/Berlin). */
export function isTimeZone(tz: string): boolean {
  try {
    formatOf(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in `tz`, as if they were UTC (ms). */
function wallClock(at: number, tz: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatOf(tz).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
}

/**
 * The first instant whose wall clock in `tz` reads `wall` (the earlier one when a clock change repeats it), or the
 * moment the clocks jumped when a change skips it (America/Santiago goes from 23:59:59 to 01:00: its day starts then).
 */
function fromWallClock(wall: number, tz: string): number {
  // The zone's offset a day before and a day after (a clock change within a day of `wall` lies between them).
  const candidates = [wall - DAY_MS, wall + DAY_MS].map((near) => wall - (wallClock(near, tz) - near));
  if (candidates[0] === candidates[1]) return candidates[0]!; // no clock change near: the one offset holds
  const exact = candidates.filter((at) => wallClock(at, tz) === wall);
  return exact.length ? Math.min(...exact) : Math.max(...candidates);
}

/** Midnight (wall clock, as UTC ms) of the local day that contains `at`. */
function localMidnight(at: number, tz: string): number {
  const wall = wallClock(at, tz);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Start and end (exclusive) of the day or week that contains `at`, in `tz`. */
export function periodBounds(at: number, period: BudgetPeriod, tz = 'UTC'): { start: number; end: number } {
  let midnight = localMidnight(at, tz);
  if (period === 'week') {
    const dow = new Date(midnight).getUTCDay(); // 0 = Sunday
    midnight -= ((dow + 6) % 7) * DAY_MS;
  }
  const next = midnight + (period === 'week' ? 7 : 1) * DAY_MS;
  return { start: fromWallClock(midnight, tz), end: fromWallClock(next, tz) };
}

/** "2026-12-04" (a day) or "week of 2026-11-30" in `tz`, for people. */
export function periodLabel(start: number, period: BudgetPeriod, tz = 'UTC'): string {
  const day = new Date(localMidnight(start, tz)).toISOString().slice(0, 10);
  return period === 'day' ? day : `week of ${day}`;
}
