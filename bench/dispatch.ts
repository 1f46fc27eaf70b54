// Dispatch latency under `steward up` (issue 18): from a committed `steward add` (its task's created_at) to the agent
// process started (the agent writes its own start time). Heartbeat a day and change poll off: only the wake-up
// (src/workspace/wake-socket.ts) starts it. Not yet a row of `npm run bench`.
// Run: npm run build && node dist/bench/dispatch.js [samples=7]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/schema.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { median } from './report.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const NEVER = 2 ** 31 - 1;

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 7);
  const root = mkdtempSync(join(tmpdir(), 'steward-dispatch-'));
  const { workspace } = initWorkspace(root);
  const script = "require('fs').writeFileSync(require('path').join(process.env.MARKS, 'started-' + process.env.STEWARD_TASK_ID), String(Date.now()))";
  const raw = { heartbeat: { everySeconds: 24 * 3600 }, agents: { coder: { cli: 'command', command: [process.execPath, '-e', script], env: { MARKS: root } } } };
  writeFileSync(workspace.configPath, JSON.stringify(raw));
  const store = openStore(workspace.dbPath);
  const up = await startUp({ workspace, config: configSchema.parse(raw), store, port: 0, pollMs: NEVER, debounceMs: NEVER, log: () => undefined });
  const ms: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      // Spawned without blocking: `up` runs in this process and must hear the ping while the CLI exits.
      const child = spawn(process.execPath, [CLI, 'add', `task ${i}`, '--json'], { cwd: root, env: { ...process.env, STEWARD_DIR: '' } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      await new Promise((r) => child.on('close', r));
      const task = JSON.parse(stdout).task as { id: number; created_at: string };
      const mark = join(root, `started-${task.id}`);
      const deadline = Date.now() + 120_000;
      const started = () => (existsSync(mark) ? Number(readFileSync(mark, 'utf8')) || 0 : 0);
      while (!started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (!started()) throw new Error(`task #${task.id} was not dispatched within 120 s`);
      ms.push(started() - Date.parse(task.created_at));
      console.log(`task #${task.id}: ${ms[ms.length - 1]} ms from the add's commit to the agent started`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await up.drain();
    store.close();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`p50 ${median(ms)} ms over ${samples} (goal < 300 ms); wake-ups ${up.stats.wakeups}`);
}

await main();
