// The board: a column per state (paged), filters by project, type and agent, text search, bulk actions on a selection.
import type { TaskState } from '../core/states.js';
import type { Card, Column, ColumnFilter } from '../ops/board-columns.js';
import { clip, count, duration, money } from './format.js';
import { mayActAtAll } from './forms.js';
import { html, type Html } from './html.js';
import type { Principal } from './web-auth.js';

/** The board's query string, as the view reads and writes it. */
export interface BoardQuery extends ColumnFilter {
  state?: TaskState;
  offset: number;
  limit: number;
}

/** A board URL for `q` with some parts changed. */
export function boardHref(q: BoardQuery, change: Partial<BoardQuery>): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  for (const k of ['project', 'type', 'agent', 'text', 'state'] as const) if (next[k]) params.set(k, String(next[k]));
  if (next.state && next.offset) params.set('offset', String(next.offset));
  const s = params.toString();
  return `/board${s ? `?${s}` : ''}`;
}

function card(c: Card, selectable: boolean, now: number): Html {
  const t = c.task;
  const elapsed = c.run ? duration(now - c.run.started_at) : t.finished_at ? duration(t.finished_at - t.created_at) : duration(now - t.created_at);
  return html`<div class="card" data-task="${t.id}">${selectable ? html`<input type="checkbox" name="ids" value="${t.id}" form="bulk" aria-label="select #${t.id}">` : ''}
<a class="t" href="/tasks/${t.id}">#${t.id} ${clip(t.title, 120)}</a><div class="meta"><span title="priority">P${t.priority}</span><span>${t.project}</span><span>${t.type}</span><span>${t.agent}</span>
<span title="attempts">${t.attempts}/${t.max_attempts}</span><span title="elapsed">${elapsed}</span>${c.cost_usd ? html`<span title="cost">${money(c.cost_usd)}</span>` : ''}${c.tokens ? html`<span title="tokens">${count(c.tokens)} tok</span>` : ''}</div></div>`;
}

function options(name: string, values: string[], chosen: string | undefined): Html {
  return html`<select name="${name}" aria-label="${name}"><option value="">any ${name}</option>${values.map((v) => html`<option value="${v}" ${v === chosen ? 'selected' : ''}>${v}</option>`)}</select>`;
}

/** The board view's main part. */
export function boardView(p: Principal, q: BoardQuery, columns: Column[], facets: { projects: string[]; types: string[]; agents: string[] }, now: number): Html {
  const selectable = mayActAtAll(p);
  const filters = html`<form class="filters" method="get" action="/board">
${options('project', facets.projects, q.project)}${options('type', facets.types, q.type)}${options('agent', facets.agents, q.agent)}
<input type="text" name="text" value="${q.text ?? ''}" placeholder="search title and goal" aria-label="search">${q.state ? html`<input type="hidden" name="state" value="${q.state}">` : ''}
<button type="submit">Filter</button><a href="/board">clear</a></form>`;
  const bulk = selectable
    ? html`<form id="bulk" class="bulk row" method="post" action="/act/bulk" data-action="bulk"><input type="hidden" name="_csrf" value="${p.csrf ?? ''}">
<span class="small muted">selection:</span><button type="button" data-select-all="1">all on page</button><button type="button" data-select-all="0">none</button>
<select name="op" aria-label="bulk action"><option value="cancel">cancel</option><option value="requeue">requeue</option><option value="approve">approve</option><option value="priority">set priority</option></select>
<input type="number" name="priority" min="0" max="100" value="50" aria-label="priority"><button type="submit">Apply to selected</button></form>`
    : html``;
  const cols = columns.map((c) => {
    const end = c.offset + c.cards.length;
    const pager = q.state
      ? html`<div class="more">${c.offset > 0 ? html`<a href="${boardHref(q, { offset: Math.max(0, c.offset - q.limit) })}">← prev</a> ` : ''}${c.offset + 1}–${end} of ${count(c.total)}${end < c.total ? html` <a href="${boardHref(q, { offset: end })}">next →</a>` : ''} · <a href="${boardHref(q, { state: undefined, offset: 0 })}">all columns</a></div>`
      : c.total > c.cards.length
        ? html`<div class="more"><a href="${boardHref(q, { state: c.state, offset: 0 })}">${count(c.total - c.cards.length)} more →</a></div>`
        : html``;
    return html`<section class="column" data-state="${c.state}"><h3>${c.state} <span class="muted">${count(c.total)}</span></h3>${c.cards.map((x) => card(x, selectable, now))}${pager}</section>`;
  });
  return html`<h1>Board</h1>${filters}${bulk}<div class="columns">${cols}</div>`;
}
