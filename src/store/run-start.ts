// Runs by start time without an index: run ids grow with their start time, so "runs started since T" is an id range.
import type { SqlDatabase, SqlStatement } from './sql-database.js';

/**
 * How far a run's `started_at` may lag a run inserted before it. A claim stamps `started_at` with its caller's clock
 * reading, taken before it waits for the write lock (up to the busy timeout, seconds) or from the start of a long
 * tick; so in id order start times are not strictly increasing, but never out of order by more than this. The search
 * below looks for runs started since `T − START_SLACK_MS`, then each query keeps `started_at >= T` exactly.
 */
export const START_SLACK_MS = 3_600_000;

/**
 * Finds the first run id of a time range by binary search over the runs' primary key (about 20 point reads for a
 * million runs). This replaces the runs_by_start index (migration 10, dropped by 13): an index every claim wrote a
 * page of, for queries a dashboard or a budget check makes a few times a minute.
 */
export class RunStartSearch {
  private readonly at: SqlStatement;
  private readonly bounds: SqlStatement;

  constructor(db: SqlDatabase) {
    this.at = db.prepare('SELECT id, started_at FROM runs WHERE id >= ? ORDER BY id LIMIT 1').raw(true);
    this.bounds = db.prepare('SELECT MIN(id), MAX(id) FROM runs').raw(true);
  }

  /**
   * The lowest id `x` such that every run with id ≥ x started at or after `since − START_SLACK_MS` (and, with start
   * times out of order by at most the slack, every run started at or after `since` has an id ≥ x). Pair it with
   * `started_at >= since` in the query: `WHERE r.id >= @from AND r.started_at >= @since`.
   */
  firstId(since: number): number {
    const bound = since - START_SLACK_MS;
    const [min, max] = this.bounds.get() as [number | null, number | null];
    if (min === null || max === null) return 1;
    // f(x): the first run with id ≥ x started at or after `bound` (true past the last run). f is false…false true…true.
    let lo = min;
    let hi = max + 1;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const [id, startedAt] = this.at.get(mid) as [number, number];
      if (startedAt >= bound) hi = mid;
      else lo = id + 1; // ids between mid and id do not exist: f is false up to id
    }
    return lo;
  }
}
