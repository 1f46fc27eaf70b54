// SQL for proposals (the inbox).
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import type { ProposalState } from '../core/states.js';
import type { Proposal } from '../core/types.js';
import { toProposal } from './rows.js';
import { TableWriter } from './statements.js';

type Row = Record<string, unknown>;

/** Reads and writes the proposals table. */
export class ProposalRepo {
  private readonly writer: TableWriter;
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.writer = new TableWriter(db, 'proposals');
    this.s = {
      get: db.prepare('SELECT * FROM proposals WHERE id = ?'),
      firstByKey: db.prepare("SELECT * FROM proposals WHERE key = ? AND status <> 'merged' ORDER BY id LIMIT 1"),
      openByTitle: db.prepare(
        "SELECT * FROM proposals WHERE status = 'new' AND project IS ? AND lower(trim(title)) = ? ORDER BY id LIMIT 1",
      ),
      byStatus: db.prepare('SELECT * FROM proposals WHERE status = ? ORDER BY id LIMIT ?'),
      newFrom: db.prepare(`SELECT * FROM proposals WHERE status = 'new' AND auto_refused IS NULL
        AND (source IN (SELECT value FROM json_each(@sources))
          OR (@others IS NOT NULL AND source NOT IN (SELECT value FROM json_each(@others))))
        ORDER BY id LIMIT @limit`),
      all: db.prepare('SELECT * FROM proposals ORDER BY id DESC LIMIT ?'),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM proposals GROUP BY status'),
    };
  }

  insert(record: Partial<Proposal>): number {
    return this.writer.insert(record as Record<string, unknown>);
  }

  /** Updates a proposal if it is still in `expected` state; returns rows changed. */
  update(id: number, patch: Partial<Proposal>, expected?: ProposalState): number {
    return this.writer.update(id, patch as Record<string, unknown>, expected ? { status: expected } : {});
  }

  get(id: number): Proposal | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row ? toProposal(row) : undefined;
  }

  /** The first non-merged proposal that carried `key`. */
  firstByKey(key: string): Proposal | undefined {
    const row = this.s.firstByKey.get(key) as Row | undefined;
    return row ? toProposal(row) : undefined;
  }

  /** An open proposal in `project` whose normalized title equals `normalizedTitle`. */
  openByTitle(project: string | null, normalizedTitle: string): Proposal | undefined {
    const row = this.s.openByTitle.get(project, normalizedTitle) as Row | undefined;
    return row ? toProposal(row) : undefined;
  }

  byStatus(status: ProposalState, limit: number): Proposal[] {
    return (this.s.byStatus.all(status, limit) as Row[]).map(toProposal);
  }

  /**
   * New proposals the tick's auto-accept has not refused, whose source is in `sources` or (when `allBut` is given) any
   * source not in `allBut`; oldest first.
   */
  newFrom(sources: readonly string[], allBut: readonly string[] | null, limit: number): Proposal[] {
    const rows = this.s.newFrom.all({ sources: JSON.stringify(sources), others: allBut ? JSON.stringify(allBut) : null, limit });
    return (rows as Row[]).map(toProposal);
  }

  recent(limit: number): Proposal[] {
    return (this.s.all.all(limit) as Row[]).map(toProposal);
  }

  counts(): Partial<Record<ProposalState, number>> {
    const out: Partial<Record<ProposalState, number>> = {};
    for (const r of this.s.counts.all() as Row[]) out[r.status as ProposalState] = r.n as number;
    return out;
  }
}
