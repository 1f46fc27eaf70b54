// Who is asking: a session cookie (browser) or an Authorization bearer token (scripts); CSRF applies to cookies only.
import type { IncomingMessage } from 'node:http';
import type { McpTokenGrant } from '../mcp/tokens.js';
import { sameSecret, type Sessions } from './sessions.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'steward_session';

/** An authenticated caller. */
export interface Principal {
  grant: McpTokenGrant;
  /** The actor recorded on the events its actions write. */
  actor: string;
  /** The session's CSRF token; absent for a bearer token (a browser never sends one on its own). */
  csrf?: string;
  sessionId?: string;
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The actor of a grant on the board: its name, else `web:<role>`. */
export function actorOf(grant: McpTokenGrant): string {
  return grant.name ?? `web:${grant.role}`;
}

/** Finds the caller: a bearer token first, else the session cookie; null when neither is valid. */
export function authenticate(
  req: IncomingMessage,
  sessions: Sessions,
  checkBearer: (header: string | undefined) => McpTokenGrant | null,
): Principal | null {
  if (req.headers.authorization) {
    const grant = checkBearer(req.headers.authorization);
    return grant ? { grant, actor: actorOf(grant) } : null;
  }
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = sessions.get(id);
  return session ? { grant: session.grant, actor: actorOf(session.grant), csrf: session.csrf, sessionId: id } : null;
}

/** True when an action by `p` carries the right CSRF token (always for bearer callers). */
export function csrfOk(p: Principal, given: string | undefined): boolean {
  if (p.csrf === undefined) return true;
  return typeof given === 'string' && sameSecret(given, p.csrf);
}

/**
 * True when the browser reached the board over TLS, through a TLS proxy in front of `up` (docs/SCALING.md): the
 * login's Origin is https, or the proxy says so in X-Forwarded-Proto (Caddy does by default). Only the session's own
 * cookie depends on it, so a client that claims it only makes its own cookie Secure.
 */
export function viaTls(req: IncomingMessage): boolean {
  const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
  return proto === 'https' || (req.headers.origin ?? '').toLowerCase().startsWith('https://');
}

/**
 * The Set-Cookie value of a session (HttpOnly, SameSite=Strict, the whole site); Secure when the board is reached over
 * TLS, so the browser never sends the session over plain HTTP to the same name (a link or redirect to http://…).
 */
export function sessionCookie(id: string, secure = false): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that ends a session. */
export function clearedCookie(secure = false): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}
