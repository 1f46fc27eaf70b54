// Planner statistics of a Postgres queue's busiest tables, and the ANALYZE that refreshes them (the tick's
// "statistics" step, src/tick/analyze-step.ts). Without column statistics the planner takes default selectivities for
// the claim's filters, concludes that almost no ready task matches, and reads and sorts every ready task on each claim
// instead of walking `tasks_live` in order to the first one (docs/BENCHMARKS.md, Postgres session 7: 2.0 ms against
// 0.04 ms a claim with 1,000 ready tasks). Autovacuum analyzes a table after 50 + 10 % changes, but only at its next
// look (autovacuum_naptime, a minute by default): a queue filled in one go is claimed before that.
import type { SqlDatabase } from '../sql-database.js';

/** The tables whose statistics the tick keeps fresh: the claim reads `tasks`; fetch-next and the reap read `runs`. */
export const ANALYZED_TABLES = ['tasks', 'runs'] as const;
export type AnalyzedTable = (typeof ANALYZED_TABLES)[number];

/**
 * A table is analyzed when at least this many of its rows changed since its last ANALYZE (by anyone, autovacuum
 * included) … Below it a claim without statistics reads at most about this many index entries (~2 ms), and
 * autovacuum gets there within its naptime anyway.
 */
export const ANALYZE_MIN_CHANGES = 1000;
/**
 * … and at least this share of the rows it had then (`reltuples`): twice autovacuum's own 10 %, so on a queue where
 * autovacuum keeps up it always comes first and the tick never analyzes; the tick steps in for a bulk fill before
 * autovacuum's first look, or where autovacuum is off or behind. At most one ANALYZE per 20 % of the table changed.
 */
export const ANALYZE_FRACTION = 0.2;

/**
 * One table's changes since its last ANALYZE and the rows the planner believes it has (−1: never analyzed), and
 * whether this connection's role may ANALYZE it at all (mayAnalyze below) — with its owner, for the report when not.
 */
export interface TableChanges {
  table: AnalyzedTable;
  changed: number;
  rows: number;
  /** False when the server would skip this role's ANALYZE of the table with a WARNING (not its owner: mayAnalyze). */
  may_analyze: boolean;
  /** The table's owner (pg_class.relowner's name). */
  owner: string;
  /** The connection's role (current_user), the one the check is about. */
  role: string;
}

/**
 * Whether the connection's role may ANALYZE a table, as the server decides it (otherwise ANALYZE does nothing but
 * send a WARNING "skipping … only table or database owner can analyze it" and succeed). PostgreSQL 15 and 16
 * (vacuum.c, vacuum_is_relation_owner): the table's owner, the database's owner, or a superuser — "owner" meaning the
 * role has the owner's privileges (has_privs_of_role: itself, or an INHERIT member of the owning role; superusers
 * always), which is pg_has_role(…, 'USAGE'), not 'MEMBER' (a NOINHERIT member must SET ROLE first). PostgreSQL 17
 * (vacuum_is_permitted_for_relation): the database's owner, or the MAINTAIN privilege on the table — which the owner
 * has unless revoked, and superusers, pg_maintain's members and its grantees have; has_table_privilege(…, 'MAINTAIN')
 * is an error before 17, so the CASE asks it only there. A SQL expression over the row of `c` (pg_class) and `d`
 * (pg_database, the current one).
 */
const MAY_ANALYZE = `(pg_catalog.pg_has_role(d.datdba, 'USAGE') OR CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 170000
    THEN pg_catalog.has_table_privilege(c.oid, 'MAINTAIN') ELSE pg_catalog.pg_has_role(c.relowner, 'USAGE') END)`;

/**
 * The queue's tables' changes since their last ANALYZE and whether this role may ANALYZE them, in one small catalogue
 * query (pg_stat_user_tables of the connection's schema, the queue's). The counters are the server's cumulative
 * statistics: another session's writes reach them when that session reports (at its next idle moment, after at most a
 * few seconds), so a bulk insert by this very connection may not show yet — the caller counts those itself
 * (analyze-step.ts).
 */
export function tableChanges(db: SqlDatabase): TableChanges[] {
  const rows = db.prepare(`SELECT s.relname::text AS "table", s.n_mod_since_analyze AS changed, c.reltuples AS "rows",
      ${MAY_ANALYZE} AS may_analyze, pg_catalog.pg_get_userbyid(c.relowner)::text AS owner, current_user::text AS "role"
    FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid
      JOIN pg_catalog.pg_database d ON d.datname = pg_catalog.current_database()
    WHERE s.schemaname = current_schema() AND s.relname IN (${ANALYZED_TABLES.map((t) => `'${t}'`).join(', ')}) ORDER BY s.relname DESC`).all() as Array<Record<keyof TableChanges, unknown>>;
  return rows.map((r) => ({
    table: r.table as AnalyzedTable,
    changed: Number(r.changed),
    rows: Number(r.rows),
    may_analyze: r.may_analyze === true || r.may_analyze === 1,
    owner: String(r.owner),
    role: String(r.role),
  }));
}

/** Whether `t` changed enough since its last ANALYZE to analyze it now (ANALYZE_MIN_CHANGES, ANALYZE_FRACTION). */
export function needsAnalyze(t: Pick<TableChanges, 'changed' | 'rows'>): boolean {
  return t.changed >= Math.max(ANALYZE_MIN_CHANGES, ANALYZE_FRACTION * Math.max(t.rows, 0));
}

/**
 * ANALYZE of one queue table, outside any transaction of the store (autocommitted, without the queue's write lock).
 * ANALYZE takes SHARE UPDATE EXCLUSIVE on the table, which conflicts only with VACUUM, another ANALYZE and some DDL —
 * not with reads, inserts, updates or SELECT … FOR UPDATE: claims and completions go on meanwhile. SKIP_LOCKED: a table
 * another VACUUM or ANALYZE (autovacuum's) holds is left to it instead of waiting. The workers' prepared claims are
 * planned afresh at their next run (an ANALYZE invalidates the cached plans of statements on the table).
 */
export function analyzeTable(db: SqlDatabase, table: AnalyzedTable): void {
  db.prepare(`ANALYZE (SKIP_LOCKED) ${table}`).run();
}
