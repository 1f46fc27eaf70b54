// The one fact a board line shows for a task's state, and the Task → BoardTask mapping.
import type { Task } from '../core/types.js';
import { oneLine } from './board-line.js';
import type { BoardTask } from './board-types.js';

/** What the caller knows beyond the task row. */
export interface FactExtras {
  /** The live run of a running task: who runs it and since when. */
  run?: { agent: string; started_at: number } | null;
  /** Dependencies of a pending task that are not done yet (default: all of `after`). */
  openDeps?: number[];
  /** IANA time zone for "retry at HH:MM" (default: the process's). */
  timeZone?: string;
}

/** The one fact that matters for the task's state, one short line. */
export function taskFact(task: Task, now: number, extras: FactExtras = {}): string {
  switch (task.status) {
    case 'running': {
      const agent = extras.run?.agent ?? task.agent;
      const since = extras.run?.started_at ?? task.updated_at;
      return `running on ${agent} for ${formatDuration(now - since)}`;
    }
    case 'ready':
      return task.run_after > now ? `retry at ${clock(task.run_after, now, extras.timeZone)}` : 'waiting for a worker';
    case 'pending': {
      const deps = extras.openDeps ?? task.after;
      if (deps.length > 0) return `waits for ${deps.map((d) => `#${d}`).join(', ')}`;
      if (task.run_after > now) return `retry at ${clock(task.run_after, now, extras.timeZone)}`;
      return 'waiting to be promoted';
    }
    case 'review':
      return 'awaiting review';
    case 'blocked':
      if (task.question) return oneLine(task.question, 200);
      return task.blocked_kind === 'dependency' ? 'a dependency failed' : 'needs you';
    case 'failed':
      return task.error ? oneLine(firstLine(task.error), 100) : 'failed';
    case 'done':
      return task.result ? oneLine(firstLine(task.result), 80) : 'done';
    case 'cancelled':
      return 'cancelled';
  }
}

/** The board's view of a task, with the fact the caller computed. */
export function toBoardTask(task: Task, fact: string): BoardTask {
  return {
    id: task.id,
    project: task.project,
    title: task.title,
    priority: task.priority,
    type: task.type,
    agent: task.agent,
    status: task.status,
    fact,
    answer: task.answer,
    key: task.key,
    finishedAt: task.finished_at,
  };
}

/** A short duration: 45s, 12m, 3h05m, 2d4h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function firstLine(text: string): string {
  return text.split(/\r\n|\r|\n/).find((l) => l.trim() !== '') ?? '';
}

/** HH:MM in the time zone; with the date when it is not within the next 24 hours. */
function clock(at: number, now: number, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (at - now >= 86_400_000) Object.assign(options, { year: 'numeric', month: '2-digit', day: '2-digit' });
  try {
    return new Intl.DateTimeFormat('en-CA', { ...options, timeZone }).format(at).replace(',', '');
  } catch {
    return new Intl.DateTimeFormat('en-CA', { ...options, timeZone: 'UTC' }).format(at).replace(',', '');
  }
}
