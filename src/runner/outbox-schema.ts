// The outbox entry (outbox.ts's OutboxEntry) as a zod schema, for the remote worker API, which takes entries over HTTP
// inside its zod request bodies. The babysitter and the tick read outbox files with parseOutboxEntry (no zod).
import { z } from 'zod';
import type { OutboxEntry } from './outbox.js';

export const outboxEntrySchema: z.ZodType<OutboxEntry> = z.object({
  version: z.literal(1),
  run_id: z.number().int().positive(),
  task_id: z.number().int().positive(),
  verb: z.enum(['complete', 'fail']),
  /** completeInput / failInput without run_id. */
  input: z.record(z.string(), z.unknown()),
  /** When the babysitter decided the outcome (ms). */
  decided_at: z.number().int(),
  host: z.string(),
  pid: z.number().int(),
});
