// A worker process for test/pg-lock-procs: claims on one Postgres queue until no task is left, and checks the caps
// after every claim it commits. argv: dbPath, mode ('profile' | 'plain'), agent, config JSON.
// - profile: claimForProfile (WIP caps and budgets counted under the queue's exclusive lock); holds up to two runs
//   at once (so several runs overlap across processes), completing the oldest when it holds two or cannot claim;
// - plain: claimTask + completeRun of tasks assigned to it (the narrow transactions, shared lock).
// After each claim it reads the running runs per agent and per project and the runs the agent started today, and
// records every count above its cap (a count read after the commit is the queue's state at that moment: above the
// cap means the cap was passed). Prints JSON: { claimed: task ids, violations: strings }.
import { configSchema } from '../../src/config/schema.js';
import { claimTask, completeRun } from '../../src/ops/index.js';
import { claimForProfile } from '../../src/ops/profile-claim.js';
import { openStore } from '../../src/store/open-store.js';

const [dbPath, mode, agent, configJson] = process.argv.slice(2) as [string, 'profile' | 'plain', string, string];
const config = configSchema.parse(JSON.parse(configJson));
const store = openStore(dbPath, { busyTimeoutMs: 60_000 });
const ctx = () => ({ now: store.now(), actor: agent });
const claimed: number[] = [];
const violations: string[] = [];
const held: number[] = [];
const count = (sql: string, ...args: unknown[]) => Number((store.db.prepare(sql).get(...args) as { n: number | string }).n);

function check(): void {
  const perAgent = store.db.prepare(`SELECT r.agent AS agent, COUNT(*) AS n FROM runs r WHERE r.status = 'running' GROUP BY r.agent`).all() as Array<{ agent: string; n: number }>;
  for (const { agent: a, n } of perAgent) {
    const cap = Math.min(config.agents[a]?.maxConcurrent ?? Infinity, config.wip.perAgent[a] ?? Infinity);
    if (Number(n) > cap) violations.push(`agent ${a}: ${n} running, cap ${cap}`);
  }
  const perProject = store.db.prepare(`SELECT t.project AS project, COUNT(*) AS n FROM runs r JOIN tasks t ON t.id = r.task_id
    WHERE r.status = 'running' AND r.agent <> 'plain' GROUP BY t.project`).all() as Array<{ project: string; n: number }>;
  for (const { project, n } of perProject) {
    const cap = config.wip.perProject[project];
    if (cap !== undefined && Number(n) > cap) violations.push(`project ${project}: ${n} running, cap ${cap}`);
  }
  for (const b of config.budgets.limits) {
    const name = b.scope.slice('agent:'.length);
    if (!b.scope.startsWith('agent:') || b.maxRuns === undefined) continue;
    // Runs started this UTC day (the budgets' timezone here), as the budget counts them.
    const now = store.now();
    const n = count('SELECT COUNT(*) AS n FROM runs WHERE agent = ? AND started_at >= ?', name, now - (now % 86_400_000));
    if (n > b.maxRuns) violations.push(`budget ${b.scope}: ${n} runs started, maxRuns ${b.maxRuns}`);
  }
}

const readyLeft = () => count("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('ready', 'running') AND (agent = ? OR ? <> 'plain')", agent, mode);

function complete(runId: number): void {
  completeRun(store, { run_id: runId, summary: `by ${agent}` }, ctx());
}

for (let i = 0; i < 200_000; i++) {
  if (mode === 'plain') {
    const out = claimTask(store, { agent }, ctx());
    if (!out.task) {
      if (readyLeft() === 0) break;
      continue;
    }
    claimed.push(out.task.id);
    complete(out.run.id);
    continue;
  }
  const out = claimForProfile(store, config, agent, ctx(), { pid: process.pid });
  if (out.task) {
    claimed.push(out.task.id);
    held.push(out.run.id);
    check();
  }
  if (held.length >= 2 || (!out.task && held.length > 0)) complete(held.shift()!);
  else if (!out.task && readyLeft() === 0) break;
}
while (held.length) complete(held.shift()!);
store.close();
process.stdout.write(JSON.stringify({ claimed, violations }));
