// A worker process for the multi-process tests: claim and complete until nothing is left.
import { completeRun, claimTask } from '../../src/ops/index.js';
import { openStore } from '../../src/store/open-store.js';

const [dbPath, agent] = process.argv.slice(2);
const store = openStore(dbPath!, { busyTimeoutMs: 10_000 });
const claimed: number[] = [];
for (;;) {
  const out = claimTask(store, { agent }, { now: Date.now(), actor: agent! });
  if (!out.task) break;
  claimed.push(out.task.id);
  completeRun(store, { run_id: out.run.id, summary: `by ${agent}` }, { now: Date.now(), actor: agent! });
}
store.close();
process.stdout.write(JSON.stringify(claimed));
