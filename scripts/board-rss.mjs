#!/usr/bin/env node
// Peak RSS of one tick over a large TASKS.md (issue 14): `node scripts/board-rss.mjs [MB] [kind]` after a build.
// kind: "tasks" (task-shaped lines) or "junk" (unreadable lines). Prints the file size, the peak RSS of the tick
// process and of the same process ticking an empty board, and their ratio to the file size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/src/', import.meta.url).pathname;
if (process.argv[2] === '--child') {
  const [, , , root, big] = process.argv;
  const { configSchema } = await import(join(dist, 'config/schema.js'));
  const { openStore } = await import(join(dist, 'store/open-store.js'));
  const { buildTickHooks } = await import(join(dist, 'tick/hooks.js'));
  const { tickOnce } = await import(join(dist, 'tick/tick-once.js'));
  const { workspaceAt } = await import(join(dist, 'workspace/workspace.js'));
  const w = workspaceAt(root);
  const store = openStore(w.dbPath);
  const config = configSchema.parse({ dispatch: 'none' });
  const tick = (now) => tickOnce({ store, ctx: { now, actor: 'triage', random: () => 0.5 }, hooks: buildTickHooks({ workspace: w, config }), config });
  if (big !== '-') (await import('node:fs')).copyFileSync(big, w.boardPath);
  const r = tick(Date.now());
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, errors: r.errors ?? null }));
  process.exit(0);
}

const mb = Number(process.argv[2] ?? 50);
const kind = process.argv[3] ?? 'tasks';
const dir = mkdtempSync(join(tmpdir(), 'board-rss-'));
const big = join(dir, 'big.md');
const line = kind === 'junk' ? `${'junk '.repeat(19)}\n` : `- [ ] ${'a runaway generator line '.repeat(3).padEnd(92, 'z')}\n`;
writeFileSync(big, line.repeat(Math.ceil((mb * 1024 * 1024) / line.length)));
const bytes = statSync(big).size;

function run(file) {
  const root = mkdtempSync(join(tmpdir(), 'board-rss-ws-'));
  const init = spawnSync(process.execPath, [join(dist, 'cli/main.js'), 'init', '--dir', root], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const out = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', root, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}
const base = run('-');
const peak = run(big);
const mib = (kb) => (kb / 1024).toFixed(1);
console.log(
  `file ${(bytes / 1048576).toFixed(1)} MiB (${kind}); peak RSS ${mib(peak.maxRssKb)} MiB (empty board ${mib(base.maxRssKb)} MiB); ` +
    `extra ${mib(peak.maxRssKb - base.maxRssKb)} MiB = ${((peak.maxRssKb - base.maxRssKb) * 1024 / bytes).toFixed(2)}× the file; ` +
    `total ${((peak.maxRssKb * 1024) / bytes).toFixed(2)}× the file; errors ${JSON.stringify(peak.errors)}`,
);
