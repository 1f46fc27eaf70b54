// SQL for the audit log, the meta key/value table and agent pauses.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { StewardEvent } from '../core/types.js';
import { jsonColumn, toEvent } from './rows.js';

type Row = Record<string, unknown>;
/** The event columns an insert sets and a read returns (prev_event_id is the store's own). */
const EVENT_COLUMNS = ['at', 'actor', 'kind', 'task_id', 'run_id', 'proposal_id', 'from_status', 'to_status', 'reason', 'data_json'];
const EVENT_SELECT = ['id', ...EVENT_COLUMNS].map((c) => `e.${c}`).join(', ');

/** The append-only audit log. */
export class EventRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      insert: db.prepare(`INSERT INTO events (${EVENT_COLUMNS.join(', ')}, prev_event_id)
        VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')}, (SELECT last_event_id FROM tasks WHERE id = ?))`),
      setLast: db.prepare('UPDATE tasks SET last_event_id = ? WHERE id = ?'),
      // A task's events are a chain from tasks.last_event_id through events.prev_event_id (no index to write per event).
      forTask: db.prepare(`WITH RECURSIVE chain(id, n) AS (
          SELECT last_event_id, 1 FROM tasks WHERE id = ?
          UNION ALL SELECT e.prev_event_id, chain.n + 1 FROM chain JOIN events e ON e.id = chain.id
          WHERE chain.n < ? AND e.prev_event_id IS NOT NULL)
        SELECT ${EVENT_SELECT} FROM chain JOIN events e ON e.id = chain.id ORDER BY e.id DESC`),
      since: db.prepare(`SELECT ${EVENT_SELECT} FROM events e WHERE e.id > ? ORDER BY e.id LIMIT ?`),
      sinceOfKinds: db.prepare(
        `SELECT ${EVENT_SELECT} FROM events e WHERE e.id > ? AND e.kind IN (SELECT value FROM json_each(?)) ORDER BY e.id LIMIT ?`,
      ),
      maxId: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events'),
      sinceForDigest: db.prepare(`SELECT ${EVENT_SELECT} FROM events e WHERE e.id > ? AND e.kind IN (SELECT value FROM json_each(?))
        AND (e.kind <> 'completed' OR e.to_status = 'review') ORDER BY e.id LIMIT ?`),
    };
  }

  /** Appends one event and makes it the head of its task's event chain; returns its id. */
  add(event: Omit<StewardEvent, 'id'>): number {
    const id = this.append(event);
    if (event.task_id !== null && event.task_id !== undefined) this.s.setLast.run(id, event.task_id);
    return id;
  }

  /**
   * Appends one event linked to its task's previous event, without moving the chain's head: for a caller that
   * updates the task row anyway and sets `last_event_id` there (a state transition). Returns its id.
   */
  append(event: Omit<StewardEvent, 'id'>): number {
    const taskId = event.task_id ?? null;
    return Number(this.s.insert.run(event.at, event.actor, event.kind, taskId, event.run_id ?? null, event.proposal_id ?? null,
      event.from_status ?? null, event.to_status ?? null, event.reason ?? null, jsonColumn(event.data), taskId).lastInsertRowid);
  }

  /** The newest events of a task, newest first. */
  forTask(taskId: number, limit: number): StewardEvent[] {
    return (this.s.forTask.all(taskId, limit) as Row[]).map(toEvent);
  }

  /** Events after id `after`, oldest first, optionally only of some kinds. */
  since(after: number, limit: number, kinds?: string[]): StewardEvent[] {
    const rows = kinds
      ? this.s.sinceOfKinds.all(after, JSON.stringify(kinds), limit)
      : this.s.since.all(after, limit);
    return (rows as Row[]).map(toEvent);
  }

  /** Events after id `after` of some kinds, oldest first; `completed` only when it moved a task to review. */
  sinceForDigest(after: number, kinds: string[], limit: number): StewardEvent[] {
    return (this.s.sinceForDigest.all(after, JSON.stringify(kinds), limit) as Row[]).map(toEvent);
  }

  /** The newest event id (0 when there are none). */
  maxId(): number {
    return (this.s.maxId.get() as { id: number }).id;
  }
}

