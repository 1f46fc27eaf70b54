// The tick's two TASKS.md steps: read a person's edits into the queue, then render the board again.
import { acceptPolicy } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import { toStewardError } from '../core/errors.js';
import type { OpContext, Task } from '../core/types.js';
import {
  addTask, answerTask, approveTask, cancelTask, editTask, markDone, proposeTask,
} from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { readBoardFile, writeBoardFile, type BoardRead } from './board-file.js';
import { boardLimit, capKept, overflowDirFor, saveOversize } from './board-limits.js';
import type { BoardCommand, BoardTask, UnreadableLine } from './board-types.js';
import { diffBoard, unreadableLines, type KeyHolder } from './diff-board.js';
import { renderBoard } from './render-board.js';
import { taskFact, toBoardTask } from './task-fact.js';

import { BOARD_REFRESH_MS, boardFreshUntil, LAST_RENDER_KEY, MARK_KEY, parseRenderMark, renderMarkFresh } from './board-mark.js';

export { BOARD_REFRESH_MS, LAST_RENDER_KEY };
/** The lines kept under "Could not read" by the last render (its queue mark is board-mark.ts's MARK_KEY). */
const KEPT_KEY = 'board.kept';

export interface BoardSyncOptions {
  store: Store;
  ctx: OpContext;
  path: string;
  config: Config;
  /** Where what the board cannot keep is saved (default: .steward/board-overflow beside TASKS.md). */
  overflowDir?: string;
}

/** What reading TASKS.md did; `unreadable` must be passed on to the render of the same tick. */
export interface BoardIngest {
  read: BoardRead;
  applied: Array<{ kind: BoardCommand['kind']; id?: number; task_id?: number; proposal_id?: number }>;
  unreadable: UnreadableLine[];
  /** Unreadable lines seen for the first time (for the digest). */
  fresh: Array<{ line: number; text: string; reason: string }>;
  /** Task lines a person deleted (nothing was deleted; the lines come back). */
  removed: number[];
  /** The file is byte for byte the last render: nothing to read (the diff was skipped). */
  unchanged?: boolean;
}

/** Tasks the board shows, as board rows with their one fact. */
function boardTasks(store: Store, config: Config, now: number, extraIds: number[] = []): { rows: BoardTask[]; tasks: Task[] } {
  const tasks = store.tasks.forBoard(config.board.doneLimit);
  const have = new Set(tasks.map((t) => t.id));
  for (const t of store.tasks.many(extraIds.filter((id) => !have.has(id)))) tasks.push(t);
  const runs = new Map(store.runs.running().map((r) => [r.task_id, r]));
  const openDeps = store.tasks.openDepsOfPending();
  const rows = tasks.map((t) => toBoardTask(t, withVerify(t, taskFact(t, now, { run: runs.get(t.id), openDeps: openDeps.get(t.id) ?? [] }))));
  return { rows, tasks };
}

/** The fact with the task's verify commands after it: the board shows whatever will run on the host. */
function withVerify(t: Task, fact: string): string {
  return t.verify.length ? `${fact} · verify: ${t.verify.join(' ; ')}` : fact;
}

