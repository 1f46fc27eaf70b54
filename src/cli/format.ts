// Human-readable output of the CLI (the --json output is the views themselves).
import { priorityWord } from '../core/policy.js';
import type { Proposal, Run, StewardEvent, Task } from '../core/types.js';

function iso(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-';
}

/** One line for a task: `#12  ready    p50 normal  code  [default] title`; `idWidth` digits keep a list's columns. */
export function taskLine(t: Pick<Task, 'id' | 'status' | 'priority' | 'type' | 'project' | 'title' | 'agent'>, idWidth = 0): string {
  const agent = t.agent !== 'any' ? ` @${t.agent}` : '';
  return `${`#${t.id}`.padEnd(idWidth + 1)}  ${t.status.padEnd(9)} p${String(t.priority).padEnd(3)} ${t.type.padEnd(8)} [${t.project}]${agent}  ${t.title}`;
}

/** A field's text under its label: every line after the first indented to the value column. */
const field = (text: string): string => text.split('\n').join('\n            ');

/** Several lines describing one task in full. */
export function taskBlock(t: Task): string {
  const lines = [
    `#${t.id} ${t.title}`,
    `  status    ${t.status}${t.blocked_kind ? ` (${t.blocked_kind})` : ''}`,
    `  project   ${t.project}   type ${t.type}   agent ${t.agent}   priority ${t.priority} (${priorityWord(t.priority)})`,
    `  attempts  ${t.attempts}/${t.max_attempts}${t.run_after > 0 ? `   next try after ${iso(t.run_after)}` : ''}`,
  ];
  if (t.after.length) lines.push(`  after     ${t.after.map((d) => `#${d}`).join(', ')}`);
  if (t.goal) lines.push(`  goal      ${field(t.goal)}`);
  if (t.question) lines.push(`  question  ${field(t.question)}`);
  if (t.answer) lines.push(`  answer    ${field(t.answer)}`);
  if (t.feedback) lines.push(`  feedback  ${field(t.feedback)}`);
  if (t.error) lines.push(`  error     ${field(t.error)}`);
  if (t.result) lines.push(`  result    ${field(t.result)}`);
  for (const cmd of t.verify) lines.push(`  verify    ${cmd}`);
  if (t.then.length) lines.push(`  then      ${t.then.map((x) => `${x.title}${x.verify?.length ? ` (verify: ${x.verify.join('; ')})` : ''}`).join('; ')}`);
  return lines.join('\n');
}

export function runLine(r: Run): string {
  const what = r.status === 'running' ? `running, lease until ${iso(r.lease_expires_at)}` : `${r.outcome}${r.failure_kind ? ` (${r.failure_kind})` : ''}`;
  const err = r.error ? ` — ${r.error.split('\n')[0]!.slice(0, 120)}` : '';
  const late = r.late ? ' [late result kept]' : '';
  return `run ${r.id}  ${r.agent}  ${iso(r.started_at)}  ${what}${err}${late}`;
}

export function eventLine(e: StewardEvent): string {
  const move = e.from_status || e.to_status ? ` ${e.from_status ?? '∅'} → ${e.to_status ?? '∅'}` : '';
  return `${iso(e.at)}  ${e.actor}  ${e.kind}${move}${e.reason ? ` — ${e.reason.split('\n')[0]!.slice(0, 120)}` : ''}`;
}

export function proposalLine(p: Proposal): string {
  const link = p.task_id ? ` → #${p.task_id}` : p.merged_into ? ` → proposal ${p.merged_into}` : '';
  const verify = p.verify.length ? `  verify: ${p.verify.join('; ')}` : '';
  // Why the tick left it for a person (a new proposal only: an accept or reject settles it).
  const held = p.status === 'new' && p.auto_refused ? `  (not accepted automatically: ${p.auto_refused.split('\n')[0]!.slice(0, 160)})` : '';
  return `proposal ${p.id}  ${p.status.padEnd(8)} [${p.project ?? 'default'}] ${p.title}${link}${p.reason ? ` (${p.reason})` : ''}${verify}${held}`;
}

/** Why a run is not ours any more, said once: the reason may already be a whole "… is no longer live (…)" message. */
export function noLongerLive(why: string | undefined): string {
  return why && /no longer live/.test(why) ? why : `the run is no longer live (${why ?? 'finished'})`;
}
