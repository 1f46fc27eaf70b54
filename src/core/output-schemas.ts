// zod schemas for what steward prints and returns: the CLI's --json shapes and the MCP tools' results.
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { PROPOSAL_STATES, TASK_STATES } from './states.js';

// Integers checked by a refinement: JSON Schema then says "number" without ±2^53 bounds, keeping tools/list small.
const int = z.number().refine(Number.isInteger, 'expected an integer');
/** ISO 8601 times. */
const iso = z.string();

/** The compact task row of `list` (the CLI's `list --json` rows). */
export const taskRowOutput = z.strictObject({
  id: int,
  title: z.string(),
  status: z.enum(TASK_STATES),
  priority: int,
  type: z.string(),
  project: z.string(),
  agent: z.string(),
});

/** A page of tasks: `{tasks, next_cursor}` (null on the last page). */
export const listOutput = z.strictObject({ tasks: z.array(taskRowOutput), next_cursor: z.string().nullable() });

/** A proposal as a reference: its id, state and where it went. */
export const proposalRefOutput = z.strictObject({
  id: int,
  status: z.enum(PROPOSAL_STATES),
  task_id: int.optional(),
  merged_into: int.optional(),
  reason: z.string().optional(),
});

/** `propose` → the proposal; `duplicate: true` when its key or title was seen (it was merged). */
export const proposeOutput = z.strictObject({ proposal: proposalRefOutput, duplicate: z.boolean().optional() });

/** A live run: the fencing token and when its lease ends. */
export const runRefOutput = z.strictObject({ id: int, lease_expires_at: iso });

/** A task's state after a worker or triage write. */
export const taskStateOutput = z.strictObject({
  id: int,
  status: z.enum(TASK_STATES),
  attempts: int.optional(),
  run_after: iso.optional(),
});

/** A task in full (the views drop empty fields, so only these are always there). */
export const taskViewOutput = z.looseObject({ id: int, title: z.string(), status: z.enum(TASK_STATES) });

/** One run of a task, briefly. */
export const runBriefOutput = z.strictObject({
  id: int,
  agent: z.string(),
  status: z.enum(['running', 'finished']),
  outcome: z.string().optional(),
  failure_kind: z.string().optional(),
  started_at: iso,
  finished_at: iso.optional(),
  lease_expires_at: iso.optional(),
  error: z.string().optional(),
  summary: z.string().optional(),
  late: z.boolean().optional(),
});

/** One audit event, briefly. */
export const eventBriefOutput = z.strictObject({
  at: iso,
  actor: z.string(),
  kind: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  run_id: int.optional(),
  reason: z.string().optional(),
});

/** `show` → the task with its newest runs and events. */
/**
 * A task branch's diff summary (worktree runs): {branch, base, state, commits, files (first 50 {path, added, removed}),
 * files_total, error?}. Untyped in the schema: every role's tools/list stays under 8,000 characters.
 */
export const branchSummaryOutput = z.unknown();

export const showOutput = z.strictObject({
  task: taskViewOutput,
  runs: z.array(runBriefOutput),
  events: z.array(eventBriefOutput),
  branch: branchSummaryOutput.optional(),
});

/** The fields of a claimed task a worker needs. */
export const workTaskOutput = z.strictObject({
  id: int,
  title: z.string(),
  goal: z.string(),
  type: z.string(),
  project: z.string(),
  priority: int,
  agent: z.string(),
  attempts: int,
  max_attempts: int,
  review: z.boolean().optional(),
  verify: z.array(z.string()).optional(),
  requires: z.array(z.string()).optional(),
  after: z.array(int).optional(),
  timeout_seconds: int.optional(),
});

/** What earlier work left for this attempt: dependency results, earlier errors, feedback, answers. */
export const taskContextOutput = z.strictObject({
  dependencies: z.array(z.strictObject({ id: int, title: z.string(), result: z.string().optional() })).optional(),
  earlier_attempts: z
    .array(
      z.strictObject({ run_id: int, outcome: z.string().optional(), kind: z.string().optional(), error: z.string().optional() }),
    )
    .optional(),
  feedback: z.string().optional(),
  question: z.string().optional(),
  answer: z.string().optional(),
});

/** `claim` → one task with its context and run, or `{task: null}` (with `paused_until` when rate limited). */
export const claimOutput = z.strictObject({
  task: workTaskOutput.nullable(),
  context: taskContextOutput.optional(),
  run: runRefOutput.optional(),
  paused_until: iso.optional(),
});

/** `heartbeat` → the run's new lease. */
export const heartbeatOutput = z.strictObject({ run: runRefOutput, task: taskStateOutput });

/** `complete` / `fail` → where the task went; ids of follow-ups that spawned. */
export const finishOutput = z.strictObject({ task: taskStateOutput, spawned: z.array(int).optional() });

/** `decide` → the decided proposal, and the task an accept created. */
export const decideOutput = z.strictObject({ proposal: proposalRefOutput, task: taskRowOutput.optional() });

/** `update` → the task after the change; the run it stopped; follow-ups that spawned. */
export const updateOutput = z.strictObject({
  task: taskRowOutput,
  stopped_run: int.optional(),
  spawned: z.array(int).optional(),
});

/** The tick's result (its digest grows; unknown fields pass). */
export const tickOutput = z.looseObject({ quiet: z.boolean().optional() });

/** A failed call: the stable code, a message, JSON-safe details. */
export const errorOutput = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});
