// The page shell: top navigation, the CSRF meta tag, the stylesheet under a nonce, the one script.
import { randomBytes } from 'node:crypto';
import { BOARD_CSS } from './style.js';
import { html, trusted, type Html } from './html.js';
import type { Principal } from './web-auth.js';

/** The views in the navigation, in order of importance. */
const NAV: Array<[string, string]> = [
  ['/', 'Needs attention'],
  ['/board', 'Board'],
  ['/agents', 'Agents'],
  ['/stats', 'Metrics'],
];

/** A page: its body and the CSP nonce its <style> carries. */
export interface Page {
  html: string;
  nonce: string;
}

/** The Content-Security-Policy of a page with `nonce`: nothing from elsewhere, no inline script. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "script-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** A full page for a logged-in viewer; `main` is what live refreshes replace. */
export function page(o: { title: string; path: string; principal: Principal; main: Html }): Page {
  const nonce = randomBytes(16).toString('base64');
  const { principal } = o;
  const nav = NAV.map(([href, label]) => html`<a href="${href}" class="${href === o.path ? 'on' : ''}">${label}</a>`);
  const readOnly = principal.grant.role === 'triage' ? '' : ' · read-only';
  const text = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="${principal.csrf ?? ''}">
<title>${o.title} · steward</title><style nonce="${nonce}">${trusted(BOARD_CSS)}</style></head>
<body data-role="${principal.grant.role}"><header class="top"><span class="brand">steward</span>${nav}
<span class="who"><span id="live" class="live" title="live updates"></span>${principal.actor} (${principal.grant.role}${readOnly})
${principal.sessionId ? html` · <form class="inline" method="post" action="/logout" data-plain><input type="hidden" name="_csrf" value="${principal.csrf ?? ''}"><button class="small">log out</button></form>` : ''}</span></header>
<main id="main">${o.main}</main><script src="/assets/board.js"></script></body></html>`;
  return { html: text.text, nonce };
}

/** The login page (the only page served without a token). */
export function loginPage(message?: string): Page {
  const nonce = randomBytes(16).toString('base64');
  const text = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · steward</title><style nonce="${nonce}">${trusted(BOARD_CSS)}</style></head>
<body><form class="login" method="post" action="/login">
<h1>steward</h1><p class="muted">Paste a token from <code>.steward/config.yaml</code> (<code>mcp.tokens</code>), or open the one-time link <code>steward up</code> printed.</p>
${message ? html`<p class="bad" role="alert">${message}</p>` : ''}
<label for="token">Token</label><input id="token" type="password" name="token" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Log in</button></form></body></html>`;
  return { html: text.text, nonce };
}
