// SQL for recurring tasks: the schedules added by command, each schedule's cursor, and the slots it handled.
import type { SqlDatabase, SqlStatement } from './sql-database.js';

/** A schedule row: its id and the validated spec (timing plus task fields) as JSON. */
export interface ScheduleRow {
  id: string;
  spec: Record<string, unknown>;
  created_by: string;
  created_at: number;
}

/** A slot a schedule handled: the task it created, or that it was skipped because the previous one was open. */
export interface SlotRow {
  schedule_id: string;
  slot: number;
  task_id: number | null;
  outcome: 'created' | 'overlap';
  at: number;
}

/** Schedules, their cursors and their handled slots. */
export class ScheduleRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      all: db.prepare('SELECT id, spec_json, created_by, created_at FROM schedules ORDER BY id'),
      get: db.prepare('SELECT id, spec_json, created_by, created_at FROM schedules WHERE id = ?'),
      insert: db.prepare('INSERT INTO schedules (id, spec_json, created_by, created_at) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM schedules WHERE id = ?'),
      removeCursor: db.prepare('DELETE FROM schedule_cursors WHERE schedule_id = ?'),
      cursor: db.prepare('SELECT seen_until FROM schedule_cursors WHERE schedule_id = ?'),
      setCursor: db.prepare(`INSERT INTO schedule_cursors (schedule_id, seen_until) VALUES (?, ?)
        ON CONFLICT(schedule_id) DO UPDATE SET seen_until = MAX(schedule_cursors.seen_until, excluded.seen_until)`),
      rewindCursor: db.prepare('UPDATE schedule_cursors SET seen_until = ? WHERE schedule_id = ?'),
      redate: db.prepare('UPDATE schedules SET created_at = ? WHERE id = ? AND created_at > ?'),
      slot: db.prepare('SELECT schedule_id, slot, task_id, outcome, at FROM schedule_slots WHERE schedule_id = ? AND slot = ?'),
      addSlot: db.prepare('INSERT INTO schedule_slots (schedule_id, slot, task_id, outcome, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      openTask: db.prepare(`SELECT s.task_id AS id FROM schedule_slots s JOIN tasks t ON t.id = s.task_id
        WHERE s.schedule_id = ? AND s.at >= ? AND t.status NOT IN ('done', 'failed', 'cancelled') ORDER BY s.slot DESC LIMIT 1`),
      // By the primary key (schedule_id, slot): a range of one schedule's oldest rows, never a scan of the table.
      prune: db.prepare(`DELETE FROM schedule_slots WHERE schedule_id = ? AND slot IN (
        SELECT s.slot FROM schedule_slots s WHERE s.schedule_id = ? AND s.slot < ?
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id AND t.status NOT IN ('done', 'failed', 'cancelled'))
        ORDER BY s.slot LIMIT ?)`),
      last: db.prepare(`SELECT schedule_id, slot, task_id, outcome, at FROM schedule_slots WHERE schedule_id = ? AND at >= ? ORDER BY slot DESC LIMIT 1`),
    };
  }

  all(): ScheduleRow[] {
    return (this.s.all.all() as Array<{ id: string; spec_json: string; created_by: string; created_at: number }>).map(toRow);
  }

  get(id: string): ScheduleRow | undefined {
    const row = this.s.get.get(id) as { id: string; spec_json: string; created_by: string; created_at: number } | undefined;
    return row && toRow(row);
  }

  insert(id: string, spec: Record<string, unknown>, by: string, at: number): void {
    this.s.insert.run(id, JSON.stringify(spec), by, at);
  }

  /**
   * Removes a schedule and its cursor (its handled slots stay, as history); false when there was none. `keepCursor`:
   * the config's schedule of this name uses it.
   */
  remove(id: string, keepCursor = false): boolean {
    const removed = this.s.remove.run(id).changes === 1;
    if (removed && !keepCursor) this.s.removeCursor.run(id);
    return removed;
  }

  /** The time up to which the schedule's slots were handled, or undefined before its first pass. */
  cursor(id: string): number | undefined {
    return (this.s.cursor.get(id) as { seen_until: number } | undefined)?.seen_until;
  }

  /** Moves the cursor forward (never back). */
  advance(id: string, to: number): void {
    this.s.setCursor.run(id, to);
  }

  /**
   * Moves the cursor back to `to` (the clock went back), and a command schedule's add time with it when that is later:
   * the slots it handles from now on count as its own (openTask, last).
   */
  rewind(id: string, to: number): void {
    this.s.rewindCursor.run(to, id);
    this.s.redate.run(to, id, to);
  }

  slot(id: string, slot: number): SlotRow | undefined {
    return this.s.slot.get(id, slot) as SlotRow | undefined;
  }

  /** Records a handled slot; false when it was handled already (the idempotency key held). */
  addSlot(row: SlotRow): boolean {
    return this.s.addSlot.run(row.schedule_id, row.slot, row.task_id, row.outcome, row.at).changes === 1;
  }

  /**
   * The newest task of the schedule that is not finished, if any, among the slots handled at or after `since` (a
   * command schedule's `created_at`: a schedule removed and added again under its name does not inherit the old one's).
   */
  openTask(id: string, since = 0): number | undefined {
    return (this.s.openTask.get(id, since) as { id: number } | undefined)?.id;
  }

  /**
   * Deletes up to `limit` of the schedule's slot rows older than `before`, oldest first, but not its newest row nor a
   * row whose task is still open (openTask reads those); returns how many went.
   */
  prune(id: string, before: number, limit: number): number {
    const newest = this.last(id)?.slot;
    if (newest === undefined) return 0;
    return this.s.prune.run(id, id, Math.min(before, newest), limit).changes;
  }

  /** The newest slot the schedule handled at or after `since` (as for openTask). */
  last(id: string, since = 0): SlotRow | undefined {
    return this.s.last.get(id, since) as SlotRow | undefined;
  }
}

function toRow(r: { id: string; spec_json: string; created_by: string; created_at: number }): ScheduleRow {
  return { id: r.id, spec: JSON.parse(r.spec_json) as Record<string, unknown>, created_by: r.created_by, created_at: r.created_at };
}
