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
  private readonly codes = new Map<string, McpTokenGrant>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a session for a grant; returns its id (the cookie's value). */
  open(grant: McpTokenGrant): string {
    const id = secret();
    this.sessions.set(id, { grant, csrf: secret(), lastSeen: this.now() });
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

  /** A code that logs one browser in once with `grant` (the link `steward up` prints). */
  oneTimeCode(grant: McpTokenGrant): string {
    const code = secret();
    this.codes.set(code, grant);
    return code;
  }

  /** Spends a one-time code: its grant, or undefined when unknown or already used. */
  redeem(code: string): McpTokenGrant | undefined {
    for (const [known, grant] of this.codes) {
      if (sameSecret(known, code)) {
        this.codes.delete(known);
        return grant;
      }
    }
    return undefined;
  }
}
