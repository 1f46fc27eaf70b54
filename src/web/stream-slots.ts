// How many live streams (the change feed, run logs) the board holds open: in all and per token. Each holds a
// connection for as long as its client likes, so without a cap one token's streams filled the server's connection cap
// and the worker API and MCP were refused.
import type { ServerResponse } from 'node:http';

/** Live streams open at once by default: a quarter of the default connection cap (64); waiting claims take half. */
export const DEFAULT_MAX_STREAMS = 16;

/** Counts open streams per grant (one token, or one one-time login) and in all. */
export class StreamSlots {
  private readonly byGrant = new Map<object, number>();
  private total = 0;
  /** Streams one grant may hold: half of all, so one token never shuts the others out (a browser opens 6 at most). */
  readonly perGrant: number;

  constructor(readonly max: number = DEFAULT_MAX_STREAMS) {
    this.perGrant = Math.max(1, Math.ceil(max / 2));
  }

  /** Takes a slot for `grant` until `res` closes; null when it did, else why not (the cap reached). */
  take(grant: object, res: ServerResponse): string | null {
    const mine = this.byGrant.get(grant) ?? 0;
    if (mine >= this.perGrant) return `this token has ${mine} live streams open already (at most ${this.perGrant}): close some board tabs`;
    if (this.total >= this.max) return `${this.total} live streams are open already (at most ${this.max}): close some board tabs`;
    this.byGrant.set(grant, mine + 1);
    this.total += 1;
    res.once('close', () => {
      this.total -= 1;
      const left = (this.byGrant.get(grant) ?? 1) - 1;
      if (left > 0) this.byGrant.set(grant, left);
      else this.byGrant.delete(grant);
    });
    return null;
  }

  /** Streams open now. */
  get open(): number {
    return this.total;
  }
}
