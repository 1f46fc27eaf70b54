// The digest (pure): from new events and current signals to what needs a judgement, each item once.
import { TASK_STATES, type TaskState } from '../core/states.js';
import type { StewardEvent, Task } from '../core/types.js';
import type { PausedAgent } from '../ops/stats.js';
import type { StuckSignal } from './stuck.js';

/** Where the last digest stopped: the newest event it covered, and the signals it already reported. */
export interface DigestCursor {
  event_id: number;
  seen: string[];
}

/** Event kinds the digest reads. */
export const DIGEST_EVENT_KINDS = ['proposed', 'completed', 'blocked', 'retry_scheduled', 'dead', 'late_result', 'inbox_rejected', 'outbox_rejected', 'file_overlap'];
/** Items shown per list; the rest are counted under `more`. */
export const DIGEST_MAX_ITEMS = 10;

/** The task fields the digest shows. */
export type TaskBrief = Pick<Task, 'id' | 'title' | 'status' | 'question' | 'error' | 'result' | 'blocked_kind' | 'attempts' | 'max_attempts'> & { verify?: string[] };
/** The proposal fields the digest shows. */
export interface ProposalBrief { id: number; title: string; status: string; source: string; project: string | null; verify?: string[] }

/** The commands an item will run on the host, shown whenever it has any. */
function verifyOf(x: { verify?: string[] } | undefined): { verify?: string[] } {
  return x?.verify?.length ? { verify: x.verify.map((v) => clip(v, 200)) } : {};
}
/** A TASKS.md line the board could not read (passed on by the ingest or render hook). */
export interface BoardLine { line: number; text: string; reason?: string }

/** Everything the digest is assembled from; gathered in one transaction (digest-store.ts). */
export interface DigestInput {
  cursor: DigestCursor;
  /** The newest event id this digest covers: the next cursor. */
  watermark: number;
  counts: Partial<Record<TaskState, number>>;
  /** Proposals waiting for a decision, reported before or not. */
  inbox: number;
  /** Events of DIGEST_EVENT_KINDS after the cursor, oldest first. */
  events: StewardEvent[];
  tasks: ReadonlyMap<number, TaskBrief>;
  proposals: ReadonlyMap<number, ProposalBrief>;
  stuck: StuckSignal[];
  board: BoardLine[];
  /** What this tick did (counts), shown but never a reason to speak up. */
  acted: Record<string, number>;
  /** Why the tick could not accept a proposal the policy lets through. */
  notes?: ReadonlyMap<number, string>;
  /** Agent profiles paused by a rate limit now (shown in every digest while they are; no judgement needed). */
  paused?: PausedAgent[];
  /** Steps of this tick that failed on something other than the database (reported once while they last). */
  errors?: StepError[];
  /** Scope budgets at their cap now (each reported once per period: its key names the period). */
  budgets?: Array<{ key: string } & Item>;
  /** Setup problems the tick found, e.g. a role that may not ANALYZE the queue's tables (each once while it lasts). */
  setup?: Array<{ key: string } & Item>;
}

/** A tick step that failed on one item or its own I/O; the tick went on. */
export interface StepError { step: string; error: string }

type Item = Record<string, unknown>;
/** The lists a digest may carry, in the order it prints them. */
export const DIGEST_LISTS = ['proposals', 'review', 'blocked', 'failures', 'dead', 'stuck', 'budgets', 'late_results', 'inbox_rejected', 'outbox_rejected', 'overlaps', 'board', 'setup', 'tick_errors'] as const;
/** The name of one list of the digest. */
export type DigestList = (typeof DIGEST_LISTS)[number];

/** What `steward tick` prints: `quiet: true` when nothing needs a judgement. Empty lists are left out. */
export type Digest = { quiet: boolean; counts: Partial<Record<TaskState, number>>; inbox?: number; paused?: PausedAgent[]; acted?: Record<string, number>; more?: Partial<Record<DigestList, number>>; dispatch?: unknown[] } & Partial<Record<DigestList, Item[]>>;

