// The three-way merge: last render × the file now × the DB now → what the person asked for.
//
// A command comes only from what the person changed relative to the last render (or, for a line
// the last render did not have, relative to the DB), and never when the DB already holds the
// value — so applying the same file twice yields nothing the second time.
import { createHash } from 'node:crypto';
import { canTransition } from '../core/states.js';
import { normaliseTitle, normaliseWord, sanitiseText, parseTaskLine, statusCheck, taskLine, type LineFields } from './board-line.js';
import { parseBoard, type ParsedBoard, type ParsedProblem, type ParsedTask } from './parse-board.js';
import type { BoardCommand, BoardTask, UnreadableLine } from './board-types.js';

type Unreadable = Extract<BoardCommand, { kind: 'unreadable' }>;

/** Who holds a create key already: a task (and whether it is still open), or a proposal (open while undecided). */
export interface KeyHolder {
  task_id?: number;
  open: boolean;
}

/**
 * Commands for the person's edits of `current` since `lastRender` (null: first run), checked against `db`.
 * `lookup` finds who holds a create key (default: the tasks in `db`); the caller passes the whole queue's.
 */
export function diffBoard(lastRender: string | null, current: string, db: BoardTask[], lookup?: (key: string) => KeyHolder | undefined): BoardCommand[] {
  const cur = parseBoard(current);
  const last = lastRender === null || lastRender === undefined ? null : parseBoard(lastRender);
  const ctx = makeContext(last, db, cur, lookup);
  const out: { at: number; cmd: BoardCommand }[] = [];
  const push = (at: number, cmd: BoardCommand) => out.push({ at, cmd });
  const unreadable = (line: number, text: string, reason: string, fresh = true) =>
    push(line, { kind: 'unreadable', line, text: sanitiseText(text), reason, fresh });

  // A header whose quoted text the person deleted is steward's own line going with it (never a person's line).
  const known = (p: ParsedProblem) => (p.unknown && ctx.lastLines.has(p.text)) || (p.bareHeader === true && ctx.lastHeaders.has(p.text));
  for (const p of groupProblems(cur.problems.filter((p) => !known(p)))) {
    unreadable(p.line, p.text, p.reason);
  }
  for (const k of cur.kept) unreadable(k.line, k.text, k.reason, !ctx.lastKept.has(k.text));

  const seen = new Map<number, number>();
  const occurrences = new Map<string, number>();
  const newProjects = new Set<string>();
  for (const t of cur.tasks) {
    const whole = [t.raw, ...t.answers.map((a) => a.raw)].join('\n');
    if (!t.parsed.ok) {
      if (t.parsed.id !== null && !seen.has(t.parsed.id)) seen.set(t.parsed.id, t.line);
      unreadable(t.line, whole, t.parsed.reason);
      continue;
    }
    const f = t.parsed.fields;
    if (f.id === null) {
      const project = t.project ?? 'default';
      newProjects.add(project);
      if (f.check !== ' ') {
        unreadable(t.line, whole, 'a new task cannot start done or cancelled: write it as "- [ ] title"');
        continue;
      }
      if (t.answers.length > 0) {
        unreadable(t.answers[0]!.line, t.answers.map((a) => a.raw).join('\n'), 'an answer goes under a blocked task that has an #id');
      }
      const create = createCommand(t, f, project, ctx, occurrences);
      if (create) push(t.line, create);
      continue;
    }
    const firstLine = seen.get(f.id);
    if (firstLine !== undefined) {
      unreadable(t.line, whole, `#${f.id} is already on line ${firstLine}: one line per task`);
      continue;
    }
    seen.set(f.id, t.line);
    const task = ctx.dbById.get(f.id);
    if (!task) {
      unreadable(t.line, whole, `there is no task #${f.id}: write a new task without an id`);
      continue;
    }
    const edits = editCommands(f, ctx.lastById.get(f.id) ?? renderedFields(task), task);
    if (typeof edits === 'string') {
      unreadable(t.line, whole, edits);
      continue;
    }
    for (const cmd of edits.fields) push(t.line, cmd);
    const answered = answerCommand(t, task);
    if (answered && 'reason' in answered) unreadable(answered.line, answered.text, answered.reason);
    else if (answered) push(t.line, answered);
    if (edits.close) push(t.line, edits.close);
  }

  for (const h of cur.headings) {
    if (!ctx.projects.has(h.project) && !newProjects.has(h.project)) {
      unreadable(h.line, h.raw, 'a project heading with no task under it: add "- [ ] title" lines under it');
    }
  }
  for (const id of ctx.lastById.keys()) {
    if (!seen.has(id) && ctx.dbById.has(id)) push(Number.POSITIVE_INFINITY, { kind: 'removed', id });
  }
  return out.sort((a, b) => a.at - b.at).map((o) => o.cmd);
}

