// Records of the queue, as the store returns them and the operations use them.
//
// Glossary
// - task: a unit of work with a state (see states.ts).
// - run: one attempt at a task; its id is the fencing token a worker must present.
// - lease: how long a run stays live without a heartbeat (lease_expires_at).
// - strike: a failed attempt that counts against max_attempts.
// - proposal: an inbox item a planner wrote; accepting it creates a task.
// - event: an append-only audit row for every transition.
// - Times are milliseconds since the epoch inside steward; views print ISO strings.
import type { ArgvProfileLike } from './prompt-room.js';
import type { BackoffPolicy, FailureKind } from './policy.js';
import type { ProposalState, TaskState } from './states.js';

/** A follow-up task created (already accepted) when its parent reaches `done`. */
export interface ThenTemplate {
  title: string;
  goal?: string;
  type?: string;
  agent?: string;
  priority?: number;
  review?: boolean;
  verify?: string[];
  requires?: string[];
  max_attempts?: number;
  then?: ThenTemplate[];
}

/** Why a task is blocked: it asked a question, a dependency failed, or its branch did not merge back. */
export type BlockedKind = 'question' | 'dependency' | 'merge';

export interface Task {
  id: number;
  project: string;
  title: string;
  goal: string;
  type: string;
  agent: string;
  priority: number;
  status: TaskState;
  after: number[];
  then: ThenTemplate[];
  requires: string[];
  verify: string[];
  review: boolean;
  max_attempts: number;
  attempts: number;
  timeout_seconds: number | null;
  key: string | null;
  source: string;
  created_by: string;
  result: string | null;
  error: string | null;
  question: string | null;
  answer: string | null;
  feedback: string | null;
  blocked_kind: BlockedKind | null;
  run_after: number;
  parent_id: number | null;
  proposal_id: number | null;
  current_run_id: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** low | normal | high: picks the model the run uses (routing); null = normal. */
  complexity?: 'low' | 'normal' | 'high' | null;
}

/** How a run ended. `superseded`: a person or the tick moved the task on without it. */
export const RUN_OUTCOMES = ['completed', 'failed', 'lost', 'cancelled', 'superseded'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface Run {
  id: number;
  task_id: number;
  agent: string;
  status: 'running' | 'finished';
  outcome: RunOutcome | null;
  failure_kind: FailureKind | null;
  lease_ms: number;
  lease_expires_at: number;
  heartbeat_at: number;
  started_at: number;
  finished_at: number | null;
  host: string | null;
  pid: number | null;
  pgid: number | null;
  exit_code: number | null;
  error: string | null;
  summary: string | null;
  evidence: unknown;
  artifacts: unknown;
  /** A result that arrived after the run stopped being live: kept, never applied. */
  late: unknown;
  cost_usd: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  /** Model turns (requests) the CLI reported. */
  turns?: number | null;
  /** The model the run was started with (routing), null when the CLI's own default. */
  model?: string | null;
  session_id: string | null;
  log_path: string | null;
  /** Identity of the worker process (`<boot id>:<start ticks>` on Linux), to tell a reused pid apart. */
  proc_start?: string | null;
  /**
   * The audit record of the claim and the completion (the run row is it; no event row is written for either):
   * who claimed and who finished the run, and the task's newest event id at each moment (its place in the
   * task's timeline). Null on runs from before migration 8, whose claim and completion are events.
   */
  claimed_by?: string | null;
  claim_after_event?: number | null;
  finished_by?: string | null;
  finish_after_event?: number | null;
}

/**
 * What a completion answers about its task, as pg-boss's and graphile-worker's completions answer less than the job:
 * where it went (done, or review) and enough to name it. The rest is `show`'s (or TaskRepo.get's) to read.
 */
export type CompletedTask = Pick<Task, 'id' | 'title' | 'status' | 'priority' | 'attempts'>;

/** What a completion answers about its run: when it finished and its place in the task's timeline (the audit record). */
export interface CompletedRun {
  id: number;
  task_id: number;
  outcome: 'completed';
  finished_at: number;
  finish_after_event: number | null;
}

export interface Proposal {
  id: number;
  status: ProposalState;
  title: string;
  goal: string;
  type: string | null;
  project: string | null;
  priority: number | null;
  agent: string | null;
  after: number[];
  then: ThenTemplate[];
  requires: string[];
  verify: string[];
  review: boolean | null;
  max_attempts: number | null;
  timeout_seconds?: number | null;
  complexity?: 'low' | 'normal' | 'high' | null;
  /** Why the tick's auto-accept refused it (`CODE: message`): left for a person, not tried again by the tick. */
  auto_refused?: string | null;
  key: string | null;
  source: string;
  created_by: string;
  reason: string | null;
  task_id: number | null;
  merged_into: number | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
}

export interface StewardEvent {
  id: number;
  at: number;
  actor: string;
  kind: string;
  task_id: number | null;
  run_id: number | null;
  proposal_id: number | null;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
  data: unknown;
}

/** Who does an operation, and when. Time is always passed in, never read deep inside. */
export interface OpContext {
  now: number;
  actor: string;
  /** Source of randomness for backoff jitter; Math.random when absent. */
  random?: () => number;
  /** Retry backoff settings (from config); DEFAULT_BACKOFF when absent. */
  backoff?: BackoffPolicy;
  /**
   * When a recorded outcome was decided (an outbox entry, applied later): a run's lease is judged at this time
   * instead of `now`, so an outcome decided while the lease held is not turned into a late result. Used only
   * when it lies between the run's start and `now`.
   */
  decidedAt?: number;
  /**
   * The configured agent profiles, where the caller has the config: accepting a proposal refuses a task whose prompt
   * could not reach any profile that would run it (src/core/prompt-room.ts), as add, propose and edit do.
   */
  agents?: Record<string, ArgvProfileLike>;
}
