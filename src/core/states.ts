// Task states and the one transition table; anything not in the table is refused.
import { StewardError } from './errors.js';

/** Every state a task can be in. */
export const TASK_STATES = ['pending', 'ready', 'running', 'review', 'done', 'failed', 'blocked', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a task never leaves on its own (only `requeue` reopens failed/cancelled). */
export const TERMINAL_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled'];

/** Proposal states (inbox items). */
export const PROPOSAL_STATES = ['new', 'accepted', 'rejected', 'merged'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** Every action that changes a task's state. */
export const TASK_ACTIONS = [
  'promote', // pending → ready: dependencies done, run_after passed
  'claim', // ready → running: a worker took it (a new run)
  'complete', // running → review | done
  'approve', // review → done
  'changes', // review → ready: reviewer wants changes, feedback kept
  'retry', // running → ready: transient failure / lost / rate limit, with backoff
  'block', // running | pending → blocked: needs input, or a dependency failed
  'answer', // blocked → ready | pending: a person answered (→ review: a merge conflict resolved, merge again)
  'unblock', // blocked → pending: the dependency that blocked it came back
  'dead', // running → failed: fatal or attempts exhausted (dead letter)
  'cancel', // any non-terminal → cancelled
  'requeue', // failed | cancelled → pending, attempts reset
  'force_done', // a person ticked it done by hand (TASKS.md [x])
  'conflict', // review → blocked: its branch did not merge back onto the base (files named)
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

const NON_TERMINAL: TaskState[] = ['pending', 'ready', 'running', 'review', 'blocked'];

/** The transition table: action → allowed from-states → possible to-states. */
export const TRANSITIONS: Record<TaskAction, { from: readonly TaskState[]; to: readonly TaskState[] }> = {
  promote: { from: ['pending'], to: ['ready'] },
  claim: { from: ['ready'], to: ['running'] },
  complete: { from: ['running'], to: ['review', 'done'] },
  approve: { from: ['review'], to: ['done'] },
  changes: { from: ['review'], to: ['ready'] },
  retry: { from: ['running'], to: ['ready'] },
  block: { from: ['running', 'pending'], to: ['blocked'] },
  answer: { from: ['blocked'], to: ['ready', 'pending', 'review'] },
  unblock: { from: ['blocked'], to: ['pending'] },
  dead: { from: ['running'], to: ['failed'] },
  cancel: { from: NON_TERMINAL, to: ['cancelled'] },
  requeue: { from: ['failed', 'cancelled'], to: ['pending'] },
  force_done: { from: [...NON_TERMINAL, 'failed'], to: ['done'] },
  conflict: { from: ['review'], to: ['blocked'] },
};

/** True when `action` may move a task from `from` to `to`. */
export function canTransition(action: TaskAction, from: TaskState, to: TaskState): boolean {
  const rule = TRANSITIONS[action];
  return rule.from.includes(from) && rule.to.includes(to);
}

/** How a message names each action ("cannot request changes on task #4"). */
const ACTION_PHRASES: Record<TaskAction, string> = {
  promote: 'promote', claim: 'claim', complete: 'complete', approve: 'approve', changes: 'request changes on',
  retry: 'retry', block: 'block', answer: 'answer', unblock: 'unblock', dead: 'fail', cancel: 'cancel',
  requeue: 'requeue', force_done: 'mark done', conflict: 'block on a merge conflict',
};

/** Throws INVALID_TRANSITION unless the table allows it. */
export function assertTransition(action: TaskAction, from: TaskState, to: TaskState, taskId?: number): void {
  if (!canTransition(action, from, to)) {
    const what = taskId === undefined ? 'task' : `task #${taskId}`;
    const allowed = TRANSITIONS[action].from;
    const only = allowed.length <= 2 ? ` (only from ${allowed.join(' or ')})` : '';
    throw new StewardError('INVALID_TRANSITION', `cannot ${ACTION_PHRASES[action]} ${what}: it is ${from}${only}`, {
      action,
      from,
      to,
      ...(taskId === undefined ? {} : { id: taskId }),
    });
  }
}

/** True for done, failed, cancelled. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}
