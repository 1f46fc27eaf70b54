// A worker process for the multi-process tests: claim and complete until nothing is left.
// With a sync folder, each worker first claims one task and waits (holding it) until every worker has one,
// so the work is shared by construction, whatever the machine's load, and claims race while leases are live.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeRun, claimTask } from '../../src/ops/index.js';
import { openStore } from '../../src/store/open-store.js';

const [dbPath, agent, syncDir, workers] = process.argv.slice(2);
const store = openStore(dbPath!, { busyTimeoutMs: 10_000 });
const claimed: number[] = [];
const ctx = () => ({ now: Date.now(), actor: agent! });
const first = claimTask(store, { agent }, ctx());
if (syncDir && first.task) {
  writeFileSync(join(syncDir, agent!), String(first.task.id));
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  while (readdirSync(syncDir).length < Number(workers) && !existsSync(join(syncDir, 'abort'))) Atomics.wait(sleep, 0, 0, 10);
}
for (let out = first; out.task; out = claimTask(store, { agent }, ctx())) {
  claimed.push(out.task.id);
  completeRun(store, { run_id: out.run.id, summary: `by ${agent}` }, ctx());
}
store.close();
process.stdout.write(JSON.stringify(claimed));
