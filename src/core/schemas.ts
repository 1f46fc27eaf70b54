// zod schemas for every input: the same objects validate CLI flags, MCP arguments and files.
import { z } from 'zod';
import { DECIMAL, DECIMAL_INT } from './decimal.js';
import { splitCommandLine } from './adapters/shell-words.js';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH, payloadProblem } from './payload-limits.js';
import { FAILURE_KINDS, PRIORITY_WORDS } from './policy.js';
import { COMPLEXITIES } from './routing.js';
import { TASK_STATES } from './states.js';
import type { ThenTemplate } from './types.js';
import { registerSchemas } from './input-schemas.js';
import * as self from './schemas.js';

/** Free-form JSON within payload-limits.ts's bounds: a VALIDATION issue (not a crash) when it is too deep or too big. */
export function zBoundedJson(): z.ZodType<unknown> {
  return z.unknown().superRefine((value, ctx) => {
    const problem = payloadProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Splits "1,2, 3" into parts; arrays pass through; a single value becomes [value]. */
function toList(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' ? splitCsv(v) : [v]));
  if (typeof value === 'string') return splitCsv(value);
  return [value];
}
function splitCsv(s: string): string[] {
  return s.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

/** A task or proposal id: a positive integer; "#12" and "12" are accepted. */
const ID_RULE = 'must be a positive whole number (12 or #12)';
export const zId = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const digits = v.trim().replace(/^#/, '');
    return DECIMAL_INT.test(digits) ? Number(digits) : v; // a word stays a word, so the message can show it
  },
  z.number({ error: ID_RULE }).int(ID_RULE).positive(ID_RULE).max(Number.MAX_SAFE_INTEGER, ID_RULE),
);

/** Booleans as agents and shells send them: true/false, "true"/"false", "yes"/"no", "1"/"0". */
export const zBool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(s)) return true;
  if (['false', 'no', '0', 'off'].includes(s)) return false;
  return v;
}, z.boolean());

/** A decimal string as its number; anything else as it is (a word stays a word, so the message can show it). */
const fromDecimal = (v: unknown): unknown => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v);

/** An integer given as a number or a numeric string. */
export const zInt = (min: number, max: number) => z.preprocess(fromDecimal, z.number().int().min(min).max(max));

const PRIORITY_NAMES = Object.keys(PRIORITY_WORDS) as [keyof typeof PRIORITY_WORDS, ...(keyof typeof PRIORITY_WORDS)[]];
const PRIORITY_RULE = `must be 0–100 or one of ${PRIORITY_NAMES.join(', ')}`;

/**
 * Priority: 0 (most urgent) … 100, or urgent | high | normal | low. The advertised JSON schema (MCP inputSchema)
 * is the union of both, so a client that follows it can send "high"; "30" and " High " are accepted too.
 */
export const zPriority = z
  .preprocess(
    (v) => (typeof v === 'string' ? (/^\s*\d{1,3}\s*$/.test(v) ? Number(v) : v.trim().toLowerCase()) : v),
    z.union([z.int({ error: PRIORITY_RULE }).min(0, PRIORITY_RULE).max(100, PRIORITY_RULE), z.enum(PRIORITY_NAMES)], { error: PRIORITY_RULE }),
  )
  .transform((v) => (typeof v === 'number' ? v : PRIORITY_WORDS[v]))
  .describe('lower runs first; urgent=10 high=30 normal=50 (default) low=80');

/** Names of projects, agents, types, capabilities: short, no spaces. */
export const zName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'letters, digits and . _ : / - only, no spaces');

export const zTaskState = z.enum(TASK_STATES);
export const zFailureKind = z.enum(FAILURE_KINDS);

const zTitle = z.string().trim().min(1, 'title is empty').max(300, 'title is longer than 300 characters');
const zGoal = z.string().max(100_000, 'goal is longer than 100,000 characters');
const zIdList = z.preprocess(toList, z.array(zId).max(100)).describe('ids of tasks that must be done first');
const zNameList = z.preprocess(toList, z.array(zName).max(50));
/** One verify command: it must split into argv words here, at the door, not after the agent's (paid) run. */
const zVerifyCommand = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .superRefine((command, ctx) => {
    try {
      splitCommandLine(command);
    } catch (err) {
      const why = (err as Error).message.replace(/ in: [\s\S]*$/, '');
      ctx.addIssue({ code: 'custom', message: `must be a command without shell syntax: ${why}` });
    }
  });
const zVerify = z
  .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(zVerifyCommand).max(20))
  .describe('commands (argv words, no shell) whose exit code 0 is the evidence of done');

/** A follow-up task template, created when its parent is done. */
export const zThenTemplate: z.ZodType<ThenTemplate> = z.lazy(() =>
  z.object({
    title: zTitle,
    goal: zGoal.optional(),
    type: zName.optional(),
    agent: zName.optional(),
    priority: zPriority.optional(),
    review: zBool.optional(),
    verify: zVerify.optional(),
    requires: zNameList.optional(),
    max_attempts: zInt(1, 100).optional(),
    then: z.array(zThenTemplate).max(20).optional(),
  }),
) as z.ZodType<ThenTemplate>;

