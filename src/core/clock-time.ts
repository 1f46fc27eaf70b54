// The next time a wall clock in a time zone reads hh:mm (pure; Intl only). For a rate-limit error's "resets 3pm
// (Europe/Berlin)": the claim/complete path reads it, and croner (schedules' cron parser) stays off that path.

const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** What the wall clock in `tz` reads at instant `t` (ms), as the UTC ms of that reading. Throws on an unknown zone. */
function wallClock(tz: string, t: number): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/**
 * The first instant strictly after `after` (ms) at which the clock in `tz` (an IANA zone or UTC) reads `hour`:`minute`
 * (seconds 0), or undefined when `tz` is unknown — what croner's `minute hour * * *` gives: a reading a DST gap skips
 * is the first instant after the gap; of two readings (an overlap) only the first counts.
 */
export function nextClockTime(hour: number, minute: number, tz: string, after: number): number | undefined {
  let today: number;
  try {
    today = wallClock(tz, after);
  } catch {
    return undefined;
  }
  const d = new Date(today);
  for (let i = 0; i <= 2; i++) {
    const wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + i, hour, minute);
    // The instants that read `wall`: `wall` minus the zone's offset, taken a day before and a day after (a DST change
    // lies between them at most once); two in an overlap (only the first counts), none in a gap.
    const offset = (x: number) => wallClock(tz, x) - x;
    const [a, b] = [wall - offset(wall - DAY), wall - offset(wall + DAY)].sort((x, y) => x - y) as [number, number];
    const reads = [a, b].filter((x) => wallClock(tz, x) === wall);
    // In a gap (no instant reads it), the first instant after the gap, as croner has it: the first minute between the
    // two whose reading is later than `wall`.
    const t = reads.length ? reads[0] : firstMinute(a, b, (x) => wallClock(tz, x) > wall);
    if (t !== undefined && t > after) return t;
  }
  return undefined;
}

/** The first whole minute in [lo, hi] where `past` holds (it holds from some minute on), or undefined. */
function firstMinute(lo: number, hi: number, past: (t: number) => boolean): number | undefined {
  let l = Math.ceil(lo / 60_000);
  let h = Math.floor(hi / 60_000);
  if (l > h || !past(h * 60_000)) return undefined;
  while (l < h) {
    const m = Math.floor((l + h) / 2);
    if (past(m * 60_000)) h = m;
    else l = m + 1;
  }
  return l * 60_000;
}
