// Where steward's worker loop spends its time, by layer: the operations layer (what users call), the same cycle as
// bare store calls (the repositories' statements in the same order, no validation, no state table, no objects), and
// plainjob, in one process, interleaved. The gap between the first two is the operations layer's JavaScript; the
// gap between the second and plainjob is what steward's schema and guarantees cost in SQLite.
// Run: npm run build && node dist/bench/layers.js [tasks=20000] [rounds=5]   (REVERSED=1: the other order in a round)
import type { TaskState } from '../src/core/states.js';
import { openStore } from '../src/store/open-store.js';
import { median } from './report.js';
import { emptyWal, SUBJECTS, withSeededQueue } from './workers.js';

/**
 * The fetch-next cycle as store calls only: complete the current run, claim the next task, one transaction.
 * With `events` it also writes the two event rows a cycle wrote before the run row became the audit record of a
 * claim and a completion (migration 8): what those rows cost.
 */
function drainByStore(path: string, events: boolean): number {
  const store = openStore(path, { busyTimeoutMs: 30_000 });
  const agent = 'w0';
  const event = (now: number, kind: string, taskId: number, runId: number, from: TaskState, to: TaskState, data: unknown) =>
    !events ? null : store.events.append({ at: now, actor: agent, kind, task_id: taskId, run_id: runId, proposal_id: null, from_status: from,
      to_status: to, reason: null, data });
  const claim = (now: number): [number, number] | undefined => {
    if (store.agents.pausedUntil(agent) > now) return undefined;
    const task = store.tasks.findClaimable({ agent, types: null, capabilities: [], now });
    if (!task) return undefined;
    const runId = store.runs.insert({ task_id: task.id, agent, lease_ms: 300_000, lease_expires_at: now + 300_000, heartbeat_at: now, started_at: now });
    event(now, 'claimed', task.id, runId, 'ready', 'running', { agent });
    store.tasks.markRunning(task.id, runId, now);
    return [task.id, runId];
  };
  let n = 0;
  let current = store.tx(() => claim(Date.now()));
  while (current) {
    n++;
    const [taskId, runId] = current;
    current = store.tx(() => {
      const now = Date.now();
      store.runs.withTask(runId);
      store.runs.finish(runId, { outcome: 'completed', failure_kind: null, finished_at: now, summary: 'ok', error: null, artifacts: null,
        evidence: null, cost_usd: null, tokens_in: null, tokens_out: null, session_id: null, exit_code: null });
      store.tasks.markCompleted(taskId, 'done', 'ok', now, event(now, 'completed', taskId, runId, 'running', 'done', null), now);
      store.tasks.dependents(taskId);
      return claim(now);
    });
  }
  store.close();
  return n;
}

type Layer = 'operations layer (fetch-next)' | 'store calls only' | 'store calls + 2 event rows' | 'plainjob';

/** µs per cycle of one drain of `n` fresh tasks. */
async function once(layer: Layer, n: number): Promise<number> {
  const subject = layer === 'plainjob' ? SUBJECTS.plainjob! : SUBJECTS.steward!;
  return withSeededQueue(subject, n, async (path) => {
    // Start every drain from an empty WAL, as bench/queue.ts does (the seed's pages are not the drain's work).
    emptyWal(path);
    const start = performance.now();
    if (layer === 'plainjob') await SUBJECTS.plainjob!.drain(path, 'w0', []);
    else if (layer !== 'operations layer (fetch-next)') {
      if (drainByStore(path, layer === 'store calls + 2 event rows') !== n) throw new Error('store-call drain did not claim every task');
    } else await SUBJECTS['steward-next']!.drain(path, 'w0', []);
    return ((performance.now() - start) * 1000) / n;
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 5);
  // The order inside a round matters on this VM (the drain after plainjob's tends to be slower); REVERSED=1 flips it.
  const order: Layer[] = ['operations layer (fetch-next)', 'store calls only', 'store calls + 2 event rows', 'plainjob'];
  const layers = process.env.REVERSED ? [...order].reverse() : order;
  const samples = new Map<Layer, number[]>(order.map((l) => [l, []]));
  for (let r = 0; r < rounds; r++) for (const layer of layers) samples.get(layer)!.push(await once(layer, n));
  const plain = median(samples.get('plainjob')!);
  console.log(`one process, ${n} tasks, median of ${rounds} interleaved drains (node ${process.version})`);
  console.log('layer                            µs/cycle   cycles/s   vs plainjob');
  for (const layer of order) {
    const us = median(samples.get(layer)!);
    console.log(`${layer.padEnd(32)} ${us.toFixed(1).padStart(8)} ${(1e6 / us).toFixed(0).padStart(10)}   ${(plain / us).toFixed(2)}×`);
  }
}

await main();
