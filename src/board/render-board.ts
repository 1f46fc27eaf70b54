// Renders TASKS.md from the tasks: front matter, how-to, Could-not-read, then project → state sections.
import { writeFrontMatter } from '../files/front-matter.js';
import type { TaskState } from '../core/states.js';
import { visibleText } from '../core/visible-text.js';
import { normaliseTitle, sanitiseText, taskLine } from './board-line.js';
import { BOARD_TITLE, HOW_TO_LINE, KEPT_NOTE, KEPT_TITLE, STATE_LABEL, STATE_ORDER, formatKeptEntry, moreLine, pausedLine, type PausedProfile } from './board-layout.js';
import type { BoardTask, UnreadableLine } from './board-types.js';

/** How many done (and cancelled) tasks a project section shows by default. */
export const DEFAULT_DONE_LIMIT = 10;

/** What renderBoard needs besides the tasks. */
export interface RenderOptions {
  /** Time of the render (ms), written into the front matter. */
  now: number;
  /** Most recent done/cancelled tasks shown per project; the rest are counted. */
  doneLimit?: number;
  /** Texts the last diff could not read: shown once each under "Could not read". */
  unreadable?: UnreadableLine[];
  /** True totals of done/cancelled tasks per project, when the caller passes only the most recent ones. */
  finishedTotals?: Map<string, Partial<Record<TaskState, number>>>;
  /** Agent profiles paused (rate limits) at `now`: one line each under the how-to. */
  paused?: PausedProfile[];
}

const FINISHED: readonly TaskState[] = ['done', 'cancelled'];

/** The TASKS.md text for these tasks (deterministic except the generated_at line). */
export function renderBoard(tasks: BoardTask[], opts: RenderOptions): string {
  const limit = opts.doneLimit !== undefined && Number.isInteger(opts.doneLimit) && opts.doneLimit >= 0 ? opts.doneLimit : DEFAULT_DONE_LIMIT;
  const out: string[] = [BOARD_TITLE, '', HOW_TO_LINE];
  const paused = (opts.paused ?? []).filter((p) => p.paused_until > opts.now);
  if (paused.length) out.push('', ...paused.map(pausedLine));
  const kept = keptEntries(opts.unreadable ?? []);
  if (kept.length > 0) {
    out.push('', `## ${KEPT_TITLE}`, '', KEPT_NOTE, '');
    // One push per line: a spread of a 120,000-line entry would overflow the stack.
    for (const entry of kept) for (const line of formatKeptEntry(entry)) out.push(line);
  }
  for (const [project, list] of groupByProject(tasks)) {
    out.push('', `## ${project}`);
    for (const status of STATE_ORDER) {
      const inState = list.filter((t) => t.status === status);
      if (inState.length === 0) continue;
      const finished = FINISHED.includes(status);
      const shown = finished ? mostRecent(inState, limit) : inState;
      const total = finished ? Math.max(inState.length, opts.finishedTotals?.get(project)?.[status] ?? 0) : inState.length;
      out.push('', `### ${STATE_LABEL[status]}`, '');
      for (const task of [...shown].sort(byPriorityThenId)) out.push(taskLine(task));
      if (shown.length < total) out.push(moreLine(total - shown.length, status, project));
    }
  }
  const generatedAt = Number.isFinite(opts.now) ? new Date(opts.now).toISOString() : 'unknown';
  return writeFrontMatter({ generated: true, generated_by: 'steward', generated_at: generatedAt }, `${out.join('\n')}\n`);
}

/** Unreadable texts, each text once (the first reason wins), empty ones dropped. */
function keptEntries(list: UnreadableLine[]): UnreadableLine[] {
  const seen = new Set<string>();
  const out: UnreadableLine[] = [];
  for (const item of list) {
    const text = sanitiseText(String(item?.text ?? ''))
      .split(/\r\n|\r|\n/)
      .map((l) => visibleText(l).trimEnd())
      .join('\n');
    if (text.trim() === '' || seen.has(text)) continue;
    seen.add(text);
    out.push({ text, reason: String(item?.reason ?? '') });
  }
  return out;
}

/** Tasks by project heading name, projects in code-point order. */
function groupByProject(tasks: BoardTask[]): [string, BoardTask[]][] {
  const groups = new Map<string, BoardTask[]>();
  for (const task of tasks) {
    const name = normaliseTitle(task.project) || 'default';
    const list = groups.get(name) ?? [];
    list.push(task);
    groups.set(name, list);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The `limit` most recently finished tasks (then the highest ids). */
function mostRecent(tasks: BoardTask[], limit: number): BoardTask[] {
  return [...tasks].sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.id - a.id).slice(0, limit);
}

/** The stable board order: priority, then id. */
function byPriorityThenId(a: BoardTask, b: BoardTask): number {
  return a.priority - b.priority || a.id - b.id;
}