/** A small key/value table for cursors, locks and the last render. */
export class MetaRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      get: db.prepare('SELECT value FROM meta WHERE key = ?'),
      set: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      del: db.prepare('DELETE FROM meta WHERE key = ?'),
      insertIfAbsent: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING'),
      replaceIf: db.prepare('UPDATE meta SET value = ? WHERE key = ? AND value = ?'),
      deleteIf: db.prepare('DELETE FROM meta WHERE key = ? AND value = ?'),
    };
  }

  get(key: string): string | undefined {
    return (this.s.get.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.s.set.run(key, value);
  }

  delete(key: string): void {
    this.s.del.run(key);
  }

  /** Compare-and-set: writes `next` (undefined = delete) only if the value is still `expected` (undefined = absent). */
  compareAndSet(key: string, expected: string | undefined, next: string | undefined): boolean {
    if (expected === undefined) return next === undefined ? this.get(key) === undefined : this.s.insertIfAbsent.run(key, next).changes === 1;
    if (next === undefined) return this.s.deleteIf.run(key, expected).changes === 1;
    return this.s.replaceIf.run(next, key, expected).changes === 1;
  }
}

/** Per-agent-profile pauses (rate limits). */
export class AgentRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      get: db.prepare('SELECT paused_until, reason FROM agents WHERE name = ?'),
      pause: db.prepare(`INSERT INTO agents (name, paused_until, reason) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET paused_until = MAX(COALESCE(agents.paused_until, 0), excluded.paused_until),
        reason = excluded.reason`),
      all: db.prepare('SELECT name, paused_until, reason FROM agents WHERE paused_until > ? ORDER BY name'),
      resume: db.prepare('UPDATE agents SET paused_until = NULL, reason = NULL WHERE name = ? AND paused_until > ?'),
      flag: db.prepare(`INSERT INTO agents (name, config_error, config_error_at) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET config_error = excluded.config_error, config_error_at = excluded.config_error_at`),
      clear: db.prepare('UPDATE agents SET config_error = NULL, config_error_at = NULL WHERE name = ? AND config_error IS NOT NULL'),
      misconfigured: db.prepare('SELECT name, config_error AS error, config_error_at AS at FROM agents WHERE config_error IS NOT NULL ORDER BY name'),
    };
  }

  /** Marks `name` as misconfigured: its CLI refused to start (shown until a run of it finishes otherwise). */
  flagConfigError(name: string, error: string, at: number): void {
    this.s.flag.run(name, error, at);
  }

  /** A run of `name` got past start-up: it is not misconfigured (any more). */
  clearConfigError(name: string): void {
    this.s.clear.run(name);
  }

  /** Agent profiles whose last run refused to start. */
  misconfigured(): Array<{ name: string; error: string; at: number }> {
    return this.s.misconfigured.all() as Array<{ name: string; error: string; at: number }>;
  }

  /** Until when `name` is paused (ms), or 0. */
  pausedUntil(name: string): number {
    return (this.s.get.get(name) as { paused_until: number | null } | undefined)?.paused_until ?? 0;
  }

  pause(name: string, until: number, reason: string): void {
    this.s.pause.run(name, until, reason);
  }

  /** Ends `name`'s pause now; false when it was not paused at `now`. */
  resume(name: string, now: number): boolean {
    return this.s.resume.run(name, now).changes > 0;
  }

  /** Agents paused at `now`. */
  paused(now: number): Array<{ name: string; paused_until: number; reason: string | null }> {
    return this.s.all.all(now) as Array<{ name: string; paused_until: number; reason: string | null }>;
  }
}