/** The unreadable commands as the renderer takes them back (pass these to renderBoard). */
export function unreadableLines(commands: BoardCommand[]): UnreadableLine[] {
  return commands.filter((c): c is Unreadable => c.kind === 'unreadable').map((c) => ({ text: c.text, reason: c.reason }));
}

interface Context {
  dbById: Map<number, BoardTask>;
  lookup: (key: string) => KeyHolder | undefined;
  lastById: Map<number, LineFields>;
  /** Ids with a line in the file now (readable or not). */
  curIds: Set<number>;
  lastLines: Set<string>;
  lastKept: Set<string>;
  lastHeaders: Set<string>;
  projects: Set<string>;
}

function makeContext(last: ParsedBoard | null, db: BoardTask[], cur: ParsedBoard, lookup?: (key: string) => KeyHolder | undefined): Context {
  const lastById = new Map<number, LineFields>();
  for (const t of last?.tasks ?? []) {
    if (t.parsed.ok && t.parsed.fields.id !== null && !lastById.has(t.parsed.fields.id)) lastById.set(t.parsed.fields.id, t.parsed.fields);
  }
  const projects = new Set<string>(last?.headings.map((h) => h.project) ?? []);
  for (const t of db) projects.add(normaliseTitle(t.project) || 'default');
  const byKey = new Map<string, KeyHolder>();
  for (const t of db) if (typeof t.key === 'string') byKey.set(t.key, { task_id: t.id, open: t.status !== 'done' && t.status !== 'cancelled' });
  const curIds = new Set<number>();
  for (const t of cur.tasks) {
    const id = t.parsed.ok ? t.parsed.fields.id : t.parsed.id;
    if (id !== null) curIds.add(id);
  }
  return {
    dbById: new Map(db.map((t) => [t.id, t])),
    lookup: lookup ?? ((key) => byKey.get(key)),
    lastById,
    curIds,
    // Lines of the last render that are not board syntax were written by an older steward: not the person's.
    lastLines: new Set(last?.problems.filter((p) => p.unknown).map((p) => p.text) ?? []),
    lastKept: new Set(last?.kept.map((k) => k.text) ?? []),
    lastHeaders: new Set(last?.keptHeaders ?? []),
    projects,
  };
}

/** Consecutive lines with the same reason become one piece of text. */
function groupProblems(problems: ParsedProblem[]): ParsedProblem[] {
  const out: (ParsedProblem & { end: number })[] = [];
  for (const p of problems) {
    const prev = out[out.length - 1];
    if (prev && p.unknown && prev.unknown && prev.reason === p.reason && prev.end + 1 === p.line) {
      prev.text += `\n${p.text}`;
      prev.end = p.line;
    } else out.push({ ...p, end: p.line });
  }
  return out;
}

/** The fields a line would show for this task now (the base when the last render lacks the line). */
function renderedFields(task: BoardTask): LineFields {
  const parsed = parseTaskLine(taskLine(task));
  if (parsed?.ok) return parsed.fields;
  return { id: task.id, check: statusCheck(task.status), title: normaliseTitle(task.title), priority: task.priority, fact: null };
}

