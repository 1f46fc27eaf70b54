// Claim+complete loops on PostgreSQL for the bench's `postgres` section: a raw `pg` floor (one SELECT … FOR UPDATE
// SKIP LOCKED inside an UPDATE to claim, one UPDATE to complete), pg-boss 10 (fetch + complete, one job at a time),
// graphile-worker 0.16 (its own worker loop, runOnce, concurrency 1 per process) and steward's operations on a
// Postgres store. Each subject gets its own database on the bench's throwaway cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { runMigrations, runOnce } from 'graphile-worker';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore, type Store, type StoreOptions } from '../src/store/open-store.js';

/** A subject: fills its database, drains it (pushing each claimed job's id), reads back what was recorded. */
export interface PgSubject {
  name: string;
  seed(url: string, n: number): Promise<void>;
  /** Connects; the returned drain runs claim+complete until empty (timed by the caller); close disconnects. */
  prepare(url: string, worker: string): Promise<{ drain(claimed: Array<number | string>): Promise<void>; close(): Promise<void> }>;
  check(url: string): Promise<Record<string, number>>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function counts(url: string, queries: Record<string, string>): Promise<Record<string, number>> {
  return withClient(url, async (c) => {
    const out: Record<string, number> = {};
    for (const [k, q] of Object.entries(queries)) out[k] = Number((await c.query(q)).rows[0].n);
    return out;
  });
}

/** The floor: what a hand-written Postgres queue does per task — two statements, each its own transaction. */
export const rawPg: PgSubject = {
  name: 'raw pg (SKIP LOCKED)',
  async seed(url, n) {
    await withClient(url, async (c) => {
      await c.query(`CREATE TABLE jobs (id bigserial PRIMARY KEY, status text NOT NULL, priority int NOT NULL,
        created_at bigint NOT NULL, locked_by text, result text)`);
      await c.query('CREATE INDEX jobs_ready ON jobs (status, priority, id)');
      await c.query(`INSERT INTO jobs (status, priority, created_at) SELECT 'ready', 50, $1 FROM generate_series(1, $2)`, [Date.now(), n]);
      await c.query('ANALYZE jobs');
    });
  },
  async prepare(url, worker) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return {
      async drain(claimed) {
        for (;;) {
          const r = await c.query({
            name: 'claim',
            text: `UPDATE jobs SET status = 'running', locked_by = $1 WHERE id = (SELECT id FROM jobs WHERE status = 'ready'
              ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`,
            values: [worker],
          });
          if (r.rowCount === 0) break;
          const id = Number(r.rows[0].id);
          claimed.push(id);
          await c.query({ name: 'complete', text: "UPDATE jobs SET status = 'done', result = $1 WHERE id = $2 AND locked_by = $3", values: ['ok', id, worker] });
        }
      },
      close: () => c.end(),
    };
  },
  check: (url) => counts(url, {
    jobs: 'SELECT COUNT(*) AS n FROM jobs',
    done: "SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'",
  }),
};

const BOSS_QUEUE = 'bench';
/** pg-boss without its background work (no maintenance, no cron): a worker that only fetches and completes. */
const bossOptions = (url: string) => ({ connectionString: url, max: 2, supervise: false, schedule: false, migrate: false });

/** pg-boss 10: `fetch(queue)` (one job, FOR UPDATE SKIP LOCKED) then `complete(queue, id)`, as its docs drive a manual worker. */
export const pgBoss: PgSubject = {
  name: 'pg-boss 10.4.2',
  async seed(url, n) {
    const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
    boss.on('error', (e) => process.stderr.write(`pg-boss: ${e.message}\n`));
    await boss.start();
    await boss.createQueue(BOSS_QUEUE);
    for (let i = 0; i < n; i += 1000) {
      await boss.insert(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: BOSS_QUEUE, data: { i: i + k } })));
    }
    await boss.stop({ graceful: false, wait: true });
    await withClient(url, (c) => c.query('ANALYZE pgboss.job'));
  },
  async prepare(url) {
    const boss = new PgBoss(bossOptions(url));
    boss.on('error', (e) => process.stderr.write(`pg-boss: ${e.message}\n`));
    await boss.start();
    return {
      async drain(claimed) {
        for (;;) {
          const [job] = await boss.fetch<{ i: number }>(BOSS_QUEUE);
          if (!job) break;
          claimed.push(job.id);
          await boss.complete(BOSS_QUEUE, job.id);
        }
      },
      close: () => boss.stop({ graceful: false, wait: true }),
    };
  },
  check: (url) => counts(url, {
    jobs: `SELECT COUNT(*) AS n FROM pgboss.job WHERE name = '${BOSS_QUEUE}'`,
    done: `SELECT COUNT(*) AS n FROM pgboss.job WHERE name = '${BOSS_QUEUE}' AND state = 'completed'`,
  }),
};

const quietLogger = async () => {
  const { Logger } = await import('graphile-worker');
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
  });
};

/**
 * graphile-worker 0.16: its own loop (get_job, run the task, complete_job) through `runOnce`, which returns when the
 * queue is empty; one worker per process, the pool connected before the clock starts. A completed job is deleted
 * (graphile-worker keeps no record of done work), so "done" counts the handler's calls and "left" what remains.
 */
