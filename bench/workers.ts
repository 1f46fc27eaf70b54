// Claim+complete loops for the queue benchmark: steward's library and a minimal raw better-sqlite3 floor.
import Database from 'better-sqlite3';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';

/** A benchmark subject: fills a fresh database, then runs claim+complete until nothing is left. */
export interface QueueSubject {
  name: string;
  seed(path: string, n: number): void;
  /** Claims and completes until empty; returns the number of cycles. */
  drain(path: string, worker: string): number;
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
  seed(path, n) {
    const db = rawOpen(path);
    const ins = db.prepare("INSERT INTO jobs (status, priority, created_at) VALUES ('ready', ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < n; i++) ins.run(i % 100, Date.now());
    })();
    db.close();
  },
  drain(path, worker) {
    const db = rawOpen(path);
    const claimStmt = db.prepare(`UPDATE jobs SET status = 'running', locked_by = ? WHERE id =
      (SELECT id FROM jobs WHERE status = 'ready' ORDER BY priority, id LIMIT 1) RETURNING id`);
    const doneStmt = db.prepare("UPDATE jobs SET status = 'done', result = ? WHERE id = ? AND locked_by = ?");
    const claim = db.transaction(() => claimStmt.get(worker) as { id: number } | undefined);
    const complete = db.transaction((id: number) => doneStmt.run('ok', id, worker));
    let n = 0;
    for (;;) {
      const job = claim.immediate();
      if (!job) break;
      complete.immediate(job.id);
      n++;
    }
    db.close();
    return n;
  },
};

/** steward's operations layer: claimTask + completeRun (run rows, fencing, audit events). */
export const steward: QueueSubject = {
  name: 'steward',
  seed(path, n) {
    const store = openStore(path);
    store.tx(() => {
      for (let i = 0; i < n; i++) addTask(store, { title: `job ${i}`, priority: i % 100 }, { now: Date.now(), actor: 'bench' });
    });
    store.close();
  },
  drain(path, worker) {
    const store = openStore(path, { busyTimeoutMs: 30_000 });
    let n = 0;
    for (;;) {
      const out = claimTask(store, { agent: worker }, { now: Date.now(), actor: worker });
      if (!out.task) break;
      completeRun(store, { run_id: out.run.id, summary: 'ok' }, { now: Date.now(), actor: worker });
      n++;
    }
    store.close();
    return n;
  },
};

export const SUBJECTS: Record<string, QueueSubject> = { raw, steward };