/** Deepest chain of follow-ups (`then` inside `then`) a task may carry. */
export const MAX_THEN_DEPTH = 32;

/** How deep `then` lists nest in `value`, walked with an explicit stack and stopping past `limit` (zod would recurse). */
function thenDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [list, depth] = stack.pop()!;
    if (!Array.isArray(list)) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const t of list) if (t !== null && typeof t === 'object') stack.push([(t as { then?: unknown }).then, depth + 1]);
  }
  return deepest;
}

const zThenList = z
  .preprocess((v, ctx) => {
    let list = v;
    if (typeof v === 'string') {
      try {
        list = JSON.parse(v);
      } catch {
        return v;
      }
    }
    if (thenDepth(list, MAX_THEN_DEPTH) > MAX_THEN_DEPTH) {
      ctx.addIssue({ code: 'custom', message: `follow-ups nest deeper than ${MAX_THEN_DEPTH} levels (then inside then)` });
    }
    return list;
  }, z.array(zThenTemplate).max(20))
  .describe('follow-up tasks created when this one is done: [{"title": ...}]');

/** Fields a new task or proposal may carry. */
export const taskFieldsShape = {
  title: zTitle.describe('short imperative title'),
  goal: zGoal.optional().describe('what done looks like; context the worker needs'),
  type: zName.optional().describe('code | research | review | ops | … (default code)'),
  project: zName.optional().describe('project name (default: "default")'),
  priority: zPriority.optional(),
  agent: zName.optional().describe('agent profile name, or any (default)'),
  after: zIdList.optional(),
  then: zThenList.optional(),
  key: z.string().trim().min(1).max(200).optional().describe('idempotency key: a second add/propose with it is a duplicate'),
  review: zBool.optional().describe('true: a reviewer must approve before done'),
  verify: zVerify.optional(),
  max_attempts: zInt(1, 100).optional().describe('strikes before failed (default 3)'),
  requires: zNameList.optional().describe('capabilities the agent must have'),
  timeout_seconds: zInt(1, 7 * 24 * 3600).optional().describe('kill the run after this long'),
  complexity: z.enum(COMPLEXITIES).optional().describe('low | normal | high: picks the model of the profile that runs it (default normal)'),
};

/** A number given as a number or a numeric string. */
const zNumber = (min: number, max: number) => z.preprocess(fromDecimal, z.number().min(min).max(max));

/**
 * A task's own run caps (docs/BUDGETS.md); they override its agent profile's. Set by a person or triage (add, edit,
 * accept), never by a proposal: a planner cannot raise what a run may spend.
 */
export const taskBudgetShape = {
  max_cost_usd: zNumber(0, 1_000_000).optional().describe('run cap: dollars'),
  max_tokens: zInt(1, 1e12).optional().describe('run cap: tokens in+out'),
  max_turns: zInt(1, 1_000_000).optional().describe('run cap: model turns'),
  max_minutes: zNumber(0.1, 7 * 24 * 60).optional().describe('run cap: minutes'),
};

/** `none` (or null) clears a cap in an edit. */
const clearable = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === 'none' || v === '' ? null : v), t.nullable());
const taskBudgetEdits = {
  max_cost_usd: clearable(zNumber(0, 1_000_000)).optional().describe('dollars a run may cost; none clears it'),
  max_tokens: clearable(zInt(1, 1e12)).optional().describe('tokens a run may use; none clears it'),
  max_turns: clearable(zInt(1, 1_000_000)).optional().describe('model turns a run may take; none clears it'),
  max_minutes: clearable(zNumber(0.1, 7 * 24 * 60)).optional().describe('minutes a run may take; none clears it'),
};

