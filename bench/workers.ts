// Claim+complete loops for the queue benchmark: steward's library and a minimal raw better-sqlite3 floor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildDBClient, SqliteQueue } from 'liteque';
import { better, defineQueue } from 'plainjob';
import { addTask, claimTask, claimTasks, completeRun, completeRuns } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';

/** A benchmark subject: fills a fresh database, then runs claim+complete until nothing is left. */
export interface QueueSubject {
  name: string;
  seed(path: string, n: number): void | Promise<void>;
  /** Claims and completes until empty, pushing each claimed task's id to `claimed`. */
  drain(path: string, worker: string, claimed: number[]): void | Promise<void>;
  /** Counts read back from the database after a drain (what was really written). */
  check(path: string): Record<string, number>;
  /** What it guarantees, for the report's table. */
  guarantees: Guarantees;
}

/** The guarantees compared in the report. */
export interface Guarantees {
  fencing: string;
  retries: string;
  dependencies: string;
  leases: string;
  audit: string;
}

/**
 * steward's own record of a drain: one run per task, every run completed, and the audit record of each claim and
 * completion on its run row (who claimed, who finished: the run row is that record, docs/DESIGN.md "Audit").
 */
const STEWARD_CHECKS = {
  tasks: 'SELECT COUNT(*) FROM tasks',
  done: "SELECT COUNT(*) FROM tasks WHERE status = 'done'",
  runs: 'SELECT COUNT(*) FROM runs',
  completed_runs: "SELECT COUNT(*) FROM runs WHERE outcome = 'completed'",
  tasks_with_2plus_runs: 'SELECT COUNT(*) FROM (SELECT task_id FROM runs GROUP BY task_id HAVING COUNT(*) > 1)',
  claim_records: 'SELECT COUNT(*) FROM runs WHERE claimed_by IS NOT NULL AND claim_after_event IS NOT NULL',
  completion_records: "SELECT COUNT(*) FROM runs WHERE outcome = 'completed' AND finished_by IS NOT NULL AND finish_after_event IS NOT NULL",
};

/** Runs each named COUNT query on a read-only connection. */
function readCounts(path: string, queries: Record<string, string>): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(Object.entries(queries).map(([k, q]) => [k, db.prepare(q).pluck().get() as number]));
  } finally {
    db.close();
  }
}

const RAW_SCHEMA = `CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, status TEXT NOT NULL, priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL, locked_by TEXT, result TEXT);
  CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(status, priority, id);`;

function rawOpen(path: string): Database.Database {
  const db = new Database(path, { timeout: 30_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(RAW_SCHEMA);
  return db;
}

/** The floor: one UPDATE … RETURNING to claim, one UPDATE to complete, each its own IMMEDIATE transaction. */
export const raw: QueueSubject = {
  name: 'raw better-sqlite3',
  guarantees: { fencing: 'no', retries: 'no', dependencies: 'no', leases: 'no', audit: 'no' },
  seed(path, n) {
    const db = rawOpen(path);
    const ins = db.prepare("INSERT INTO jobs (status, priority, created_at) VALUES ('ready', ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < n; i++) ins.run(50, Date.now());
    })();
    db.close();
  },
  drain(path, worker, claimed) {
    const db = rawOpen(path);
    const claimStmt = db.prepare(`UPDATE jobs SET status = 'running', locked_by = ? WHERE id =
      (SELECT id FROM jobs WHERE status = 'ready' ORDER BY priority, id LIMIT 1) RETURNING id`);
    const doneStmt = db.prepare("UPDATE jobs SET status = 'done', result = ? WHERE id = ? AND locked_by = ?");
    const claim = db.transaction(() => claimStmt.get(worker) as { id: number } | undefined);
    const complete = db.transaction((id: number) => doneStmt.run('ok', id, worker));
    for (;;) {
      const job = claim.immediate();
      if (!job) break;
      claimed.push(job.id);
      complete.immediate(job.id);
    }
    db.close();
  },
  check: (path) => readCounts(path, {
    jobs: 'SELECT COUNT(*) FROM jobs',
    done: "SELECT COUNT(*) FROM jobs WHERE status = 'done'",
  }),
};

/** steward's operations layer: claimTask + completeRun (run rows, fencing, audit events). */
export const steward: QueueSubject = {
  name: 'steward',
  guarantees: {
    fencing: 'run id per attempt; stale writes get LEASE_LOST, kept',
    retries: 'per failure kind, backoff + jitter, dead letter',
    dependencies: 'after (cycle check), then chains, review',
    leases: 'heartbeat, reaped as lost',
    audit: 'claim + completion on the run row, an event per other transition',
  },
  seed(path, n) {
    const store = openStore(path);
    store.tx(() => {
      for (let i = 0; i < n; i++) addTask(store, { title: `job ${i}` }, { now: Date.now(), actor: "bench" });
    });
    store.close();
  },
  drain(path, worker, claimed) {
    const store = openStore(path, { busyTimeoutMs: 30_000 });
    for (;;) {
      const out = claimTask(store, { agent: worker }, { now: Date.now(), actor: worker });
      if (!out.task) break;
      claimed.push(out.task.id);
      completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: worker });
    }
    store.close();
  },
  check: (path) => readCounts(path, STEWARD_CHECKS),
};

