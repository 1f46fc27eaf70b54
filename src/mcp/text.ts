// The short text beside each structured result: what a model reads when its client shows only text.
import type { TaskContext } from '../ops/queries.js';
import type { Run, StewardEvent, Task } from '../core/types.js';
import { clip, iso } from './present.js';

/** One line per task: `#12 ready p50 Title [project] (type) @agent`, defaults left out. */
export function rowLine(t: Pick<Task, 'id' | 'status' | 'priority' | 'title' | 'project' | 'type' | 'agent'>): string {
  const project = t.project !== 'default' ? ` [${t.project}]` : '';
  const type = t.type !== 'code' ? ` (${t.type})` : '';
  const agent = t.agent !== 'any' ? ` @${t.agent}` : '';
  return `#${t.id} ${t.status} p${t.priority} ${t.title}${project}${type}${agent}`;
}

function runText(r: Run): string {
  const what = r.status === 'running' ? `running, lease until ${iso(r.lease_expires_at)}` : `${r.outcome}${r.failure_kind ? ` (${r.failure_kind})` : ''}`;
  return `run ${r.id} ${r.agent} ${what}${r.error ? `: ${clip(r.error.split('\n')[0]!, 120)}` : ''}`;
}

function eventText(e: StewardEvent): string {
  const move = e.from_status || e.to_status ? ` ${e.from_status ?? '-'}→${e.to_status ?? '-'}` : '';
  return `${iso(e.at)} ${e.actor} ${e.kind}${move}${e.reason ? `: ${clip(e.reason.split('\n')[0]!, 120)}` : ''}`;
}

/** A task with its runs and events, for `show`. */
export function showText(t: Task, runs: Run[], events: StewardEvent[]): string {
  const lines = [
    `#${t.id} ${t.title}`,
    `${t.status} p${t.priority} ${t.type} [${t.project}] agent ${t.agent}, attempts ${t.attempts}/${t.max_attempts}`,
  ];
  if (t.after.length) lines.push(`after: ${t.after.map((d) => `#${d}`).join(', ')}`);
  for (const k of ['goal', 'question', 'answer', 'feedback', 'error', 'result'] as const) {
    if (t[k]) lines.push(`${k}: ${clip(t[k]!, 1000)}`);
  }
  if (runs.length) lines.push('runs:', ...runs.map((r) => `  ${runText(r)}`));
  if (events.length) lines.push('events (newest first):', ...events.map((e) => `  ${eventText(e)}`));
  return lines.join('\n');
}

/** The working brief a worker reads after `claim`. */
export function claimText(t: Task, c: TaskContext, runId: number, leaseExpiresAt: number): string {
  const lines = [`claimed #${t.id} ${t.title} — run ${runId}, lease until ${iso(leaseExpiresAt)}`];
  lines.push(`project ${t.project}, type ${t.type}, attempt ${t.attempts + 1} of ${t.max_attempts}`);
  if (t.goal) lines.push(`goal: ${t.goal}`);
  if (t.verify.length) lines.push(`verify: ${t.verify.join(' ; ')}`);
  for (const d of c.dependencies) lines.push(`dependency #${d.id} ${d.title}: ${d.result ?? '(no result)'}`);
  for (const a of c.earlier_attempts) lines.push(`earlier run ${a.run_id} ${a.outcome ?? ''}${a.kind ? ` (${a.kind})` : ''}: ${a.error ?? ''}`);
  if (c.feedback) lines.push(`review feedback: ${c.feedback}`);
  if (c.question) lines.push(`question asked: ${c.question}`);
  if (c.answer) lines.push(`answer: ${c.answer}`);
  lines.push(`Heartbeat run ${runId} before the lease ends; finish with complete or fail.`);
  return lines.join('\n');
}