export const graphileWorker: PgSubject = {
  name: 'graphile-worker 0.16.6',
  async seed(url, n) {
    await runMigrations({ connectionString: url, logger: await quietLogger() });
    await withClient(url, async (c) => {
      await c.query(`SELECT graphile_worker.add_job('bench', json_build_object('i', g)) FROM generate_series(1, $1) g`, [n]);
      await c.query('ANALYZE graphile_worker._private_jobs');
    });
  },
  async prepare(url, worker) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    (await pool.connect()).release();
    const logger = await quietLogger();
    return {
      async drain(claimed) {
        await runOnce({
          pgPool: pool, concurrency: 1, noHandleSignals: true, logger, workerId: worker,
          taskList: { bench: async (_payload, helpers) => { claimed.push(String(helpers.job.id)); } },
        } as Parameters<typeof runOnce>[0]);
      },
      close: () => pool.end(),
    };
  },
  check: (url) => counts(url, {
    left: 'SELECT COUNT(*) AS n FROM graphile_worker._private_jobs',
  }),
};

/** Thrown when the tree's openStore has no Postgres route yet: the section says so instead of measuring SQLite. */
export class NoPostgresStore extends Error {}

/** Opens steward's store on Postgres (`openStore(path, { url, schema })`); a placeholder path that must stay unused. */
export function openPgStore(url: string, schema = 'steward'): { store: Store; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-pg-'));
  const store = openStore(join(dir, 'queue.db'), { url, schema, busyTimeoutMs: 30_000 } as StoreOptions & { url: string; schema: string });
  if ((store.db as { dialect?: string }).dialect !== 'postgres') {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    throw new NoPostgresStore('openStore(path, { url }) opened SQLite: this tree has no Postgres store route yet');
  }
  return { store, done: () => { store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const STEWARD_PG_CHECKS = {
  tasks: 'SELECT COUNT(*) AS n FROM steward.tasks',
  done: "SELECT COUNT(*) AS n FROM steward.tasks WHERE status = 'done'",
  runs: 'SELECT COUNT(*) AS n FROM steward.runs',
  completed_runs: "SELECT COUNT(*) AS n FROM steward.runs WHERE outcome = 'completed'",
  tasks_with_2plus_runs: 'SELECT COUNT(*) AS n FROM (SELECT task_id FROM steward.runs GROUP BY task_id HAVING COUNT(*) > 1) x',
  claim_records: 'SELECT COUNT(*) AS n FROM steward.runs WHERE claimed_by IS NOT NULL AND claim_after_event IS NOT NULL',
  completion_records: "SELECT COUNT(*) AS n FROM steward.runs WHERE outcome = 'completed' AND finished_by IS NOT NULL AND finish_after_event IS NOT NULL",
};

/**
 * Seeds `n` tasks, then ANALYZEs the tables as the other subjects' seeds do (pg-boss, graphile-worker, raw pg): without
 * statistics the planner guesses the claim's filters (`requires_json = '[]'`, the agent) match almost nothing and
 * sorts every ready task on each claim instead of reading the first of `tasks_live` (docs/BENCHMARKS.md §9, session 7).
 */
async function stewardSeed(url: string, n: number): Promise<void> {
  const { store, done } = openPgStore(url);
  try {
    store.tx(() => {
      for (let i = 0; i < n; i++) addTask(store, { title: `job ${i}` }, { now: Date.now(), actor: 'bench' });
    });
  } finally {
    done();
  }
  await withClient(url, async (c) => {
    await c.query('ANALYZE steward.tasks');
    await c.query('ANALYZE steward.runs');
  });
}

/** steward on Postgres: claimTask + completeRun, the same calls as on SQLite (run rows, fencing, audit). */
export const stewardPg: PgSubject = {
  name: 'steward on Postgres',
  seed: stewardSeed,
  async prepare(url, worker) {
    const { store, done } = openPgStore(url);
    return {
      async drain(claimed) {
        for (;;) {
          const out = claimTask(store, { agent: worker }, { now: Date.now(), actor: worker });
          if (!out.task) break;
          claimed.push(out.task.id);
          completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: worker });
        }
      },
      close: async () => done(),
    };
  },
  check: (url) => counts(url, STEWARD_PG_CHECKS),
};

/** steward's worker loop on Postgres: completeRun with `next` claims the following task in the same transaction. */
export const stewardPgNext: PgSubject = {
  name: 'steward on Postgres (fetch-next)',
  seed: stewardSeed,
  async prepare(url, worker) {
    const { store, done } = openPgStore(url);
    return {
      async drain(claimed) {
        const claim = { agent: worker };
        let out = claimTask(store, claim, { now: Date.now(), actor: worker });
        while (out.task) {
          claimed.push(out.task.id);
          out = completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: worker }, { next: claim }).next!;
        }
      },
      close: async () => done(),
    };
  },
  check: (url) => counts(url, STEWARD_PG_CHECKS),
};

/** stewardPg with STEWARD_PG_LOCK=queue: every write transaction takes the queue's lock exclusively (the rule before narrowing). */
export const stewardPgQueueLock: PgSubject = {
  ...stewardPg,
  name: 'steward on Postgres, queue lock',
  async prepare(url, worker) {
    process.env.STEWARD_PG_LOCK = 'queue';
    return stewardPg.prepare(url, worker);
  },
};

export const PG_SUBJECTS: Record<string, PgSubject> = {
  raw: rawPg,
  'pg-boss': pgBoss,
  'graphile-worker': graphileWorker,
  steward: stewardPg,
  'steward-next': stewardPgNext,
  'steward-queue-lock': stewardPgQueueLock,
};
