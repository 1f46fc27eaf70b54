#!/usr/bin/env node
// `npm test` N times in a row beside H CPU-bound processes (the "busy machine" check of the README):
//   node scripts/busy-test.mjs [--runs 3] [--hogs 2]
// Each run's closing summary line is printed; exits 1 at the first failing run. The hogs are killed on exit.
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('runs', 3);
const hogs = Array.from({ length: arg('hogs', 2) }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stop = () => hogs.forEach((h) => h.kill('SIGKILL'));
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

let status = 0;
for (let i = 1; i <= runs && status === 0; i++) {
  const started = Date.now();
  const r = spawnSync('npm', ['test'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const out = `${r.stdout}${r.stderr}`;
  const summary = out.trim().split('\n').reverse().find((l) => /\d+ passed, \d+ failed/.test(l)) ?? '(no summary line)';
  const load = loadavg()[0].toFixed(1);
  console.log(`run ${i}/${runs}: ${summary} — ${Math.round((Date.now() - started) / 1000)} s, ${hogs.length} hogs, load ${load}`);
  status = r.status ?? 1;
  if (status !== 0) {
    console.log(out.split('\n').filter((l) => /✖|Error|failed/.test(l)).slice(0, 60).join('\n'));
  }
}
process.exit(status);
