// The short text beside each structured result. Claude Code, OpenClaw and VS Code hand the model
// the structuredContent when there is one, so the text is a one-line summary for people and UIs.
import type { Task } from '../core/types.js';
import { iso } from './present.js';

/** One task in a line: `#12 ready p50 Title`. */
export function rowLine(t: Pick<Task, 'id' | 'status' | 'priority' | 'title'>): string {
  return `#${t.id} ${t.status} p${t.priority} ${t.title}`;
}

/** A page of tasks: how many, their ids, and the cursor of the next page. */
export function listText(tasks: Array<Pick<Task, 'id'>>, nextCursor: string | null): string {
  if (tasks.length === 0) return 'no tasks';
  const ids = tasks.map((t) => `#${t.id}`).join(' ');
  return `${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${ids}${nextCursor ? `; next_cursor ${nextCursor}` : ''}`;
}

/** A task with how many runs and events follow. */
export function showText(t: Task, runs: number, events: number): string {
  const verify = t.verify.length ? `; verify: ${t.verify.join(' ; ')}` : '';
  return `${rowLine(t)} [${t.project}] ${t.type}, attempts ${t.attempts}/${t.max_attempts}${verify}; ${runs} runs, ${events} events`;
}

/** What a worker must remember after `claim`: the run id and the lease. */
export function claimText(t: Task, runId: number, leaseExpiresAt: number): string {
  return `claimed #${t.id} ${t.title}: run ${runId}, lease until ${iso(leaseExpiresAt)}; heartbeat it, then complete or fail`;
}
