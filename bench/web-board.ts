// How long the web board takes to serve a 10,000-open-task workspace, and how big its pages are.
// Run: npm run build && node dist/bench/web-board.js [tasks]. Prints one line per page (median of 7 loads).
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { makeAuthenticator } from '../src/mcp/index.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { startUpHttp } from '../src/up/http-server.js';
import { createWebBoard } from '../src/web/index.js';

const total = Number(process.argv[2] ?? 10_000);
const store = openStore(join(mkdtempSync(join(tmpdir(), 'steward-web-bench-')), 'queue.db'));
let now = Date.now() - total * 1000;
const ctx = () => ({ now: (now += 50), actor: 'bench' });
const projects = ['api', 'web', 'docs', 'infra', 'mobile'];
store.tx(() => {
  for (let i = 0; i < total + 1350; i++) {
    addTask(store, { title: `task ${i} ${i % 7 === 0 ? 'refactor the parser' : 'fix a bug'}`, goal: `Goal of task ${i}.`, project: projects[i % 5], priority: i % 100, agent: i % 3 ? 'any' : 'claude', review: i % 10 === 0 }, ctx());
  }
});
// Some history: 2,000 runs (1,500 completed: 1,350 done, 150 to review), so `total` tasks stay open.
for (let i = 0; i < 2000; i++) {
  const c = claimTask(store, { agent: 'claude' }, ctx());
  if (!c.task) break;
  if (i % 4) completeRun(store, { run_id: c.run.id, summary: `did ${c.task.id}`, cost_usd: 0.01, tokens_in: 1000, tokens_out: 200 }, ctx());
}
const counts = store.tasks.counts();
const open = (counts.pending ?? 0) + (counts.ready ?? 0) + (counts.running ?? 0) + (counts.review ?? 0) + (counts.blocked ?? 0);
const token = 'bench-token-0123456789abcdef';
const tokens = { [token]: { role: 'triage' as const } };
const web = createWebBoard({ store, checkBearer: makeAuthenticator(tokens), profiles: null, agents: {}, logsDir: tmpdir() });
const http = await startUpHttp({ store, tokens, boardPath: '', host: '127.0.0.1', port: 0, loop: { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, web });
console.log(`workspace: ${open} open tasks (${JSON.stringify(counts)})`);
for (const path of ['/', '/board', '/board?text=parser', '/board?state=ready&offset=5000', '/agents', '/stats', '/tasks/1']) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const res = await fetch(`${http.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    bytes = body.byteLength;
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${path.padEnd(34)} median ${times[3]!.toFixed(1).padStart(7)} ms  max ${times[6]!.toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(0).padStart(5)} KiB`);
}
await http.close();
store.close();
