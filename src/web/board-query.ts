// The board's query string → a validated filter (bad values are dropped, never trusted).
import { TASK_STATES, type TaskState } from '../core/states.js';
import type { BoardQuery } from './view-board.js';

/** Cards per column on the all-columns board, and per page when paging through one column. */
export const CARDS_PER_COLUMN = 50;
export const CARDS_PER_PAGE = 200;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Reads project, type, agent, text, state and offset from the URL. */
export function parseBoardQuery(params: URLSearchParams): BoardQuery {
  const name = (k: string) => {
    const v = params.get(k)?.trim();
    return v && NAME.test(v) ? v : undefined;
  };
  const stateParam = params.get('state') ?? '';
  const state = (TASK_STATES as readonly string[]).includes(stateParam) ? (stateParam as TaskState) : undefined;
  const offset = Math.min(Math.max(0, Math.floor(Number(params.get('offset')) || 0)), 10_000_000);
  const text = params.get('text')?.trim().slice(0, 200) || undefined;
  return { project: name('project'), type: name('type'), agent: name('agent'), text, state, offset: state ? offset : 0, limit: state ? CARDS_PER_PAGE : CARDS_PER_COLUMN };
}
