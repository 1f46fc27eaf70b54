// Which index serves which task state, and the WHERE term that lets SQLite use it.
import type { TaskState } from '../core/states.js';

/**
 * `ready` and `running` tasks share one partial index in claim order (migration 4). A claim changes only the
 * entry's status, so it stays on its index leaf, and a completion removes it from the same leaf: one index page per
 * claim+complete cycle instead of one in a ready index plus one in a running index. Every other live state has its
 * own small partial index by id; done and cancelled tasks are in none.
 */
export const LIVE_INDEX_WHERE = "status IN ('ready', 'running')";

/**
 * The term selecting tasks in `state` under `alias`. SQLite uses a partial index only when the query repeats the
 * index's WHERE, so ready and running also name the shared index's condition.
 */
export function inState(state: TaskState, alias = 't'): string {
  const term = `${alias}.status = '${state}'`;
  return state === 'ready' || state === 'running' ? `${term} AND ${alias}.${LIVE_INDEX_WHERE}` : term;
}
