// Task detail: goal, links, the actions its state allows, every run, the event timeline, the live log tail.
import type { Run } from '../core/types.js';
import type { TaskDetail, TaskLink } from '../ops/task-detail.js';
import { count, duration, money, stateChip, when } from './format.js';
import { actionForm, taskButton } from './forms.js';
import { html, type Html } from './html.js';
import type { Principal } from './web-auth.js';

function links(title: string, list: TaskLink[]): Html {
  if (!list.length) return html``;
  return html`<dt>${title}</dt><dd>${list.map((l) => html`<a href="/tasks/${l.id}">#${l.id} ${l.title}</a> ${stateChip(l.status)} `)}</dd>`;
}

function runRow(r: Run, now: number): Html {
  const tokens = (r.tokens_in ?? 0) + (r.tokens_out ?? 0);
  return html`<tr><td>${r.id}</td><td>${r.agent}</td><td>${r.status === 'running' ? html`<span class="chip running">running</span>` : r.outcome}</td><td>${r.failure_kind ?? ''}</td>
<td class="num">${r.exit_code ?? ''}</td><td>${when(r.started_at)}</td><td class="num">${duration((r.finished_at ?? now) - r.started_at)}</td><td class="num">${money(r.cost_usd)}</td><td class="num">${tokens ? count(tokens) : ''}</td>
<td>${r.summary ?? r.error ?? ''}</td></tr>`;
}

function actions(p: Principal, d: TaskDetail): Html {
  const t = d.task;
  const s = t.status;
  const out: Html[] = [];
  if (s === 'review') {
    out.push(taskButton(p, 'approve', t.id, 'Approve', 'primary'));
    out.push(actionForm(p, 'changes', { id: t.id }, html`<input type="text" name="feedback" placeholder="what to change" required aria-label="feedback"><button type="submit">Request changes</button>`));
  }
  if (s === 'blocked' && t.blocked_kind !== 'dependency') {
    out.push(actionForm(p, 'answer', { id: t.id }, html`<input type="text" name="text" placeholder="your answer" required aria-label="answer"><button type="submit" class="primary">Answer</button>`));
  }
  if (s === 'failed' || s === 'cancelled') out.push(taskButton(p, 'requeue', t.id, 'Requeue'));
  if (!['done', 'failed', 'cancelled'].includes(s)) out.push(taskButton(p, 'cancel', t.id, 'Cancel', 'danger'));
  out.push(actionForm(p, 'priority', { id: t.id }, html`<input type="number" name="priority" min="0" max="100" value="${t.priority}" aria-label="priority"><button type="submit">Set priority</button>`));
  return html`<div class="row">${out}</div>`;
}

function editForm(p: Principal, d: TaskDetail): Html {
  const t = d.task;
  return actionForm(
    p,
    'edit',
    { id: t.id },
    html`<details id="edit-${t.id}"><summary>Edit</summary><dl class="kv"><dt>title</dt><dd><input type="text" name="title" value="${t.title}" aria-label="title"></dd>
<dt>project</dt><dd><input type="text" name="project" value="${t.project}" aria-label="project"></dd><dt>type</dt><dd><input type="text" name="type" value="${t.type}" aria-label="type"></dd>
<dt>agent</dt><dd><input type="text" name="agent" value="${t.agent}" aria-label="agent"></dd><dt>goal</dt><dd><textarea name="goal" aria-label="goal">${t.goal}</textarea></dd></dl>
<button type="submit">Save</button></details>`,
    'edit',
  );
}

/** The task view's main part; `logSrc` is the SSE URL of a running run's log, `logTail` a finished run's log end. */
export function taskView(p: Principal, d: TaskDetail, now: number, log: { src?: string; tail?: string; runId?: number }): Html {
  const t = d.task;
  const live = d.runs.find((r) => r.status === 'running');
  return html`<h1>#${t.id} ${t.title} ${stateChip(t.status)}</h1>
${actions(p, d)}
<div class="panel"><dl class="kv"><dt>project</dt><dd>${t.project}</dd><dt>type</dt><dd>${t.type}</dd><dt>agent</dt><dd>${t.agent}</dd>
<dt>priority</dt><dd>${t.priority}</dd><dt>attempts</dt><dd>${t.attempts} of ${t.max_attempts}</dd><dt>created</dt><dd>${when(t.created_at)} by ${t.created_by} (${t.source})</dd>
${t.finished_at ? html`<dt>finished</dt><dd>${when(t.finished_at)}</dd>` : ''}${t.requires.length ? html`<dt>requires</dt><dd>${t.requires.join(', ')}</dd>` : ''}
${t.verify.length ? html`<dt>verify</dt><dd>${t.verify.map((v) => html`<code>${v}</code> `)}</dd>` : ''}${t.review ? html`<dt>review</dt><dd>a person approves</dd>` : ''}
${d.parent ? links('follow-up of', [d.parent]) : ''}${links('after', d.dependencies)}${links('needed by', d.dependents)}${links('follow-ups', d.followUps)}
${t.question ? html`<dt>question</dt><dd>${t.question}</dd>` : ''}${t.answer ? html`<dt>answer</dt><dd>${t.answer}</dd>` : ''}${t.feedback ? html`<dt>feedback</dt><dd>${t.feedback}</dd>` : ''}
${t.result ? html`<dt>result</dt><dd>${t.result}</dd>` : ''}${t.error ? html`<dt>error</dt><dd class="bad">${t.error}</dd>` : ''}</dl>
<h2>Goal</h2><pre>${t.goal || '(no goal written)'}</pre>${editForm(p, d)}</div>
<h2>${live ? html`Live log · run ${live.id}` : log.runId ? html`Log · run ${log.runId}` : 'Log'}</h2>
${log.src || log.tail !== undefined ? html`<pre class="log" id="log" data-src="${log.src ?? ''}">${log.tail ?? ''}</pre>` : html`<div class="empty">no log yet</div>`}
<h2>Runs <span class="n">${d.runs.length}</span></h2>
${d.runs.length ? html`<table><tr><th>run</th><th>agent</th><th>outcome</th><th>kind</th><th class="num">exit</th><th>started</th><th class="num">duration</th><th class="num">cost</th><th class="num">tokens</th><th>summary / error</th></tr>${d.runs.map((r) => runRow(r, now))}</table>` : html`<div class="empty">no runs yet</div>`}
<h2>Timeline <span class="n">${d.events.length}</span></h2>
<ul class="timeline">${d.events.map((e) => html`<li><span class="muted small">${when(e.at)}</span> <b>${e.kind}</b> ${e.from_status ? html`${e.from_status} → ${e.to_status}` : ''} <span class="muted">by ${e.actor}</span>${e.run_id ? html` <span class="small muted">run ${e.run_id}</span>` : ''}${e.reason ? html` — ${e.reason}` : ''}</li>`)}</ul>`;
}
