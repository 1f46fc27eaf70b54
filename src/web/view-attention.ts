// "Needs attention": reviews, questions, dead letters and failed runs, paused agents, stuck work, inbox proposals.
import type { Run } from '../core/types.js';
import type { TaskDiff } from '../git/diff.js';
import type { Attention } from '../ops/attention.js';
import type { StuckSignal } from '../tick/stuck.js';
import { clip, duration, money, stateChip, taskLink, when } from './format.js';
import { actionForm, taskButton } from './forms.js';
import { html, type Html } from './html.js';
import type { Principal } from './web-auth.js';

/** Reads a log's tail for a failed run (given by the handler, which knows where logs may be read). */
export type TailOf = (run: Run) => string;

/** A task's branch diff against its base (bounded), or null when the task did not run in a worktree. */
export type DiffOf = (taskId: number) => TaskDiff | null;

/** The exact change a reviewer approves: the branch's files with line counts, and the patch (bounded). */
export function diffPanel(d: TaskDiff | null): Html {
  if (!d) return html``;
  const added = d.files.reduce((n, f) => n + (f.added ?? 0), 0);
  const removed = d.files.reduce((n, f) => n + (f.removed ?? 0), 0);
  const files = d.files.map((f) => html`<div class="small"><code>${f.path}</code> <span class="muted">${f.added === null ? 'binary' : `+${f.added} −${f.removed}`}</span></div>`);
  return html`<details class="diff"><summary class="small">diff ${d.branch} against ${d.base}: ${d.files.length} file(s), +${added} −${removed}</summary>
${files}${d.patch ? html`<pre>${d.patch}${d.truncated ? '\n… (cut; steward diff ' + String(d.task_id) + ' shows all)' : ''}</pre>` : ''}</details>`;
}

function evidenceOf(run: Run | null, now: number): Html {
  if (!run) return html``;
  const ev = (run.evidence ?? {}) as { verify?: Array<{ command: string; exit_code?: number | null; ok?: boolean }> };
  const verify = Array.isArray(ev.verify) ? ev.verify : [];
  return html`<div class="small muted">run ${run.id} · ${run.agent} · ${duration((run.finished_at ?? now) - run.started_at)} · ${money(run.cost_usd)}${run.exit_code === null ? '' : ` · exit ${run.exit_code}`}</div>
${verify.length ? html`<div class="small">verify: ${verify.map((v) => html`<span class="chip ${v.ok === false || (v.exit_code ?? 0) !== 0 ? 'failed' : 'done'}">${v.command} → ${v.exit_code ?? '?'}</span> `)}</div>` : ''}
${run.evidence ? html`<details><summary class="small">evidence</summary><pre>${JSON.stringify(run.evidence, null, 2)}</pre></details>` : ''}`;
}

function section(title: string, n: number, body: Html[], empty: string): Html {
  return html`<h2>${title} <span class="n">${n}</span></h2>${body.length ? body : html`<div class="empty">${empty}</div>`}`;
}

function stuckLine(s: StuckSignal): Html {
  if (s.signal === 'no_agent') return html`<div class="panel small"><b>${s.count} ready ${s.type} task(s)</b> for agent ${s.agent} (first <a href="/tasks/${s.first}">#${s.first}</a>): ${s.why}</div>`;
  if (s.signal === 'silent') return html`<div class="panel small"><a href="/tasks/${s.id}">#${s.id}</a> run ${s.run} (${s.agent}) silent for ${duration(s.seconds * 1000)}</div>`;
  if (s.signal === 'misconfigured') return html`<div class="panel small">agent profile <b>${s.agent}</b> cannot start its CLI (since ${s.since}): ${s.error}</div>`;
  return html`<div class="panel small"><a href="/tasks/${s.id}">#${s.id} ${s.title}</a> failed ${s.attempts} of ${s.max_attempts} attempts</div>`;
}