/** Path globs a task leases while it runs (worktree isolation): another task whose globs overlap waits. */
export const zPaths = z
  .array(z.string().trim().min(1).max(500).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path glob relative to the repository'))
  .max(50)
  .describe('path globs (relative to the repository) this task changes; a task whose paths overlap a running task’s waits');

export const addInput = z.object({ ...taskFieldsShape, ...taskBudgetShape, paths: zPaths.optional() }).strict();
export type AddInput = z.infer<typeof addInput>;

export const proposeInput = z.object(taskFieldsShape).strict();
export type ProposeInput = z.infer<typeof proposeInput>;

/** Overrides a triage decision may set when accepting a proposal. */
export const acceptInput = z
  .object({
    proposal_id: zId,
    title: zTitle.optional(),
    goal: zGoal.optional(),
    type: zName.optional(),
    project: zName.optional(),
    priority: zPriority.optional(),
    agent: zName.optional(),
    after: zIdList.optional(),
    review: zBool.optional(),
    max_attempts: zInt(1, 100).optional(),
    verify: zVerify.optional().describe('commands (argv words, no shell) whose exit 0 proves done; set by the decider, never taken from the proposal'),
    ...taskBudgetShape,
  })
  .strict();
export type AcceptInput = z.infer<typeof acceptInput>;

export const rejectInput = z.object({ proposal_id: zId, reason: z.string().trim().min(1).max(2000) }).strict();
export const mergeInput = z
  .object({ proposal_id: zId, into: zId.describe('proposal id it duplicates'), reason: z.string().max(2000).optional() })
  .strict();

export const listInput = z
  .object({
    status: z.preprocess(toList, z.array(zTaskState)).optional().describe('one or more states'),
    project: zName.optional(),
    type: zName.optional(),
    agent: zName.optional(),
    limit: zInt(1, 100).optional().describe('rows per page, default 20, max 100'),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ListInput = z.infer<typeof listInput>;

/** `list` as the CLI asks it: also archived tasks (not offered over MCP, whose tools/list stays small). */
export const listQuery = listInput.extend({ archived: zBool.optional().describe('include archived tasks') }).strict();

export const idInput = z.object({ id: zId }).strict();
export const reasonInput = z.object({ id: zId, reason: z.string().max(2000).optional() }).strict();
export const changesInput = z.object({ id: zId, feedback: z.string().trim().min(1).max(20_000) }).strict();
export const answerInput = z.object({ id: zId, text: z.string().trim().min(1).max(20_000) }).strict();

export const editInput = z
  .object({
    id: zId,
    title: zTitle.optional(),
    goal: zGoal.optional(),
    priority: zPriority.optional(),
    agent: zName.optional(),
    type: zName.optional(),
    project: zName.optional(),
    after: zIdList.optional(),
    verify: zVerify.optional(),
    review: zBool.optional(),
    max_attempts: zInt(1, 100).optional(),
    complexity: z.enum(COMPLEXITIES).optional().describe('low | normal | high: the model its next run uses'),
    ...taskBudgetEdits,
    force: zBool.optional().describe('also edit goal, type, project, verify or review of a running task (its run started without them)'),
  })
  .strict();
export type EditInput = z.infer<typeof editInput>;

export const claimInput = z
  .object({
    agent: zName.describe('agent profile name claiming the work'),
    types: zNameList.optional().describe('only tasks of these types'),
    capabilities: zNameList.optional().describe("the agent's capabilities; a task's requires must be a subset"),
    lease_seconds: zInt(5, 24 * 3600).optional().describe('lease length, default 300'),
  })
  .strict();
export type ClaimInput = z.infer<typeof claimInput>;

export const heartbeatInput = z
  .object({ run_id: zId.describe('the run id claim returned'), lease_seconds: zInt(5, 24 * 3600).optional() })
  .strict();
export type HeartbeatInput = z.infer<typeof heartbeatInput>;

/** What a finished run reports besides its verdict: evidence, cost, tokens, session, exit code. */
const runReportShape = {
  evidence: zBoundedJson().optional().describe(`verify results, test output tails (JSON, at most ${MAX_PAYLOAD_BYTES} bytes, ${MAX_PAYLOAD_DEPTH} levels deep)`),
  cost_usd: z.number().min(0).optional(),
  tokens_in: z.number().int().min(0).optional(),
  tokens_out: z.number().int().min(0).optional(),
  turns: z.number().int().min(0).optional().describe('model turns (requests) the run took'),
  session_id: z.string().max(200).optional(),
  exit_code: z.number().int().optional(),
};

export const completeInput = z
  .object({
    run_id: zId,
    summary: z.string().max(100_000).default('').describe('what was done; becomes the task result'),
    artifacts: zBoundedJson().optional().describe(`paths, URLs, commits produced (JSON, at most ${MAX_PAYLOAD_BYTES} bytes, ${MAX_PAYLOAD_DEPTH} levels deep)`),
    ...runReportShape,
  })
  .strict();
export type CompleteInput = z.input<typeof completeInput>;
export type CompleteArgs = z.output<typeof completeInput>;

/** Batches (library only, pg-boss's `fetch` batchSize and `complete` with many ids): at most this many per call. */
export const MAX_BATCH = 100;

export const claimBatchInput = claimInput
  .extend({ limit: zInt(1, MAX_BATCH).describe(`how many tasks to claim at most (1…${MAX_BATCH})`) })
  .strict();
export type ClaimBatchInput = z.infer<typeof claimBatchInput>;

export const completeBatchInput = z
  .array(completeInput)
  .min(1)
  .max(MAX_BATCH)
  .refine((items) => new Set(items.map((i) => i.run_id)).size === items.length, 'a run id appears more than once');

export const failInput = z
  .object({
    run_id: zId,
    error: z.string().trim().min(1).max(100_000),
    kind: zFailureKind.default('transient').describe('transient | rate_limit | stalled | timeout | lost | needs_input | fatal | budget'),
    retry_after: zInt(0, 7 * 24 * 3600).optional().describe('rate_limit: seconds until the limit resets'),
    question: z.string().max(20_000).optional().describe('needs_input: the question for a person'),
    ...runReportShape,
  })
  .strict();
export type FailInput = z.input<typeof failInput>;
export type FailArgs = z.output<typeof failInput>;

/** Parses `input` with `schema`, turning zod issues into one VALIDATION error naming the fields. */
export { parseInput } from './parse-input.js';

registerSchemas(self);
