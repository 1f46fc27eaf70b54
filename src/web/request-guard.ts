// Host and Origin checks for the board (DNS rebinding, cross-site posts). Small and replaceable by a shared HTTP guard.
import type { IncomingMessage } from 'node:http';

const LOCAL_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The host name of a Host header value, lower case, without the port ("[::1]" keeps its brackets). */
function hostName(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) return v.slice(0, v.indexOf(']') + 1);
  const colon = v.lastIndexOf(':');
  return colon === -1 ? v : v.slice(0, colon);
}

/** True when the request's Host names this machine (or the address `up` was told to serve on). */
export function hostAllowed(req: IncomingMessage, boundHost: string): boolean {
  const host = req.headers.host;
  if (!host) return false;
  const name = hostName(host);
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost.toLowerCase()}]` : boundHost.toLowerCase();
  return LOCAL_NAMES.includes(name) || name === bound;
}

/**
 * True when a state-changing request comes from the board's own pages: its Origin (or, without one, its Referer)
 * is this Host. A request with neither (curl with a bearer token) passes; browsers always send Origin on a POST.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const from = req.headers.origin ?? req.headers.referer;
  if (from === undefined) return true;
  try {
    const url = new URL(from);
    return url.host === req.headers.host && url.protocol === 'http:';
  } catch {
    return false;
  }
}
