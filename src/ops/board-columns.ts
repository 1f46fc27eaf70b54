// The web board's columns: one page of tasks per state under a filter, each card with its run figures.
import type { TaskState } from '../core/states.js';
import type { Run, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { ColumnFilter } from '../store/web-repo.js';

export type { ColumnFilter } from '../store/web-repo.js';

/** The board's columns left to right: the flow of work, then where it ends. */
export const BOARD_COLUMNS: readonly TaskState[] = ['pending', 'ready', 'running', 'blocked', 'review', 'done', 'failed', 'cancelled'];

/** A card: the task, its live run (when running), its run count, spend and tokens. */
export interface Card {
  task: Task;
  run: Run | null;
  runs: number;
  cost_usd: number;
  tokens: number;
}

/** One column: its state, the page of cards, how many tasks it holds under the filter, where the page starts. */
export interface Column {
  state: TaskState;
  cards: Card[];
  total: number;
  offset: number;
}

/** What to read: a filter, and either every column's first page or one column from an offset. */
export interface ColumnsQuery {
  filter: ColumnFilter;
  /** Only this column (paging through it). */
  state?: TaskState;
  offset?: number;
  limit: number;
}

/** Reads the board's columns (every state, or the one asked for) with their cards. */
export function readColumns(store: Store, q: ColumnsQuery): Column[] {
  return store.read(() => {
    const counts = store.web.counts(q.filter);
    const states = q.state ? [q.state] : BOARD_COLUMNS;
    const pages = states.map((state) => ({ state, tasks: store.web.column(state, q.filter, q.limit, q.state ? (q.offset ?? 0) : 0) }));
    const all = pages.flatMap((p) => p.tasks);
    const totals = store.web.totals(all.map((t) => t.id));
    const live = store.web.runs(all.map((t) => t.current_run_id).filter((id): id is number => id !== null));
    return pages.map(({ state, tasks }) => ({
      state,
      total: counts[state] ?? 0,
      offset: q.state ? (q.offset ?? 0) : 0,
      cards: tasks.map((task) => {
        const t = totals.get(task.id);
        return {
          task,
          run: task.current_run_id === null ? null : (live.get(task.current_run_id) ?? null),
          runs: t?.runs ?? 0,
          cost_usd: t?.cost_usd ?? 0,
          tokens: t?.tokens ?? 0,
        };
      }),
    }));
  });
}

/** The projects, types and agents tasks name, for the filter menus. */
export function readFacets(store: Store): { projects: string[]; types: string[]; agents: string[] } {
  return store.read(() => store.web.facets());
}
