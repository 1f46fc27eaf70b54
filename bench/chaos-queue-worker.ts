// One worker of the queue chaos run (bench/chaos-queue.ts): claims and completes through steward's operations until
// every task is terminal, appending `claim|done|lost TASK RUN PID` to the shared journal (O_APPEND, one write a line)
// around each step, so the checks can hold the database's record against what the workers saw.
// Run: node dist/bench/chaos-queue-worker.js DB_PATH JOURNAL AGENT [WORK_MS]   (Postgres: STEWARD_DATABASE_URL/_SCHEMA in env)
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StewardError } from '../src/core/errors.js';
import { claimTask, completeRun } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';

/** The lease each claim asks for: short, so a killed worker's task comes back quickly (the tick reaps it). */
export const CHAOS_LEASE_SECONDS = 5;
/** The summary a worker completes task T's run R with: the checks recompute it. */
export const resultOf = (task: number, run: number): string => `result ${task} ${run}`;

/** The store's clock: the database server's on Postgres (leases are judged in database time), else this machine's. */
export function storeNow(store: Store): number {
  const s = store as unknown as { now?: () => number };
  return typeof s.now === 'function' ? s.now() : Date.now();
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(dbPath: string, journalPath: string, agent: string, workMs: number): Promise<void> {
  const store = openStore(dbPath, { busyTimeoutMs: 60_000 });
  const open = store.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status NOT IN ('done', 'failed', 'cancelled')");
  const note = (what: string, task: number, run: number) => appendFileSync(journalPath, `${what} ${task} ${run} ${process.pid}\n`);
  for (;;) {
    const got = claimTask(store, { agent, lease_seconds: CHAOS_LEASE_SECONDS }, { now: storeNow(store), actor: agent });
    if (!got.task) {
      if (Number((open.get() as { n: number }).n) === 0) break;
      await sleep(100); // retries wait out their backoff; a killed worker's task waits for its lease to end
      continue;
    }
    note('claim', got.task.id, got.run.id);
    if (workMs > 0) await sleep(workMs); // the "work": also lets other writers (the tick) in between, and kills land mid-run
    try {
      completeRun(store, { run_id: got.run.id, summary: resultOf(got.task.id, got.run.id) }, { now: storeNow(store), actor: agent });
      note('done', got.task.id, got.run.id);
    } catch (err) {
      // The lease ran out under a slow worker and the tick reaped the run: the fencing token refuses the write.
      if (err instanceof StewardError && err.code === 'LEASE_LOST') note('lost', got.task.id, got.run.id);
      else throw err;
    }
  }
  store.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv[2]!, process.argv[3]!, process.argv[4]!, Number(process.argv[5] ?? 0)).catch((e) => {
    process.stderr.write(`chaos-queue-worker: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