function idsIn(...texts: Array<string | null | undefined>): number[] {
  const ids = new Set<number>();
  for (const text of texts) for (const m of (text ?? '').matchAll(/#(\d{1,15})\b/g)) ids.add(Number(m[1]));
  return [...ids];
}

/** Applies one command through the operations, as the person (actor `human`). */
function applyCommand(cmd: BoardCommand, opts: BoardSyncOptions): BoardIngest['applied'][number] | null {
  const { store, ctx, config } = opts;
  switch (cmd.kind) {
    case 'create': {
      const fields = { title: cmd.title, project: cmd.project, priority: cmd.priority, type: cmd.type, agent: cmd.agent, key: cmd.key };
      if (acceptPolicy(config, 'human') === 'auto') return { kind: 'create', task_id: addTask(store, fields, ctx, 'human').task.id };
      return { kind: 'create', proposal_id: proposeTask(store, fields, ctx, 'human').proposal.id };
    }
    case 'done':
      // Ticking a task in review approves it; any other tick is a person's override.
      if (store.tasks.get(cmd.id)?.status === 'review') approveTask(store, { id: cmd.id, reason: 'approved in TASKS.md' }, ctx);
      else markDone(store, { id: cmd.id, reason: 'ticked in TASKS.md' }, ctx);
      return { kind: cmd.kind, id: cmd.id };
    case 'cancel': cancelTask(store, { id: cmd.id, reason: 'cancelled in TASKS.md' }, ctx); return { kind: cmd.kind, id: cmd.id };
    case 'priority': editTask(store, { id: cmd.id, priority: cmd.priority }, ctx); return { kind: cmd.kind, id: cmd.id };
    case 'title': editTask(store, { id: cmd.id, title: cmd.title }, ctx); return { kind: cmd.kind, id: cmd.id };
    case 'agent': editTask(store, { id: cmd.id, agent: cmd.agent }, ctx); return { kind: cmd.kind, id: cmd.id };
    case 'answer': answerTask(store, { id: cmd.id, text: cmd.text }, ctx); return { kind: cmd.kind, id: cmd.id };
    default: return null;
  }
}

/** The text of a command that could not be applied, kept for the person under "Could not read". */
function keptText(cmd: Exclude<BoardCommand, { kind: 'unreadable' | 'removed' }>): string {
  if (cmd.kind === 'create') return cmd.raw;
  if (cmd.kind === 'answer') return `answer for #${cmd.id}: ${cmd.text}`;
  return `#${cmd.id}: ${cmd.kind}${'title' in cmd ? ` ${cmd.title}` : ''}${'priority' in cmd ? ` !${cmd.priority}` : ''}${'agent' in cmd ? ` @${cmd.agent}` : ''}`;
}

/** Reads TASKS.md, diffs it against the last render and the DB, applies the person's edits. */
export function ingestBoard(opts: BoardSyncOptions): BoardIngest {
  const last = opts.store.meta.get(LAST_RENDER_KEY) ?? null;
  const limit = boardLimit(last?.length ?? 0);
  const read = readBoardFile(opts.path, limit);
  const out: BoardIngest = { read, applied: [], unreadable: [], fresh: [], removed: [] };
  const overflow = overflowDirFor(opts.path, opts.overflowDir);
  if (read.oversize) {
    // Never read: a copy is saved aside and the board says where; the render replaces the file.
    const note = saveOversize(opts.path, overflow, read.oversize.bytes, read.oversize.stamp, limit);
    out.unreadable = [note];
    out.fresh = [{ line: 0, ...note }];
    return out;
  }
  if (read.text === null) return out;
  if (last !== null && read.text === last) {
    // No one touched the file since steward wrote it: no edits to read, and the kept lines are those it wrote.
    out.unreadable = JSON.parse(opts.store.meta.get(KEPT_KEY) ?? '[]') as UnreadableLine[];
    out.unchanged = true;
    return out;
  }
  const human = { ...opts, ctx: { ...opts.ctx, actor: 'human' } };
  const { rows } = boardTasks(opts.store, opts.config, opts.ctx.now, idsIn(read.text, last));
  const commands = diffBoard(last, read.text, rows, (key) => keyHolder(opts.store, key));
  out.unreadable = unreadableLines(commands);
  for (const cmd of commands) {
    if (cmd.kind === 'unreadable') {
      if (cmd.fresh) out.fresh.push({ line: cmd.line, text: cmd.text, reason: cmd.reason });
    } else if (cmd.kind === 'removed') {
      out.removed.push(cmd.id);
    } else {
      try {
        const done = applyCommand(cmd, human);
        if (done) out.applied.push(done);
      } catch (err) {
        const reason = `could not apply: ${toStewardError(err).message}`;
        out.unreadable.push({ text: keptText(cmd), reason });
        out.fresh.push({ line: 'line' in cmd ? cmd.line : 0, text: keptText(cmd), reason });
      }
    }
  }
  out.unreadable = capKept(out.unreadable, overflow, opts.path);
  return out;
}

/** Who holds a board create key in the whole queue: a task, or a proposal made from the line. */
function keyHolder(store: Store, key: string): KeyHolder | undefined {
  const task = store.tasks.byKey(key);
  if (task) return { task_id: task.id, open: task.status !== 'done' && task.status !== 'cancelled' };
  const proposal = store.proposals.firstByKey(key);
  if (!proposal) return undefined;
  if (proposal.task_id !== null) {
    const t = store.tasks.get(proposal.task_id);
    return { task_id: proposal.task_id, open: !!t && t.status !== 'done' && t.status !== 'cancelled' };
  }
  return { open: proposal.status === 'new' };
}

/** Renders TASKS.md from the DB (keeping unreadable text) and writes it unless a person edited it meanwhile. */
export function renderBoardFile(opts: BoardSyncOptions, ingest: BoardIngest): { written: boolean; tasks: number; reason?: string } {
  const change = opts.store.changeMark();
  const limit = opts.config.board.doneLimit;
  // The file is the last render and the queue has not changed since, nor has any time-based fact aged (board-mark.ts).
  if (ingest.unchanged && renderMarkFresh(parseRenderMark(opts.store.meta.get(MARK_KEY)), change, limit, opts.ctx.now)) {
    return { written: false, tasks: 0, reason: 'unchanged' };
  }
  const { rows, tasks } = boardTasks(opts.store, opts.config, opts.ctx.now);
  const totals = new Map<string, Partial<Record<Task['status'], number>>>();
  for (const { project, status, n } of opts.store.tasks.finishedTotals()) totals.set(project, { ...totals.get(project), [status]: n });
  const paused = opts.store.agents.paused(opts.ctx.now);
  const until = boardFreshUntil(tasks, paused.map((p) => p.paused_until), opts.ctx.now);
  const remember = () => opts.store.meta.set(MARK_KEY, JSON.stringify({ change, at: opts.ctx.now, until, limit }));
  const text = renderBoard(rows, { now: opts.ctx.now, doneLimit: opts.config.board.doneLimit, unreadable: ingest.unreadable, finishedTotals: totals, paused });
  const last = opts.store.meta.get(LAST_RENDER_KEY);
  if (last !== undefined && ingest.read.text === last && withoutTimestamp(last) === withoutTimestamp(text)) {
    remember();
    return { written: false, tasks: rows.length, reason: 'unchanged' };
  }
  const result = writeBoardFile(opts.path, text, ingest.read);
  if (result.written) {
    opts.store.meta.set(LAST_RENDER_KEY, text);
    opts.store.meta.set(KEPT_KEY, JSON.stringify(ingest.unreadable));
    remember();
  }
  return { ...result, tasks: rows.length };
}

/** The board text without its generated_at line, to tell a real change from a new timestamp. */
function withoutTimestamp(text: string): string {
  return text.replace(/^generated_at: .*$/m, '');
}
