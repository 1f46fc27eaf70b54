// Tick step 7: gather the digest's data and advance its durable cursor, in one IMMEDIATE transaction.
import type { Config } from '../config/schema.js';
import { pausedAgents } from '../ops/stats.js';
import { budgetSignals } from '../ops/budget-report.js';
import type { Store } from '../store/open-store.js';
import {
  assembleDigest,
  DIGEST_EVENT_KINDS,
  type BoardLine,
  type Digest,
  type DigestCursor,
  type ProposalBrief,
  type StepError,
  type TaskBrief,
} from './digest.js';
import { misconfiguredSignals, noAgentSignals, repeatedFailureSignals, REPEATED_STRIKES, silentSignals, type ProfileFit, type StuckSignal } from './stuck.js';

/** The meta key of the heartbeat's digest cursor (the default reader's; older workspaces have only this one). */
export const DIGEST_CURSOR_KEY = 'digest.cursor';
/** The reader a digest goes to unless told: the heartbeat (HEARTBEAT.md's `steward tick`, the triage agent). */
export const DEFAULT_DIGEST_READER = 'heartbeat';

/**
 * The meta key of a reader's digest cursor. Each reader is told each item once; a person's `steward tick --reader me`
 * or `steward up`'s own ticks (reader "up") never use up the items the heartbeat's triage agent has not seen.
 */
export function digestCursorKey(reader: string = DEFAULT_DIGEST_READER): string {
  return reader === DEFAULT_DIGEST_READER ? DIGEST_CURSOR_KEY : `${DIGEST_CURSOR_KEY}.${reader}`;
}
/** Events read per digest; a longer backlog is read over the next digests. */
export const DIGEST_EVENT_BATCH = 2000;
/** Rows read per stuck-signal query. */
const SIGNAL_ROWS = 200;

/** Reads a stored cursor; a missing or unreadable one starts from the beginning. */
export function parseCursor(value: string | undefined): DigestCursor {
  try {
    const v = value === undefined ? undefined : (JSON.parse(value) as Partial<DigestCursor>);
    if (v && Number.isSafeInteger(v.event_id) && Array.isArray(v.seen)) {
      return { event_id: v.event_id!, seen: v.seen.filter((k): k is string => typeof k === 'string') };
    }
  } catch {
    // start over
  }
  return { event_id: 0, seen: [] };
}

/** The agent profiles the no-agent check compares against; null when steward does not run the workers itself. */
export function profilesOf(config: Config): Record<string, ProfileFit> | null {
  if (config.dispatch !== 'local') return null;
  return Object.fromEntries(Object.entries(config.agents).map(([n, a]) => [n, { types: a.types, capabilities: a.capabilities }]));
}

/** What the tick adds to the digest from its own steps. */
export interface DigestExtras {
  /** Whose cursor to read and advance (default the heartbeat). */
  reader?: string;
  acted?: Record<string, number>;
  board?: BoardLine[];
  notes?: ReadonlyMap<number, string>;
  errors?: StepError[];
  /** Setup problems the tick's steps found (digest.ts: DigestInput.setup). */
  setup?: Array<{ key: string } & Record<string, unknown>>;
}

function brief(store: Store, id: number): TaskBrief | undefined {
  const t = store.tasks.get(id);
  return t && { id: t.id, title: t.title, status: t.status, question: t.question, error: t.error, result: t.result, blocked_kind: t.blocked_kind, attempts: t.attempts, max_attempts: t.max_attempts, verify: t.verify };
}

/** The stuck signals now (no-agent groups when `profiles` is given, silent runs, repeated failures). */
export function currentSignals(store: Store, now: number, profiles: Record<string, ProfileFit> | null): StuckSignal[] {
  return [
    ...(profiles ? noAgentSignals(profiles, store.reports.readyGroups(SIGNAL_ROWS)) : []),
    ...silentSignals(store.runs.running(), now),
    ...repeatedFailureSignals(store.reports.struck(REPEATED_STRIKES, SIGNAL_ROWS)),
    ...misconfiguredSignals(store.agents.misconfigured()),
  ];
}

/** Builds the digest since the last one and stores the new cursor (written only when it changed). */
export function takeDigest(store: Store, now: number, config: Config, extras: DigestExtras = {}): Digest {
  return store.tx(() => {
    const key = digestCursorKey(extras.reader);
    const stored = store.meta.get(key);
    const cursor = parseCursor(stored);
    const events = store.events.sinceForDigest(cursor.event_id, DIGEST_EVENT_KINDS, DIGEST_EVENT_BATCH);
    const watermark = events.length === DIGEST_EVENT_BATCH ? events[events.length - 1]!.id : store.events.maxId();
    const tasks = new Map<number, TaskBrief>();
    const proposals = new Map<number, ProposalBrief>();
    for (const e of events) {
      if (e.task_id !== null && !tasks.has(e.task_id)) {
        const t = brief(store, e.task_id);
        if (t) tasks.set(t.id, t);
      }
      if (e.proposal_id !== null && !proposals.has(e.proposal_id)) {
        const p = store.proposals.get(e.proposal_id);
        if (p) proposals.set(p.id, { id: p.id, title: p.title, status: p.status, source: p.source, project: p.project, verify: p.verify });
      }
    }
    const { digest, cursor: next } = assembleDigest({
      cursor,
      watermark,
      counts: store.tasks.counts(),
      inbox: store.proposals.counts().new ?? 0,
      events,
      tasks,
      proposals,
      stuck: currentSignals(store, now, profilesOf(config)),
      board: extras.board ?? [],
      acted: extras.acted ?? {},
      notes: extras.notes,
      errors: extras.errors,
      setup: extras.setup,
      paused: pausedAgents(store, now),
      budgets: budgetSignals(store, config, now),
    });
    const text = JSON.stringify(next);
    if (text !== stored) store.meta.compareAndSet(key, stored, text);
    return digest;
  });
}
