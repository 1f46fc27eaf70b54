// SQL for the audit log, the meta key/value table and agent pauses.
import type { Database, Statement } from 'better-sqlite3';
import type { StewardEvent } from '../core/types.js';
import { toEvent } from './rows.js';
import { TableWriter } from './statements.js';

type Row = Record<string, unknown>;

/** The append-only audit log. */
export class EventRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.writer = new TableWriter(db, 'events');
    this.s = {
      forTask: db.prepare('SELECT * FROM events WHERE task_id = ? ORDER BY id DESC LIMIT ?'),
      since: db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      sinceOfKinds: db.prepare(
        'SELECT * FROM events WHERE id > ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?',
      ),
      maxId: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events'),
      sinceForDigest: db.prepare(`SELECT * FROM events WHERE id > ? AND kind IN (SELECT value FROM json_each(?))
        AND (kind <> 'completed' OR to_status = 'review') ORDER BY id LIMIT ?`),
    };
  }

  /** Appends one event; returns its id. */
  add(event: Omit<StewardEvent, 'id'>): number {
    return this.writer.insert(event as unknown as Record<string, unknown>);
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
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
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
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.s = {
      get: db.prepare('SELECT paused_until, reason FROM agents WHERE name = ?'),
      pause: db.prepare(`INSERT INTO agents (name, paused_until, reason) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET paused_until = MAX(COALESCE(paused_until, 0), excluded.paused_until),
        reason = excluded.reason`),
      all: db.prepare('SELECT name, paused_until, reason FROM agents WHERE paused_until > ? ORDER BY name'),
    };
  }

  /** Until when `name` is paused (ms), or 0. */
  pausedUntil(name: string): number {
    return (this.s.get.get(name) as { paused_until: number | null } | undefined)?.paused_until ?? 0;
  }

  pause(name: string, until: number, reason: string): void {
    this.s.pause.run(name, until, reason);
  }

  /** Agents paused at `now`. */
  paused(now: number): Array<{ name: string; paused_until: number; reason: string | null }> {
    return this.s.all.all(now) as Array<{ name: string; paused_until: number; reason: string | null }>;
  }
}
