// The zod shape of a recurring task: when (cron, time zone, policies) plus the fields of the task it creates.
import { z } from 'zod';
import { CATCH_UP_POLICIES, cronProblem, OVERLAP_POLICIES } from './schedule.js';
import { taskFieldsShape, zInt, zPaths } from './schemas.js';

/** An IANA time zone name the runtime knows (Europe/Berlin, UTC). */
export const zTimeZone = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not a time zone this system knows (use an IANA name such as Europe/Berlin or UTC)');

const { key: _key, ...taskShape } = taskFieldsShape;
/** The task fields (and paths), each carrying its description at the top, where config docs read it. */
const taskFields = Object.fromEntries(
  Object.entries({ ...taskShape, paths: zPaths.optional() }).map(([k, v]) => {
    const inner = v as z.ZodType & { unwrap?: () => z.ZodType };
    const text = inner.description ?? inner.unwrap?.().description ?? `the task's ${k}`;
    return [k, inner.describe(text)];
  }),
) as typeof taskShape & { paths: z.ZodOptional<typeof zPaths> };

/** When a schedule fires and what its slots do; the same fields in config (`schedules:`) and `steward schedule add`. */
export const scheduleTimingShape = {
  cron: z.string().trim().min(1).max(200).describe('cron pattern, e.g. "0 6 * * *" (minute hour day month weekday; an optional leading seconds field)'),
  tz: zTimeZone.optional().describe("IANA time zone the pattern is read in (default: the host's; `schedule add` stores the zone it ran in)"),
  catch_up: z.enum(CATCH_UP_POLICIES).default('once').describe('slots missed while nothing ticked: skip | once (one task for the newest) | all (one per slot)'),
  overlap: z.enum(OVERLAP_POLICIES).default('skip').describe('skip: no task for a slot while the previous task of this schedule is still open; allow: one anyway'),
  grace_seconds: zInt(1, 7 * 24 * 3600).default(300).describe('a slot the tick sees later than this after its time counts as missed'),
};

/** A schedule: timing plus the task each slot creates (its idempotency key is set by the schedule). */
export const scheduleInput = z
  .object({ ...scheduleTimingShape, ...taskFields })
  .strict()
  .superRefine((s, ctx) => {
    const problem = cronProblem(s.cron, s.tz);
    if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: `unusable cron pattern: ${problem}` });
  });
export type ScheduleInput = z.output<typeof scheduleInput>;
