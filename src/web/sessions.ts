// Board sessions in memory: a login (token or one-time link) gets a random session id for an HttpOnly cookie and a CSRF token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { McpTokenGrant } from '../mcp/tokens.js';

/** A logged-in browser: what its token granted, and the CSRF token every action must carry. */
export interface Session {
  grant: McpTokenGrant;
  csrf: string;
  lastSeen: number;
}

/** How long a session lives without a request (12 hours). */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** How many sessions are kept at most (the oldest go first). */
const MAX_SESSIONS = 1000;
/**
 * How many sessions one token (one grant) keeps at most: its own oldest go first, so logging in again and again with
 * one token never pushes another token's browser out (the whole table's cap is only reached by many tokens).
 */
export const MAX_SESSIONS_PER_GRANT = 50;
/**
 * How long a one-time login code (the link `steward up` prints) may be used (15 minutes): a link left in a log or a
 * terminal's scrollback no longer logs anyone in later. Past it the link answers as a used one does.
 */
export const ONE_TIME_CODE_TTL_MS = 15 * 60_000;

const secret = () => randomBytes(32).toString('base64url');

/** Constant-time equality of two strings (false when the lengths differ). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The sessions of one `steward up`, and its one-time login codes. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly codes = new Map<string, { grant: McpTokenGrant; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a session for a grant; returns its id (the cookie's value). */
  open(grant: McpTokenGrant): string {
    const id = secret();
    const now = this.now();
    const own: string[] = [];
    for (const [key, s] of this.sessions) {
      if (now - s.lastSeen > SESSION_IDLE_MS) this.sessions.delete(key);
      else if (s.grant === grant) own.push(key);
    }
    // Oldest first (a Map keeps the order of insertion).
    for (const key of own.slice(0, Math.max(0, own.length + 1 - MAX_SESSIONS_PER_GRANT))) this.sessions.delete(key);
    this.sessions.set(id, { grant, csrf: secret(), lastSeen: now });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return id;
  }

  /** The live session with this id (its idle clock restarts), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (now - s.lastSeen > SESSION_IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** A code that logs one browser in once with `grant` within ONE_TIME_CODE_TTL_MS (the link `steward up` prints). */
  oneTimeCode(grant: McpTokenGrant): string {
    const code = secret();
    this.codes.set(code, { grant, expires: this.now() + ONE_TIME_CODE_TTL_MS });
    return code;
  }

  /** Spends a one-time code: its grant, or undefined when unknown, already used or expired. */
  redeem(code: string): McpTokenGrant | undefined {
    const now = this.now();
    let found: McpTokenGrant | undefined;
    for (const [known, c] of this.codes) {
      const match = sameSecret(known, code);
      if (match || now > c.expires) this.codes.delete(known);
      if (match && now <= c.expires) found = c.grant;
    }
    return found;
  }
}