/**
 * The steward cycle one call at a time as bare store calls: the statements `claimTask` and `completeRun` run (on
 * SQLite one autocommitted statement each: TaskRepo.claimAlone, RunRepo.completeAlone), without the operations layer (no input validation, transition table,
 * liveness judgement or result objects). The gap to "steward" is the operations layer's JavaScript; the gap to
 * plainjob is what steward's schema costs in SQLite. Not a thing a user calls: a yardstick for the one they do.
 */
export const stewardStore: QueueSubject = {
  name: 'steward store calls',
  guarantees: steward.guarantees,
  seed: steward.seed,
  drain(path, worker, claimed) {
    const store = openStore(path, { busyTimeoutMs: 30_000 });
    const run = { agent: worker, lease_ms: 300_000, lease_expires_at: 0, host: null, pid: null, pgid: null, proc_start: null, claimed_by: worker };
    for (;;) {
      const now = Date.now();
      run.lease_expires_at = now + 300_000;
      // The common claim: one autocommitted statement on SQLite (TaskRepo.claimAlone), as claimTask makes it.
      const got = store.tasks.claimAlone(worker, now, run);
      if (!got) break;
      claimed.push(got.task.id);
      const at = Date.now();
      const done = store.runs.completeAlone(got.runId, { outcome: 'completed', failure_kind: null, finished_at: at, summary: 'ok', error: null,
        artifacts: null, evidence: null, cost_usd: null, tokens_in: null, tokens_out: null, session_id: null, exit_code: null, finished_by: worker }, at, undefined);
      if (!done) throw new Error('the completion did not go through in one statement');
    }
    store.close();
  },
  check: steward.check,
};

/** steward's worker loop: completeRun with `next` claims the following task in the same transaction. */
export const stewardNext: QueueSubject = {
  name: 'steward (fetch-next)',
  guarantees: steward.guarantees,
  seed: steward.seed,
  drain(path, worker, claimed) {
    const store = openStore(path, { busyTimeoutMs: 30_000 });
    const claim = { agent: worker };
    let out = claimTask(store, claim, { now: Date.now(), actor: worker });
    while (out.task) {
      claimed.push(out.task.id);
      out = completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: worker }, { next: claim }).next!;
    }
    store.close();
  },
  check: steward.check,
};

/** Tasks per batch in the batched subject (pg-boss's `batchSize`). */
export const BATCH = 10;

/**
 * steward's batch API: claimTasks takes up to BATCH tasks in one transaction, completeRuns completes them and claims
 * the next batch in one more. Every task still gets its own run, lease, fencing token and two audit events.
 */
export const stewardBatch: QueueSubject = {
  name: `steward (batches of ${BATCH})`,
  guarantees: steward.guarantees,
  seed: steward.seed,
  drain(path, worker, claimed) {
    const store = openStore(path, { busyTimeoutMs: 30_000 });
    const claim = { agent: worker, limit: BATCH };
    let batch = claimTasks(store, claim, { now: Date.now(), actor: worker }).claims;
    while (batch.length > 0) {
      for (const c of batch) claimed.push(c.task.id);
      const out = completeRuns(store, batch.map((c) => ({ run_id: c.run.id, summary: 'ok' })), { now: Date.now(), actor: worker }, { next: claim });
      if (out.results.some((r) => !r.ok)) throw new Error('a batch completion was refused');
      batch = out.next!.claims;
    }
    store.close();
  },
  check: steward.check,
};

