// SQL for the digest's stuck signals and for `steward stats`: read-only aggregates.
import type { SqlDatabase, SqlStatement } from './sql-database.js';
import { inState } from './state-index.js';

/** Ready tasks that share who may take them: the agent they name, their type and required capabilities. */
export interface ReadyGroup {
  agent: string;
  type: string;
  requires: string[];
  count: number;
  first: number;
}

/** A task still in the queue that has struck out at least twice. */
export interface StruckTask {
  id: number;
  title: string;
  status: string;
  attempts: number;
  max_attempts: number;
}

/** Cost and token totals over runs. */
export interface RunTotals {
  runs: number;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
}

type Row = Record<string, unknown>;

/** A task whose next try is due later (a retry's backoff, or a rate limit). */
export interface WaitingTask {
  id: number;
  title: string;
  status: string;
  run_after: number;
  attempts: number;
  max_attempts: number;
}

/** Aggregates for the digest and stats; bounded by status indexes so they stay cheap on a large queue. */
export class ReportRepo {
  private readonly s: Record<string, SqlStatement>;

  constructor(db: SqlDatabase) {
    this.s = {
      readyGroups: db.prepare(`SELECT agent, type, requires_json AS requires, COUNT(*) AS count, MIN(id) AS first
        FROM tasks t WHERE ${inState('ready')} GROUP BY agent, type, requires_json ORDER BY first LIMIT ?`),
      struck: db.prepare(`SELECT id, title, status, attempts, max_attempts FROM tasks
        WHERE status IN ('pending', 'ready', 'running') AND attempts >= ? ORDER BY id LIMIT ?`),
      doneByHour: db.prepare(`SELECT CAST((@now - finished_at) / 3600000 AS INTEGER) AS hour, COUNT(*) AS n
        FROM tasks WHERE status = 'done' AND finished_at > @since AND finished_at <= @now GROUP BY hour`),
      failureKinds: db.prepare(
        'SELECT failure_kind AS kind, COUNT(*) AS n FROM runs WHERE failure_kind IS NOT NULL GROUP BY failure_kind ORDER BY failure_kind',
      ),
      waiting: db.prepare(`SELECT * FROM (
          SELECT id, title, status, run_after, attempts, max_attempts FROM tasks t WHERE ${inState('ready')} AND t.run_after > @now
          UNION ALL
          SELECT id, title, status, run_after, attempts, max_attempts FROM tasks t WHERE ${inState('pending')} AND t.run_after > @now) w
        ORDER BY run_after, id LIMIT @limit`),
      runTotals: db.prepare(`SELECT COUNT(*) AS runs, COALESCE(SUM(cost_usd), 0) AS cost_usd,
        COALESCE(SUM(tokens_in), 0) AS tokens_in, COALESCE(SUM(tokens_out), 0) AS tokens_out FROM runs`),
    };
  }

  /** Ready tasks grouped by (agent, type, requires), oldest group first; at most `limit` groups. */
  readyGroups(limit: number): ReadyGroup[] {
    return (this.s.readyGroups.all(limit) as Row[]).map((r) => ({
      agent: r.agent as string,
      type: r.type as string,
      requires: JSON.parse(r.requires as string) as string[],
      count: r.count as number,
      first: r.first as number,
    }));
  }

  /** Pending, ready or running tasks with at least `minAttempts` strikes, by id. */
  struck(minAttempts: number, limit: number): StruckTask[] {
    return this.s.struck.all(minAttempts, limit) as StruckTask[];
  }

  /** Ready or pending tasks waiting for a retry time after `now`, soonest first. */
  waiting(now: number, limit: number): WaitingTask[] {
    return this.s.waiting.all({ now, limit }) as WaitingTask[];
  }

  /** Tasks done in each of the `hours` hours before `now` (index 0 = the last hour). */
  doneByHour(now: number, hours: number): number[] {
    const out = new Array<number>(hours).fill(0);
    for (const r of this.s.doneByHour.all({ now, since: now - hours * 3_600_000 }) as Row[]) {
      const h = r.hour as number;
      if (h >= 0 && h < hours) out[h] = r.n as number;
    }
    return out;
  }

  /** Finished runs counted by failure kind. */
  failureKinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.failureKinds.all() as Row[]) out[r.kind as string] = r.n as number;
    return out;
  }

  /** Runs, cost and tokens summed over every run. */
  runTotals(): RunTotals {
    return this.s.runTotals.get() as RunTotals;
  }
}
