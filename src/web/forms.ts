// Action forms: rendered only for a role that may take the action, each with the session's CSRF token.
import { html, type Html } from './html.js';
import type { Principal } from './web-auth.js';
import { mayAct, type WebAction } from './web-roles.js';

/** A POST form to /act/<action> with hidden fields; empty for a role that may not act. */
export function actionForm(p: Principal, action: WebAction, hidden: Record<string, string | number>, body: Html, cls = 'inline'): Html {
  if (!mayAct(p.grant.role, action)) return html``;
  const inputs = Object.entries(hidden).map(([k, v]) => html`<input type="hidden" name="${k}" value="${String(v)}">`);
  return html`<form class="${cls}" method="post" action="/act/${action}" data-action="${action}"><input type="hidden" name="_csrf" value="${p.csrf ?? ''}">${inputs}${body}</form>`;
}

/** A one-button action on a task. */
export function taskButton(p: Principal, action: WebAction, id: number, label: string, cls = ''): Html {
  return actionForm(p, action, { id }, html`<button type="submit" class="${cls}">${label}</button>`);
}

/** True when the viewer may take any action at all (the views hide selection boxes otherwise). */
export function mayActAtAll(p: Principal): boolean {
  return mayAct(p.grant.role, 'bulk');
}