/** plainjob 0.0.14 (better-sqlite3): what its own worker does per job — getAndMarkJobAsProcessing, getJobById, markJobAsDone. */
export const plainjob: QueueSubject = {
  name: 'plainjob',
  guarantees: {
    fencing: 'no (any caller may mark any job done)',
    retries: 'no (failed is final; timed-out jobs requeued)',
    dependencies: 'no',
    leases: 'timeout requeue, no heartbeat',
    audit: 'no',
  },
  seed(path, n) {
    const queue = defineQueue({ connection: better(new Database(path)) });
    for (let i = 0; i < n; i++) queue.add('bench', { i });
    queue.close();
  },
  drain(path, _worker, claimed) {
    const queue = defineQueue({ connection: better(new Database(path, { timeout: 30_000 })) });
    for (;;) {
      const next = queue.getAndMarkJobAsProcessing('bench');
      if (!next) break;
      const job = queue.getJobById(next.id)!;
      claimed.push(job.id);
      queue.markJobAsDone(job.id);
    }
    queue.close();
  },
  check: (path) => readCounts(path, {
    jobs: 'SELECT COUNT(*) FROM plainjob_jobs',
    done: 'SELECT COUNT(*) FROM plainjob_jobs WHERE status = 2',
  }),
};

/**
 * liteque 0.8 passes an async function to better-sqlite3's (synchronous) transaction. better-sqlite3 11.10 and
 * later (WiseLibs/better-sqlite3#1364) refuse that ("Transaction function cannot return a promise"), so with the
 * better-sqlite3 12 steward uses, liteque cannot dequeue at all. Earlier versions BEGIN, take the promise, COMMIT
 * at once, and the awaited writes run after the commit. To measure liteque as its users on those versions run it,
 * its bench process restores that behaviour: the promise is handed back instead of refused.
 */
function allowAsyncTransactions(): void {
  type Fn = (...a: unknown[]) => unknown;
  const proto = Database.prototype as unknown as { transaction: (fn: Fn) => Fn; __patched?: boolean };
  if (proto.__patched) return;
  const original = proto.transaction;
  proto.transaction = function (this: unknown, fn: Fn) {
    const box = { promise: undefined as unknown };
    const tx = original.call(this, function (this: unknown, ...args: unknown[]) {
      const out = fn.apply(this, args);
      if (out && typeof (out as Promise<unknown>).then === 'function') {
        box.promise = out;
        return undefined;
      }
      return out;
    });
    const unwrap = (inner: Fn): Fn =>
      function (this: unknown, ...args: unknown[]) {
        box.promise = undefined;
        const out = inner.apply(this, args);
        return box.promise ?? out;
      };
    const variants = tx as unknown as Record<string, Fn>;
    return Object.assign(unwrap(tx), {
      deferred: unwrap(variants.deferred!),
      immediate: unwrap(variants.immediate!),
      exclusive: unwrap(variants.exclusive!),
    });
  };
  proto.__patched = true;
}

/** liteque 0.8 (drizzle over better-sqlite3): attemptDequeue + finalize with its allocation id. */
export const liteque: QueueSubject = {
  name: 'liteque',
  guarantees: {
    fencing: 'allocation id compared on claim and finalize; the claim\'s UPDATE runs after its COMMIT (async callback in a sync transaction)',
    retries: 'numRetries, fixed availableAt',
    dependencies: 'no',
    leases: 'expireAt timeout, no heartbeat',
    audit: 'no',
  },
  async seed(path, n) {
    allowAsyncTransactions();
    const queue = new SqliteQueue<{ i: number }>('bench', buildDBClient(path, { runMigrations: true }), {
      defaultJobArgs: { numRetries: 0 },
      keepFailedJobs: false,
    });
    for (let i = 0; i < n; i++) await queue.enqueue({ i });
  },
  async drain(path, _worker, claimed) {
    allowAsyncTransactions();
    const queue = new SqliteQueue<{ i: number }>('bench', buildDBClient(path), { defaultJobArgs: { numRetries: 0 }, keepFailedJobs: false });
    for (;;) {
      const job = await queue.attemptDequeue({ timeoutSecs: 600 });
      if (!job) {
        // A lost compare-and-swap also returns null; liteque's own runner looks at the stats before it stops.
        const stats = await queue.stats();
        if (stats.pending + stats.pending_retry > 0) continue;
        break;
      }
      claimed.push(job.id);
      await queue.finalize(job.id, job.allocationId, 'completed');
    }
  },
  // Completed jobs are deleted (keepFailedJobs: false), so what is left should be nothing.
  check: (path) => readCounts(path, { jobs_left: 'SELECT COUNT(*) FROM tasks' }),
};

export const SUBJECTS: Record<string, QueueSubject> = {
  raw, steward, 'steward-store': stewardStore, 'steward-next': stewardNext, 'steward-batch': stewardBatch, plainjob, liteque,
};

/** Seeds `n` tasks of `subject` into a database in a fresh temp folder, runs `use` on its path, removes the folder. */
export async function withSeededQueue<T>(subject: QueueSubject, n: number, use: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  try {
    const path = join(dir, 'q.db');
    await subject.seed(path, n);
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checkpoints the WAL empty, so a drain that follows starts with none of the seed's pages (its frames are its own). */
export function emptyWal(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
