// The render mark: what the last render of TASKS.md reflected (the queue's change mark, the done limit) and until when
// the same queue renders the same board. The render step skips a render the mark says would write the same text, and
// the quiet tick (src/tick/quiet-tick.ts) reads it to know the render would do nothing, without loading the board code.
import type { Task } from '../core/types.js';

/** The meta key holding the text of the last successful render (the diff's common ancestor). */
export const LAST_RENDER_KEY = 'board.last_render';
/** The meta key of the render mark. */
export const MARK_KEY = 'board.render_mark';
/** A board with a running task ("running for 12m") is rendered again at least this often. */
export const BOARD_REFRESH_MS = 60_000;
/** A "retry at 14:05" shows its date while it is this far away or more. */
const DATE_SHOWN_MS = 86_400_000;

/** What the last render (or the check that found it current) saw. */
export interface RenderMark {
  /** Store.changeMark() when it was taken. */
  change: string;
  /** When (ms). */
  at: number;
  /**
   * Until when (ms) the board's time-based facts read the same; null when it has none. Absent in marks written
   * before it existed: they hold for BOARD_REFRESH_MS.
   */
  until?: number | null;
  /** The config's board.doneLimit it was rendered with. */
  limit?: number;
}

/** Reads a stored mark; null when there is none or it cannot be read. */
export function parseRenderMark(text: string | undefined): RenderMark | null {
  if (text === undefined) return null;
  try {
    const v = JSON.parse(text) as Partial<RenderMark> | null;
    if (v && typeof v.change === 'string' && typeof v.at === 'number') return v as RenderMark;
  } catch {
    // render again
  }
  return null;
}

/** Whether a render now would show what the mark's render showed: same queue, same done limit, no fact aged since. */
export function renderMarkFresh(mark: RenderMark | null, change: string, limit: number, now: number): boolean {
  if (!mark || mark.change !== change || mark.limit !== limit) return false;
  const until = mark.until === undefined ? mark.at + BOARD_REFRESH_MS : mark.until;
  return until === null || now < until;
}

/**
 * Until when a board of these tasks and paused profiles, rendered at `now`, reads the same while the queue does not
 * change (task-fact.ts and render-board.ts are what read the clock): a running task's duration ages (refreshed every
 * BOARD_REFRESH_MS); a "retry at" turns into "waiting…" at its time and drops its date a day before; a pause ends. null:
 * nothing on the board depends on the time.
 */
export function boardFreshUntil(tasks: ReadonlyArray<Pick<Task, 'status' | 'run_after'>>, pausedUntil: readonly number[], now: number): number | null {
  let until = Number.POSITIVE_INFINITY;
  const upTo = (at: number) => {
    if (at > now && at < until) until = at;
  };
  for (const t of tasks) {
    if (t.status === 'running') upTo(now + BOARD_REFRESH_MS);
    else if ((t.status === 'ready' || t.status === 'pending') && t.run_after > now) {
      upTo(t.run_after);
      upTo(t.run_after - DATE_SHOWN_MS);
    }
  }
  for (const at of pausedUntil) upTo(at);
  return Number.isFinite(until) ? until : null;
}
