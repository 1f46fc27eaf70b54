// The cost of the synchronous Postgres bridge per statement: a one-row primary-key read (`get`) through PgDatabase
// (worker thread + Atomics.wait), beside the same read with a plain async `pg` client (`await client.query` in a
// loop, named statement) on the same throwaway cluster, and beside better-sqlite3 on a file — same run, same row.
// `node dist/bench/pg-roundtrip.js [--reads N] [--rounds N]` (or `--url postgres://…` to use a running server).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PgDatabase } from '../src/store/pg/pg-database.js';
import { startPgCluster } from '../test/support/pg-cluster.js';
import { tempDir } from '../test/support/helpers.js';

export interface RoundTrip {
  /** µs per read, the median over the rounds. */
  bridgeUs: number;
  asyncPgUs: number;
  sqliteUs: number;
  reads: number;
  rounds: number;
}

const ROWS = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Measures the three loops on `url` (a fresh schema) in alternating rounds; returns µs per read. */
export async function measureRoundTrip(url: string, reads = 2000, rounds = 5): Promise<RoundTrip> {
  const schema = `bench_rt_${process.pid}`;
  const bridge = new PgDatabase({ url, schema });
  bridge.exec(`DROP TABLE IF EXISTS kv; CREATE TABLE kv (id bigint PRIMARY KEY, v text NOT NULL);
    INSERT INTO kv SELECT g, 'value ' || g FROM generate_series(1, ${ROWS}) g`);
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const lite = new Database(join(tempDir('steward-bench-'), 'rt.db'));
  lite.pragma('journal_mode = WAL');
  lite.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`);
  const fill = lite.prepare('INSERT INTO kv (id, v) VALUES (?, ?)');
  lite.transaction(() => {
    for (let i = 1; i <= ROWS; i++) fill.run(i, `value ${i}`);
  })();

  const viaBridge = bridge.prepare('SELECT id, v FROM kv WHERE id = ?');
  const viaLite = lite.prepare('SELECT id, v FROM kv WHERE id = ?');
  const asyncQuery = { name: 'rt', text: 'SELECT id, v FROM kv WHERE id = $1' };
  const out = { bridge: [] as number[], asyncPg: [] as number[], sqlite: [] as number[] };
  try {
    // A warm-up round of each, then alternating timed rounds (so a load spike hits all three alike).
    for (let round = -1; round < rounds; round++) {
      let t = performance.now();
      for (let i = 0; i < reads; i++) viaBridge.get((i % ROWS) + 1);
      const b = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < reads; i++) await client.query({ ...asyncQuery, values: [(i % ROWS) + 1] });
      const a = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < reads; i++) viaLite.get((i % ROWS) + 1);
      const s = performance.now() - t;
      if (round < 0) continue;
      out.bridge.push((b * 1000) / reads);
      out.asyncPg.push((a * 1000) / reads);
      out.sqlite.push((s * 1000) / reads);
    }
  } finally {
    bridge.exec(`DROP SCHEMA ${schema} CASCADE`);
    bridge.close();
    await client.end();
    lite.close();
  }
  return { bridgeUs: median(out.bridge), asyncPgUs: median(out.asyncPg), sqliteUs: median(out.sqlite), reads, rounds };
}

/** The figures as a few lines of text. */
export function describeRoundTrip(r: RoundTrip): string {
  const f = (n: number) => n.toFixed(1);
  return [
    `one-row primary-key read, median of ${r.rounds} rounds × ${r.reads} reads:`,
    `  PgDatabase.get (sync bridge)   ${f(r.bridgeUs)} µs`,
    `  await pg client.query (async)  ${f(r.asyncPgUs)} µs   bridge / async = ${(r.bridgeUs / r.asyncPgUs).toFixed(2)}×`,
    `  better-sqlite3 get              ${f(r.sqliteUs)} µs   bridge / sqlite = ${(r.bridgeUs / r.sqliteUs).toFixed(0)}×`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reads: { type: 'string' }, rounds: { type: 'string' }, url: { type: 'string' } } });
  const cluster = values.url ? null : await startPgCluster({ maxConnections: 20 });
  try {
    const r = await measureRoundTrip(values.url ?? cluster!.url, Number(values.reads ?? 2000), Number(values.rounds ?? 5));
    process.stdout.write(`${describeRoundTrip(r)}\n`);
  } finally {
    await cluster?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
