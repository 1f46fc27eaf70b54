// Tick step 5, first (Postgres only): fresh planner statistics before the claims. A queue filled in one go (a bulk
// `add`, a script of `propose`, the MCP tools, a large TASKS.md or inbox) has no column statistics until autovacuum's
// first look, up to a minute later, and until then Postgres plans every claim as a read and sort of all ready tasks
// (src/store/pg/table-stats.ts says why and what the threshold is). One catalogue query a tick finds out; an ANALYZE
// runs only when `tasks` or `runs` changed a lot since their last one — by anyone: autovacuum's ANALYZE resets the
// count too, so where autovacuum keeps up this step only looks.
//
// SQLite has no such problem, so the step does nothing there: steward never runs ANALYZE on SQLite (no sqlite_stat1
// table exists), and without one SQLite's planner does not weigh row counts or value frequencies — it picks the claim's
// plan from the schema alone, the ordered walk of the partial index `tasks_live` whatever the queue holds
// (test/store-index checks that plan with EXPLAIN QUERY PLAN).
//
// It never stops the tick: a failing query or ANALYZE (a role that may not read the statistics, a lock, a server
// error) is recorded as the step's error (the digest's tick_errors) and the tick goes on to dispatch.
import type { Store } from '../store/open-store.js';
import { ANALYZE_MIN_CHANGES, analyzeTable, needsAnalyze, tableChanges, type AnalyzedTable, type TableChanges } from '../store/pg/table-stats.js';

/**
 * A table the step ran ANALYZE on, and why: its changes since the last ANALYZE and the rows the planner believed it had.
 * (A table another VACUUM or ANALYZE held at that moment was skipped by the server — SKIP_LOCKED — and its changes
 * still count: the next tick looks again.)
 */
export interface Analyzed extends TableChanges {
  /** Tasks this tick added itself (a bulk ingest) when they were ANALYZE_MIN_CHANGES or more: `tasks` is analyzed for them. */
  added_by_tick?: number;
}

/**
 * Analyzes the queue's tables that need it (table-stats.ts: needsAnalyze); `addedTasks` is how many tasks this tick
 * created itself before the step — when they are ANALYZE_MIN_CHANGES or more, `tasks` is analyzed whatever the
 * statistics say (this connection's own writes reach the server's counters only when it next reports them). Runs
 * outside any transaction: ANALYZE takes no lock that claims wait for (table-stats.ts: analyzeTable). Failures go to
 * `failed(step, err)`; returns what was analyzed.
 */
export function analyzeStep(store: Store, addedTasks: number, failed: (step: string, err: unknown) => void): Analyzed[] {
  if (store.dialect !== 'postgres') return [];
  let changes: TableChanges[] = [];
  try {
    changes = store.read(() => tableChanges(store.db));
  } catch (err) {
    failed('analyze', err);
  }
  const due = new Map<AnalyzedTable, Analyzed>();
  for (const t of changes) if (needsAnalyze(t)) due.set(t.table, t);
  if (addedTasks >= ANALYZE_MIN_CHANGES) {
    const t = changes.find((c) => c.table === 'tasks') ?? { table: 'tasks' as const, changed: 0, rows: -1 };
    due.set('tasks', { ...t, added_by_tick: addedTasks });
  }
  const analyzed: Analyzed[] = [];
  for (const t of due.values()) {
    try {
      store.read(() => analyzeTable(store.db, t.table));
      analyzed.push(t);
    } catch (err) {
      failed(`analyze ${t.table}`, err);
    }
  }
  return analyzed;
}
