// Records → the bounded JSON shapes the MCP tools return (see core/output-schemas.ts).
import type { TaskContext } from '../ops/queries.js';
import { present, taskView } from '../core/view.js';
import type { Proposal, Run, StewardEvent, Task } from '../core/types.js';
import { PROMPT_LIMITS } from '../runner/prompt.js';

/** Longest text field `show` returns in full; longer ones are clipped with a note. */
export const SHOW_TEXT_LIMIT = 4000;

export { iso } from '../core/view.js';

/** `s` cut to `max` characters, saying how much was left out. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… [${s.length - max} more characters]`;
}

function optional<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}

/** A proposal as `{id, status, task_id?, merged_into?, reason?}`. */
export function proposalRef(p: Proposal): Record<string, unknown> {
  return present({ id: p.id, status: p.status, task_id: p.task_id, merged_into: p.merged_into, reason: p.reason });
}

/** A task's state after a write: id, status, strikes, next try (a completion's answer has none). */
export function taskState(t: Pick<Task, 'id' | 'status' | 'attempts'> & { run_after?: number }): Record<string, unknown> {
  return present({ id: t.id, status: t.status, attempts: t.attempts, run_after: t.run_after });
}

/** The task fields a worker needs to do it. */
export function workTask(t: Task): Record<string, unknown> {
  const { id, title, goal, type, project, priority, agent, attempts, max_attempts, verify, requires, after } = t;
  return present({
    id, title, goal, type, project, priority, agent, attempts, max_attempts,
    review: t.review || undefined, verify, requires, after, timeout_seconds: t.timeout_seconds,
  });
}

/**
 * The working context, without empty parts, clipped as the babysitter's prompt clips it (PROMPT_LIMITS): a dependency's
 * result and an earlier error can each hold 100,000 characters, and a claim answer past a client's limit (Claude Code
 * refuses tool results over 25,000 tokens) would hide the run id of a claim already made.
 */
export function contextView(c: TaskContext): Record<string, unknown> {
  const cut = (s: string | null | undefined, max: number) => (typeof s === 'string' ? clip(s, max) : s);
  return present({
    dependencies: c.dependencies.map((d) => present({ ...d, result: cut(d.result, PROMPT_LIMITS.dependencyResult) })),
    earlier_attempts: c.earlier_attempts.map((a) => present({ ...a, error: cut(a.error, PROMPT_LIMITS.earlierError) })),
    feedback: cut(c.feedback, PROMPT_LIMITS.feedback),
    question: c.question,
    answer: c.answer,
  });
}

/** A full task with long text fields clipped. */
export function boundedTaskView(t: Task): Record<string, unknown> {
  const view = taskView(t);
  for (const k of ['goal', 'result', 'error', 'question', 'answer', 'feedback']) {
    if (typeof view[k] === 'string') view[k] = clip(view[k] as string, SHOW_TEXT_LIMIT);
  }
  return view;
}

/** One run, briefly (errors and summaries clipped). */
export function runBrief(r: Run): Record<string, unknown> {
  return present({
    id: r.id,
    agent: r.agent,
    status: r.status,
    outcome: r.outcome,
    failure_kind: r.failure_kind,
    started_at: r.started_at,
    finished_at: r.finished_at,
    lease_expires_at: r.status === 'running' ? r.lease_expires_at : undefined,
    error: optional(r.error) && clip(r.error!, 500),
    summary: optional(r.summary) && clip(r.summary!, 500),
    late: r.late ? true : undefined,
  });
}

/** One event, briefly. */
export function eventBrief(e: StewardEvent): Record<string, unknown> {
  return present({
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    from: e.from_status,
    to: e.to_status,
    run_id: e.run_id,
    reason: optional(e.reason) && clip(e.reason!, 300),
  });
}
