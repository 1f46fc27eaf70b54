// `npm run bench` exits 1 when an exactly-once check fails (the throughput section on tiny sizes, run as the real
// command; test/bench-run.test.ts shows every check passing without the fault). No timing is asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO_ROOT } from './support/helpers.js';
import { spawnSyncCapped } from './helpers/processes.js';

const BENCH = `${REPO_ROOT}dist/bench/run.js`;
const ARGS = ['--only', 'throughput', '--tasks', '12', '--repeat', '1', '--peer-procs', '1'];

function bench(env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSyncCapped(process.execPath, [BENCH, ...ARGS], { encoding: 'utf8', env: { ...process.env, ...env } }, 300_000);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bench: a task handed out twice fails the exactly-once check and the run exits 1', () => {
  const r = bench({ STEWARD_BENCH_FAULT: 'claim-twice' });
  assert.equal(r.code, 1, r.stderr.slice(-2000));
  assert.match(r.stdout, /\| 1 \| steward \| [\d,]+ \| .* \| ✗ FAILED \|/);
  assert.match(r.stderr, /a correctness check FAILED/);
  // The goal-3 row is printed all the same, with its ratios from the same rounds.
  assert.match(r.stdout, /\| 1 \| [\d,]+ \| \d+\.\d\d× \| \d+\.\d\d× \| \d+\.\d\d× \| \d+\.\d\d× \| \d+\.\d\d× \| (met|not met) \|/);
});

test('bench: --help prints the options and exits 0; a bad option or section exits 2 before any section runs', () => {
  const run = (args: string[]) => spawnSyncCapped(process.execPath, [BENCH, ...args], { encoding: 'utf8' });
  const help = run(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: node dist\/bench\/run\.js/);
  assert.match(help.stdout, /--only throughput,scaling,mcp,tick,schema,guarantees,startup,babysitter,dispatch,postgres/);
  // An unknown name after a real one: refused up front, so the throughput section before it never starts.
  const section = run(['--only', 'throughput,nope', '--tasks', '12', '--repeat', '1']);
  assert.equal(section.status, 2, section.stderr);
  assert.match(section.stderr, /unknown section nope; sections: throughput, scaling/);
  assert.doesNotMatch(section.stderr, /\[bench\] throughput/);
  assert.equal(section.stdout, '');
  const option = run(['--bogus']);
  assert.equal(option.status, 2);
  assert.match(option.stderr, /Unknown option '--bogus'[\s\S]*usage: /);
  const value = run(['--tasks', 'many']);
  assert.equal(value.status, 2);
  assert.match(value.stderr, /not a positive integer: many/);
});