/** One line, at most `n` characters. */
export function clip(text: string | null | undefined, n: number): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/** A short stable hash for seen keys of free text. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

function itemsFromEvents(input: DigestInput): Record<DigestList, Map<string, Item>> {
  const lists = Object.fromEntries(DIGEST_LISTS.map((l) => [l, new Map<string, Item>()])) as Record<DigestList, Map<string, Item>>;
  const title = (id: number | null) => clip(input.tasks.get(id ?? -1)?.title ?? `#${id}`, 80);
  for (const e of input.events) {
    const t = e.task_id === null ? undefined : input.tasks.get(e.task_id);
    const data = (e.data ?? {}) as Record<string, unknown>;
    if (e.kind === 'proposed' && e.proposal_id !== null) {
      const p = input.proposals.get(e.proposal_id);
      if (p?.status !== 'new') continue;
      const note = input.notes?.get(p.id);
      lists.proposals.set(`${p.id}`, { id: p.id, title: clip(p.title, 80), source: p.source, ...(p.project ? { project: p.project } : {}), ...verifyOf(p), ...(note ? { note: clip(note, 160) } : {}) });
    } else if (e.kind === 'completed' && e.to_status === 'review' && t?.status === 'review') {
      lists.review.set(`${t.id}`, { id: t.id, title: title(t.id), result: clip(t.result, 200), ...verifyOf(t) });
    } else if (e.kind === 'blocked' && t?.status === 'blocked') {
      const why = t.blocked_kind !== 'dependency' ? { question: clip(t.question, 300) } : { reason: clip(t.error ?? e.reason, 160) };
      lists.blocked.set(`${t.id}`, { id: t.id, title: title(t.id), ...why });
    } else if (e.kind === 'retry_scheduled' && e.task_id !== null && data.kind !== 'rate_limit') {
      const max = t?.max_attempts;
      lists.failures.delete(`${e.task_id}`); // keep the latest failure of a task, in event order
      lists.failures.set(`${e.task_id}`, { id: e.task_id, title: title(e.task_id), kind: data.kind, attempts: data.attempts, ...(max ? { max_attempts: max } : {}), error: clip(e.reason, 200) });
    } else if (e.kind === 'dead' && t?.status === 'failed') {
      lists.failures.delete(`${t.id}`);
      lists.dead.set(`${t.id}`, { id: t.id, title: title(t.id), kind: data.kind, error: clip(e.reason ?? t.error, 200) });
    } else if (e.kind === 'late_result') {
      lists.late_results.set(`${e.id}`, { id: e.task_id, run: e.run_id, reason: e.reason, verb: data.verb });
    } else if (e.kind === 'file_overlap') {
      const files = Array.isArray(data.files) ? (data.files as string[]) : [];
      lists.overlaps.set(`${e.id}`, { id: e.task_id, title: title(e.task_id), with: data.tasks, files: files.slice(0, 10).map((f) => clip(f, 120)) });
    } else if (e.kind === 'inbox_rejected') {
      lists.inbox_rejected.set(`${e.id}`, { file: data.file, reason: clip(e.reason, 300), moved_to: data.moved_to });
    } else if (e.kind === 'outbox_rejected') {
      lists.outbox_rejected.set(`${e.id}`, { file: data.file, ...(e.run_id !== null ? { run: e.run_id, id: e.task_id } : {}), reason: clip(e.reason, 300), moved_to: data.moved_to });
    }
  }
  return lists;
}

/** Builds the digest and the next cursor. Events after the cursor are reported once; signals whose key was seen are not repeated. */
export function assembleDigest(input: DigestInput): { digest: Digest; cursor: DigestCursor } {
  const lists = itemsFromEvents(input);
  const seenBefore = new Set(input.cursor.seen);
  const seenNow: string[] = [];
  const signal = (key: string, item: Item, list: Map<string, Item>) => {
    if (!seenBefore.has(key)) list.set(key, item);
    else seenNow.push(key); // still present, reported before: stays seen
  };
  for (const s of input.stuck) {
    const { key, ...item } = s;
    signal(key, item, lists.stuck);
  }
  for (const b of input.board) {
    const key = `b:${shortHash(b.text)}`;
    signal(key, { line: b.line, text: clip(b.text, 160), ...(b.reason ? { reason: clip(b.reason, 160) } : {}) }, lists.board);
  }
  for (const b of input.budgets ?? []) {
    const { key, ...item } = b;
    signal(key, item, lists.budgets);
  }
  for (const p of input.setup ?? []) {
    const { key, ...item } = p;
    signal(key, item, lists.setup);
  }
  for (const e of input.errors ?? []) signal(`e:${shortHash(`${e.step}\0${e.error}`)}`, { step: e.step, error: clip(e.error, 300) }, lists.tick_errors);

  const counts: Partial<Record<TaskState, number>> = {};
  for (const s of TASK_STATES) if (input.counts[s]) counts[s] = input.counts[s];
  const digest: Digest = { quiet: true, counts };
  if (input.inbox > 0) digest.inbox = input.inbox;
  if (input.paused?.length) digest.paused = input.paused;
  const acted = Object.fromEntries(Object.entries(input.acted).filter(([, n]) => n > 0));
  if (Object.keys(acted).length) digest.acted = acted;
  const more: Partial<Record<DigestList, number>> = {};
  for (const name of DIGEST_LISTS) {
    const entries = [...lists[name].entries()];
    if (entries.length === 0) continue;
    digest.quiet = false;
    const shown = entries.slice(0, DIGEST_MAX_ITEMS);
    digest[name] = shown.map(([, item]) => item);
    if (entries.length > shown.length) more[name] = entries.length - shown.length;
    // Signals shown now are seen; those cut off stay unseen and come in a later digest.
    if (name === 'stuck' || name === 'budgets' || name === 'board' || name === 'setup' || name === 'tick_errors') for (const [key] of shown) seenNow.push(key);
  }
  if (Object.keys(more).length) digest.more = more;
  return { digest, cursor: { event_id: Math.max(input.watermark, input.cursor.event_id), seen: seenNow.sort() } };
}
