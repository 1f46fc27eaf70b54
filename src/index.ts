// steward's public library surface: open a store, call the operations, run a tick.
export { StewardError, ERROR_CODES, EXIT_CODES, type ErrorCode } from './core/errors.js';
export { TASK_STATES, PROPOSAL_STATES, TASK_ACTIONS, TRANSITIONS, canTransition, isTerminal, type TaskState } from './core/states.js';
export { FAILURE_KINDS, PRIORITY_WORDS, DEFAULT_BACKOFF, backoffDelay, decideFailure, parsePriority, type FailureKind, type BackoffPolicy } from './core/policy.js';
export type { Task, Run, CompletedTask, CompletedRun, Proposal, StewardEvent, OpContext, ThenTemplate } from './core/types.js';
export * as schemas from './core/schemas.js';
export { taskView, taskRow, runView, proposalView, eventView } from './core/view.js';
export { openStore, Store, type StoreOptions } from './store/open-store.js';
export {
  addTask, proposeTask, acceptProposal, rejectProposal, mergeProposal,
  claimTask, heartbeatRun, completeRun, failRun, claimTasks, completeRuns,
  cancelTask, requeueTask, approveTask, requestChanges, answerTask, markDone, editTask,
  listTasks, showTask, taskContext, reapRuns, promoteTasks,
} from './ops/index.js';
export { tickOnce, type TickHooks, type TickResult } from './tick/tick-once.js';
export { workRun, workAgent, withStopSignals } from './runner/work.js';
export { babysitRun, type BabysitDeps, type BabysitResult } from './runner/babysit.js';
export { applyOutbox, type OutboxEntry } from './runner/outbox.js';
export { dispatchLocal } from './runner/dispatch.js';
export { buildPrompt } from './runner/prompt.js';
export { runDoctor } from './runner/doctor.js';
export { loadConfig } from './config/load-config.js';
export type { Config, AgentProfile } from './config/schema.js';
export { findWorkspace, workspaceAt, type Workspace } from './workspace/workspace.js';
export { taskDiff, mergeQueued, type TaskDiff, type DiffFile, type MergeReport } from './git/index.js';
