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
// A role that may not ANALYZE the tables (not their owner: a DBA created the schema and granted the queue's role DML
// only) would get a server WARNING and no ANALYZE each time; the same catalogue query tells, so the step skips those
// tables (the tick result's `analyze_skipped` when one was due) and the digest reports it once, as a `setup` signal,
// while it lasts (analyzeSetupSignal).
//
// It never stops the tick: a failing query or ANALYZE (a role that may not read the statistics, a lock, a server
// error) is recorded as the step's error (the digest's tick_errors) and the tick goes on to dispatch.
import type { Store } from '../store/open-store.js';
import { ANALYZE_MIN_CHANGES, analyzeTable, needsAnalyze, tableChanges, type AnalyzedTable, type TableChanges } from '../store/pg/table-stats.js';
import { shortHash } from './digest.js';

/**
 * A table the step ran ANALYZE on (or, in `analyze_skipped`, would have but may not), and why: its changes since the
 * last ANALYZE and the rows the planner believed it had. (A table another VACUUM or ANALYZE held at that moment was
 * skipped by the server — SKIP_LOCKED — and its changes still count: the next tick looks again.)
 */
export interface Analyzed extends Pick<TableChanges, 'table' | 'changed' | 'rows'> {
  /** Tasks this tick added itself (a bulk ingest) when they were ANALYZE_MIN_CHANGES or more: `tasks` is analyzed for them. */
  added_by_tick?: number;
}

/** The queue tables the connection's role may not ANALYZE (TableChanges.may_analyze), with their owners. */
export interface AnalyzeDenied {
  role: string;
  tables: Array<{ table: AnalyzedTable; owner: string }>;
}

/** What the step did: the tables analyzed, those due but skipped for want of the privilege, and that want. */
export interface AnalyzeOutcome {
  analyzed: Analyzed[];
  /** Tables that needed an ANALYZE this tick which the role may not run: left to autovacuum. */
  skipped: Analyzed[];
  /** Set whenever the role may not ANALYZE some queue table, due or not (the digest's `setup` signal). */
  denied?: AnalyzeDenied;
}

/**
 * Analyzes the queue's tables that need it (table-stats.ts: needsAnalyze) and that the role may analyze;
 * `addedTasks` is how many tasks this tick created itself before the step — when they are ANALYZE_MIN_CHANGES or more,
 * `tasks` is analyzed whatever the statistics say (this connection's own writes reach the server's counters only when
 * it next reports them). Runs outside any transaction: ANALYZE takes no lock that claims wait for (table-stats.ts:
 * analyzeTable). Failures go to `failed(step, err)`.
 */
export function analyzeStep(store: Store, addedTasks: number, failed: (step: string, err: unknown) => void): AnalyzeOutcome {
  if (store.dialect !== 'postgres') return { analyzed: [], skipped: [] };
  let changes: TableChanges[] = [];
  try {
    changes = store.read(() => tableChanges(store.db));
  } catch (err) {
    failed('analyze', err);
  }
  const due = new Map<AnalyzedTable, Analyzed>();
  const brief = ({ table, changed, rows }: Pick<TableChanges, 'table' | 'changed' | 'rows'>): Analyzed => ({ table, changed, rows });
  for (const t of changes) if (needsAnalyze(t)) due.set(t.table, brief(t));
  if (addedTasks >= ANALYZE_MIN_CHANGES) {
    const t = changes.find((c) => c.table === 'tasks') ?? { table: 'tasks' as const, changed: 0, rows: -1 };
    due.set('tasks', { ...brief(t), added_by_tick: addedTasks });
  }
  // Unknown (the check failed): tried, as before the check existed — the server decides.
  const denied = changes.filter((c) => !c.may_analyze);
  const analyzed: Analyzed[] = [];
  const skipped: Analyzed[] = [];
  for (const t of due.values()) {
    if (denied.some((d) => d.table === t.table)) {
      skipped.push(t);
      continue;
    }
    try {
      store.read(() => analyzeTable(store.db, t.table));
      analyzed.push(t);
    } catch (err) {
      failed(`analyze ${t.table}`, err);
    }
  }
  return {
    analyzed,
    skipped,
    ...(denied.length ? { denied: { role: denied[0]!.role, tables: denied.map((d) => ({ table: d.table, owner: d.owner })) } } : {}),
  };
}

/**
 * The digest's `setup` signal for a role that may not ANALYZE the queue's tables: reported once while it lasts (its
 * key names the role, tables and owners, so a change of any is reported again). Says what the tick cannot do and the
 * ways to let it.
 */
export function analyzeSetupSignal(denied: AnalyzeDenied): { key: string; problem: string; role: string; tables: string[]; owners: string[]; fix: string } {
  const tables = denied.tables.map((t) => t.table);
  const owners = [...new Set(denied.tables.map((t) => t.owner))];
  const names = tables.join(', ');
  return {
    key: `p:analyze:${shortHash(`${denied.role}\0${denied.tables.map((t) => `${t.table}=${t.owner}`).join(',')}`)}`,
    problem: `role ${denied.role} may not ANALYZE ${names} (owned by ${owners.join(', ')}): the tick leaves their statistics to autovacuum, so a queue filled in one go is claimed with a slow plan until autovacuum's next look`,
    role: denied.role,
    tables,
    owners,
    fix: `make ${denied.role} the tables' owner (ALTER TABLE … OWNER TO ${denied.role}) or an INHERIT member of ${owners.join(', ')}, or on PostgreSQL 17+ GRANT MAINTAIN ON ${names} TO ${denied.role}`,
  };
}