/** Field commands and the done/cancel command for one id line, or why the line cannot be applied. */
function editCommands(f: LineFields, base: LineFields, task: BoardTask): { fields: BoardCommand[]; close: BoardCommand | null } | string {
  const id = task.id;
  if (f.type !== undefined && f.type !== base.type && f.type !== normaliseWord(task.type)) {
    return `the type cannot be changed in TASKS.md (#${id} is type:${normaliseWord(task.type)})`;
  }
  const fields: BoardCommand[] = [];
  if (f.title !== base.title && f.title !== normaliseTitle(task.title)) fields.push({ kind: 'title', id, title: f.title });
  if (f.priority !== undefined && f.priority !== base.priority && f.priority !== task.priority) {
    fields.push({ kind: 'priority', id, priority: f.priority });
  }
  if (f.agent !== undefined && f.agent !== base.agent && f.agent !== normaliseWord(task.agent)) fields.push({ kind: 'agent', id, agent: f.agent });
  let close: BoardCommand | null = null;
  if (f.check !== base.check) {
    if (f.check === 'x' && task.status !== 'done') {
      if (!canTransition('force_done', task.status, 'done')) return `#${id} is ${task.status}: it cannot be ticked done (run "steward requeue ${id}" first)`;
      close = { kind: 'done', id };
    } else if (f.check === '-' && task.status !== 'cancelled') {
      if (!canTransition('cancel', task.status, 'cancelled')) return `#${id} is ${task.status}: it cannot be cancelled any more`;
      close = { kind: 'cancel', id };
    } else if (f.check === ' ' && (task.status === 'done' || task.status === 'cancelled')) {
      // requeue takes a cancelled task back, never a done one: that one needs a new task.
      const how = task.status === 'cancelled' ? `run "steward requeue ${id}"` : 'a done task is never reopened: write a new task line without an id';
      return `#${id} is ${task.status}: clearing the box does not reopen it (${how})`;
    }
  }
  return { fields, close };
}

/** The answer command for the answers under an id line, a reason it cannot apply, or null. */
function answerCommand(t: ParsedTask, task: BoardTask): BoardCommand | { line: number; text: string; reason: string } | null {
  if (t.answers.length === 0) return null;
  const line = t.answers[0]!.line;
  const raw = t.answers.map((a) => a.raw).join('\n');
  const text = sanitiseText(t.answers.map((a) => a.text).filter((a) => a !== '').join('\n'));
  if (text === '') return { line, text: raw, reason: 'an empty answer: write it after "answer:"' };
  if (task.answer === text) return null;
  if (task.status !== 'blocked') return { line, text: raw, reason: `#${task.id} is ${task.status}, not waiting for an answer: not applied` };
  return { kind: 'answer', id: task.id, text };
}

/** Keys tried per line text before giving up (each is one lookup): far more copies of one line than anyone types. */
const MAX_COPIES = 10_000;

/**
 * The create command for a new line, or null when the queue already holds what it creates.
 *
 * The key depends only on the project and the line's text, and on which copy of that text it is (`board:` +
 * hash(project, text, k)). Copy k is taken when its key is free. A key held by a task whose `#id` line is in the
 * file is another copy the person can see, so the next k is tried. A key held by a task the person's file does not
 * show, while the task is open or was in the last render (or by an undecided proposal), is this very line saved
 * again from a stale buffer: nothing is created. A key held by a finished task no longer on the board is an old
 * copy: the next k is tried, so typing the same line months later makes a new task.
 */
function createCommand(
  t: ParsedTask,
  f: LineFields,
  project: string,
  ctx: Context,
  next: Map<string, number>,
): BoardCommand | null {
  const raw = t.raw.trim();
  const slot = `${project}\u0000${raw}`;
  for (let k = next.get(slot) ?? 0; k < MAX_COPIES; k++) {
    const key = `board:${sha256(`${slot}\u0000${k}`).slice(0, 24)}`;
    const holder = ctx.lookup(key);
    if (holder !== undefined) {
      if (holder.task_id !== undefined && ctx.curIds.has(holder.task_id)) continue;
      const stale = holder.task_id === undefined ? holder.open : holder.open || ctx.lastById.has(holder.task_id);
      if (!stale) continue;
      next.set(slot, k + 1);
      return null;
    }
    next.set(slot, k + 1);
    return {
      kind: 'create',
      project,
      title: f.title,
      ...(f.priority === undefined ? {} : { priority: f.priority }),
      ...(f.type === undefined ? {} : { type: f.type }),
      ...(f.agent === undefined ? {} : { agent: f.agent }),
      raw,
      key,
      line: t.line,
    };
  }
  return null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