/** The attention view's main part. */
export function attentionView(p: Principal, a: Attention, stuck: StuckSignal[], tailOf: TailOf, now: number, diffOf: DiffOf = () => null): Html {
  const reviews = a.reviews.map(({ task, run }) => html`<div class="panel" data-task="${task.id}"><div class="row"><span class="grow">${taskLink(task)} ${stateChip(task.status)}</span><span class="muted small">${task.project} · ${task.type}</span></div>
<div>${clip(run?.summary ?? task.result, 2000)}</div>${evidenceOf(run, now)}${diffPanel(diffOf(task.id))}
<div class="row">${taskButton(p, 'approve', task.id, 'Approve', 'primary')}
${actionForm(p, 'changes', { id: task.id }, html`<input type="text" name="feedback" placeholder="what to change" required aria-label="feedback for #${task.id}"><button type="submit">Request changes</button>`)}</div></div>`);
  const questions = a.questions.map(({ task }) => html`<div class="panel" data-task="${task.id}"><div class="row"><span class="grow">${taskLink(task)}</span><span class="muted small">asked ${when(task.updated_at)}</span></div>
<pre>${task.question ?? task.error ?? ''}</pre>${actionForm(p, 'answer', { id: task.id }, html`<textarea name="text" required placeholder="your answer" aria-label="answer for #${task.id}"></textarea><button type="submit" class="primary">Answer</button>`, 'answer')}</div>`);
  const dead = a.dead.map(({ task, run }) => html`<div class="panel" data-task="${task.id}"><div class="row"><span class="grow">${taskLink(task)} ${stateChip('failed')}</span><span class="small muted">${task.attempts}/${task.max_attempts} attempts · ${run?.failure_kind ?? ''}</span>${taskButton(p, 'requeue', task.id, 'Requeue')}</div>
<div class="bad small">${clip(task.error, 600)}</div>${run ? html`<details><summary class="small">log tail</summary><pre>${tailOf(run)}</pre></details>` : ''}</div>`);
  const failed = a.failedRuns.map(({ run, task }) => html`<tr><td>${task ? taskLink(task) : `#${run.task_id}`}</td><td>${run.id}</td><td>${run.agent}</td><td>${run.outcome} ${run.failure_kind ?? ''}</td><td class="num">${run.exit_code ?? ''}</td><td>${clip(run.error, 160)}</td><td>${when(run.finished_at)}</td></tr>`);
  const paused = [
    ...a.misconfigured.map((x) => html`<div class="panel small bad"><b>${x.name}</b>: its CLI refuses to start (since ${when(x.at)}): ${x.error}</div>`),
    ...a.paused.map((x) => html`<div class="panel small"><b>${x.name}</b> paused until ${when(x.paused_until)} (${duration(x.paused_until - now)} left): ${x.reason ?? ''}</div>`),
  ];
  const proposals = a.proposals.map((x) => html`<div class="panel" data-proposal="${x.id}"><div class="row"><span class="grow"><b>${x.title}</b> <span class="muted small">proposal ${x.id} · ${x.project ?? 'default'} · ${x.type ?? 'code'} · by ${x.created_by} via ${x.source}</span></span>
${actionForm(p, 'accept', { proposal_id: x.id }, html`<button type="submit" class="primary">Accept</button>`)}
${actionForm(p, 'reject', { proposal_id: x.id }, html`<input type="text" name="reason" placeholder="why not" aria-label="reason to reject proposal ${x.id}"><button type="submit" class="danger">Reject</button>`)}
${actionForm(p, 'merge', { proposal_id: x.id }, html`<input type="number" name="into" min="1" placeholder="proposal" aria-label="merge proposal ${x.id} into"><button type="submit">Merge into</button>`)}</div>
${x.goal ? html`<div class="small">${clip(x.goal, 600)}</div>` : ''}</div>`);
  return html`<h1>Needs attention</h1>
${section('Reviews waiting', a.counts.reviews, reviews, 'nothing to review')}
${section('Questions', a.questions.length, questions, 'no open questions')}
${section('Dead letters', a.counts.dead, dead, 'no failed tasks')}
${section('Paused agents', paused.length, paused, 'no agent is paused')}
${section('Stuck', stuck.length, stuck.map(stuckLine), 'nothing is stuck')}
${section('Inbox proposals', a.counts.proposals, proposals, 'the inbox is empty')}
<h2>Failed runs, last 24 h <span class="n">${a.failedRuns.length}</span></h2>
${failed.length ? html`<table><tr><th>task</th><th>run</th><th>agent</th><th>outcome</th><th class="num">exit</th><th>error</th><th>finished</th></tr>${failed}</table>` : html`<div class="empty">no failed runs</div>`}`;
}
