// Overhead of one babysitter: its own RSS and CPU while its CLI runs (~10 s of the `slow` fake CLI).
// Run: npm run build && node dist/bench/babysitter.js   (Linux: samples /proc/<pid>/stat and status)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addTask, claimTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const FAKE = join(ROOT, 'test/fixtures/fake-cli.mjs');
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface Sample {
  at: number;
  rssKb: number;
  cpuTicks: number;
}

function sample(pid: number): Sample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { at: Date.now(), rssKb: rss ? Number(rss[1]) : 0, cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

async function measure(label: string, env: Record<string, string>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const { workspace } = createWorkspaceDirs(root);
  const agents = { coder: { cli: 'claude', bin: FAKE, env: { FAKE_CLI: 'claude', FAKE_MODE: 'slow', ...env }, leaseSeconds: 30 } };
  writeFileSync(workspace.configPath, JSON.stringify({ agents }));
  const store = openStore(workspace.dbPath);
  addTask(store, { title: 'bench' }, { now: Date.now(), actor: 'bench' });
  const claimed = claimTask(store, { agent: 'coder', lease_seconds: 30 }, { now: Date.now(), actor: 'bench' });
  if (!claimed.task) throw new Error('nothing claimed');
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'work', '--run', String(claimed.run.id), '--here', '--dir', root], { stdio: 'ignore' });
  const samples: Sample[] = [];
  const timer = setInterval(() => {
    const s = sample(child.pid!);
    if (s) samples.push(s);
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const run = store.runs.get(claimed.run.id)!;
  store.close();
  // Steady state: from 2 s in (node start and module loading done) to the last sample.
  const steady = samples.filter((s) => s.at - started >= 2000);
  const first = steady[0]!;
  const last = steady[steady.length - 1]!;
  const cpuPct = ((last.cpuTicks - first.cpuTicks) / TICK / ((last.at - first.at) / 1000)) * 100;
  const mib = (kb: number) => (kb / 1024).toFixed(1);
  const rss = samples.map((s) => s.rssKb);
  const logBytes = readFileSync(run.log_path!, 'utf8').length;
  console.log(
    `${label}: exit ${code}, run ${run.outcome}, ${((Date.now() - started) / 1000).toFixed(1)} s, log ${(logBytes / 1024).toFixed(0)} KiB | ` +
      `babysitter RSS avg ${mib(rss.reduce((a, b) => a + b, 0) / rss.length)} MiB, max ${mib(Math.max(...rss))} MiB | ` +
      `CPU total ${(samples[samples.length - 1]!.cpuTicks / TICK).toFixed(2)} s, steady ${cpuPct.toFixed(2)} % of one core`,
  );
}

async function baseline(): Promise<void> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const s = sample(child.pid!);
  child.kill();
  console.log(`baseline: an idle \`node -e\` process: RSS ${((s?.rssKb ?? 0) / 1024).toFixed(1)} MiB`);
}

await baseline();
await measure('quiet CLI (a line every 100 ms, 10 s)', { FAKE_INTERVAL_MS: '100', FAKE_DURATION_MS: '10000' });
await measure('chatty CLI (a line every 1 ms, 10 s)', { FAKE_INTERVAL_MS: '1', FAKE_DURATION_MS: '10000' });
