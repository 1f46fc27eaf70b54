// Prepared-statement helpers: inserts and partial updates built once per column set, then cached.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import { toColumn } from './rows.js';

/** Builds and caches `INSERT` / `UPDATE … SET` statements for one table. */
export class TableWriter {
  private readonly cache = new Map<string, SqlStatement>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly table: string,
  ) {}

  /** Inserts a record (fields mapped to columns; null and undefined left to the column default) and returns its rowid. */
  insert(record: Record<string, unknown>): number {
    const cols: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(record)) {
      if (value === undefined || value === null) continue;
      const [col, stored] = toColumn(field, value);
      cols.push(col);
      values.push(stored);
    }
    const key = `i:${cols.join(',')}`;
    let stmt = this.cache.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO ${this.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      this.cache.set(key, stmt);
    }
    return Number(stmt.run(...values).lastInsertRowid);
  }

  /** Updates the given fields of row `id`, optionally only if `guard` columns still hold; returns rows changed. */
  update(id: number, patch: Record<string, unknown>, guard: Record<string, unknown> = {}): number {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const [col, stored] = toColumn(field, value);
      sets.push(`${col} = ?`);
      values.push(stored);
    }
    if (sets.length === 0) return 0;
    const guards = Object.keys(guard);
    const key = `u:${sets.join(',')}|${guards.join(',')}`;
    let stmt = this.cache.get(key);
    if (!stmt) {
      const where = ['id = ?', ...guards.map((g) => `${g} IS ?`)].join(' AND ');
      stmt = this.db.prepare(`UPDATE ${this.table} SET ${sets.join(', ')} WHERE ${where}`);
      this.cache.set(key, stmt);
    }
    return stmt.run(...values, id, ...guards.map((g) => guard[g])).changes;
  }
}
