#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's built-in runner,
// prints the spec report and a closing "N passed, N failed" line.
//   node scripts/run-tests.mjs [substr...]              on SQLite (the default backend)
//   node scripts/run-tests.mjs --postgres [substr...]   on PostgreSQL: starts a throwaway cluster (scripts/pg-cluster.mjs)
//                                                        unless STEWARD_TEST_POSTGRES_URL is already set, sets it for
//                                                        every test process, and labels the closing line "postgres: …"
//   --conformance                                        with --postgres: only the files of the conformance subset
//                                                        (PG_CONFORMANCE below; docs/SCALING.md lists them)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** The store/operations conformance subset run on PostgreSQL by `npm run test:pg -- --conformance`. */
export const PG_CONFORMANCE = ['store', 'ops', 'tick', 'claim-cycle', 'cli', 'mcp', 'multiprocess', 'invariants', 'backup', 'migrate-postgres', 'chaos-queue', 'remote-worker'];

const root = new URL('../dist/test/', import.meta.url).pathname;
const argv = process.argv.slice(2);
const postgres = argv.includes('--postgres');
const conformance = argv.includes('--conformance');
const filter = argv.filter((a) => a !== '--postgres' && a !== '--conformance');

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'fixtures') out.push(...collect(full));
    } else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

let files = collect(root);
if (filter.length) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (postgres && conformance) files = files.filter((f) => PG_CONFORMANCE.some((p) => f.slice(root.length).startsWith(p)));
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}

const env = { ...process.env };
let cluster;
if (postgres && !env.STEWARD_TEST_POSTGRES_URL) {
  const { startCluster } = await import('./pg-cluster.mjs');
  try {
    cluster = await startCluster({ maxConnections: 500 });
  } catch (e) {
    console.error(`test:pg: ${e.message}`);
    process.exit(2);
  }
  env.STEWARD_TEST_POSTGRES_URL = cluster.url;
  console.error(`test:pg: a throwaway PostgreSQL cluster at ${cluster.url}`);
}
// The summary line says which backend ran ("postgres: 880 passed, …"); the SQLite line stays as it was.
if (env.STEWARD_TEST_POSTGRES_URL) env.STEWARD_TEST_BACKEND_LABEL = 'postgres';

const reporter = new URL('./summary-reporter.mjs', import.meta.url).pathname;
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit', env },
);
await cluster?.stop();
process.exit(result.status ?? 1);
