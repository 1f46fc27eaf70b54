// Report section `postgres`: on one throwaway PostgreSQL cluster (scripts/pg-cluster.mjs), in the same run:
// steward's claim+complete on a Postgres store beside pg-boss, graphile-worker and a raw `pg` floor, as ratios to
// pg-boss; then claim scaling at 1/2/4/8 worker processes. Every drain is checked: each task handed out exactly once
// and recorded as done (a failure makes `npm run bench` exit 1).
import { startPgCluster, type PgCluster } from '../test/support/pg-cluster.js';
import { startDrain } from './pg-drain.js';
import { NoPostgresStore, PG_SUBJECTS } from './pg-subjects.js';
import { count, int, median, progress, ratio, type BenchOptions, type Section } from './report.js';

const log = (s: string) => progress(`  ${s}`);

/** One drain on a fresh database: rate, exactly-once, and what the subject's own tables say afterwards. */
export interface PgMeasured {
  perSecond: number;
  claims: number;
  distinct: number;
  perProcess: number[];
  db: Record<string, number>;
}

let dbSeq = 0;

/** Seeds `n` tasks into a fresh database of `cluster` and drains them with `procs` processes. */
export async function measurePg(cluster: PgCluster, subject: string, procs: number, n: number): Promise<PgMeasured> {
  const s = PG_SUBJECTS[subject]!;
  const url = cluster.createDatabase(`bench_${subject.replace(/\W/g, '_')}_${++dbSeq}`);
  await s.seed(url, n);
  const children = Array.from({ length: procs }, (_, i) => startDrain(subject, url, `w${i}`));
  await Promise.all(children.map((c) => c.ready));
  children.forEach((c) => c.go());
  const reports = await Promise.all(children.map((c) => c.done));
  const claimed = reports.flatMap((r) => r.claimed);
  const seconds = (Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start))) / 1000;
  return {
    perSecond: claimed.length / seconds,
    claims: claimed.length,
    distinct: new Set(claimed.map(String)).size,
    perProcess: reports.map((r) => r.claimed.length),
    db: await s.check(url),
  };
}

/** Exactly once, and the subject's own record agrees: every job done (graphile-worker: none left; it deletes done jobs). */
export function pgDrainOk(subject: string, m: PgMeasured, n: number): boolean {
  if (m.claims !== n || m.distinct !== n) return false;
  const d = m.db;
  if (subject === 'graphile-worker') return d.left === 0;
  if (subject.startsWith('steward')) {
    return d.tasks === n && d.done === n && d.runs === n && d.completed_runs === n && d.tasks_with_2plus_runs === 0 &&
      d.claim_records === n && d.completion_records === n;
  }
  return d.jobs === n && d.done === n;
}

const THROUGHPUT = ['raw', 'pg-boss', 'graphile-worker', 'steward', 'steward-next'];
const SCALING = ['raw', 'pg-boss', 'steward', 'steward-queue-lock'];

export async function postgresSection(o: BenchOptions): Promise<Section> {
  const n = o.pgTasks ?? 2000;
  const base = {
    id: 'postgres',
    title: 'Postgres: steward beside pg-boss and graphile-worker on one server',
  };
  let cluster: PgCluster;
  try {
    cluster = await startPgCluster({ maxConnections: 300 });
  } catch (e) {
    return { ...base, intro: `Not run: ${(e as Error).message}`, tables: [], notes: [], ok: false };
  }
  try {
    let stewardMissing: string | undefined;
    const subjectsOf = (list: string[]) => list.filter((s) => !(stewardMissing && s.startsWith('steward')));
    const runs = new Map<string, PgMeasured[]>();
    let ok = true;
    const run = async (s: string, p: number): Promise<void> => {
      if (stewardMissing && s.startsWith('steward')) return;
      let m: PgMeasured;
      try {
        m = await measurePg(cluster, s, p, n);
      } catch (e) {
        if (e instanceof NoPostgresStore) {
          stewardMissing = e.message;
          log(`steward skipped: ${e.message}`);
          return;
        }
        throw e;
      }
      const good = pgDrainOk(s, m, n);
      if (!good) log(`${s} × ${p}: CHECK FAILED: claims ${m.claims}, distinct ${m.distinct}, ${JSON.stringify(m.db)}`);
      ok &&= good;
      (m as PgMeasured & { ok?: boolean }).ok = good;
      log(`${s} × ${p}: ${int(m.perSecond)} cycles/s`);
      runs.set(`${s}/${p}`, [...(runs.get(`${s}/${p}`) ?? []), m]);
    };
    for (let r = 0; r < o.repeat; r++) for (const s of THROUGHPUT) await run(s, 1);
    // Scaling subjects not in the single-process table get their one-process round here.
    for (const s of SCALING.filter((x) => !THROUGHPUT.includes(x))) await run(s, 1);
    for (const p of o.procs.filter((x) => x !== 1)) for (const s of SCALING) await run(s, p);

    const rate = (s: string, p: number) => {
      const ms = runs.get(`${s}/${p}`);
      return ms?.length ? median(ms.map((m) => m.perSecond)) : NaN;
    };
    const checked = (s: string, p: number) => (runs.get(`${s}/${p}`) ?? []).every((m) => (m as PgMeasured & { ok?: boolean }).ok) ? '✓' : '✗ FAILED';
    const spread = (s: string, p: number) => {
      const xs = (runs.get(`${s}/${p}`) ?? []).map((m) => m.perSecond);
      return xs.length ? `${int(Math.min(...xs))}–${int(Math.max(...xs))}` : '';
    };
    const boss1 = rate('pg-boss', 1);
    const rows = subjectsOf(THROUGHPUT).map((s) => [PG_SUBJECTS[s]!.name, int(rate(s, 1)), spread(s, 1), ratio(rate(s, 1), boss1),
      ratio(rate(s, 1), rate('raw', 1)), checked(s, 1)]);
    const scaleRows = subjectsOf(SCALING).map((s) => [PG_SUBJECTS[s]!.name,
      ...o.procs.map((p) => (runs.has(`${s}/${p}`) ? int(rate(s, p)) : '')),
      ...o.procs.filter((p) => p !== 1).map((p) => ratio(rate(s, p), rate(s, 1))),
      o.procs.every((p) => checked(s, p) === '✓') ? '✓' : '✗ FAILED']);
    const notes: string[] = [];
    if (stewardMissing) notes.push(`steward on Postgres was not measured: ${stewardMissing}.`);
    else {
      notes.push(`steward single-task claim+complete on Postgres: ${ratio(rate('steward', 1), boss1)} pg-boss's fetch+complete ` +
        `(goal ≥ 1.00×: ${rate('steward', 1) >= boss1 ? 'met' : 'not met'}); with fetch-next (complete and claim the next in one transaction): ` +
        `${ratio(rate('steward-next', 1), boss1)}.`);
    }
    notes.push('steward does more per cycle than the peers: a run row per attempt (the fencing token), the claim and completion recorded on it, ' +
      'lease and WIP-cap checks, each write transaction under the queue\'s advisory lock; pg-boss and graphile-worker update one job row.');
    if (!stewardMissing) {
      notes.push('The queue lock (docs/SCALING.md, "Locks on Postgres"): steward\'s plain claims and completions to done take it shared ' +
        '(plus the task\'s row lock or the run\'s own lock) and run side by side; "queue lock" is the same loop with STEWARD_PG_LOCK=queue, ' +
        `every write transaction exclusive as before the narrowing: at ${Math.max(...o.procs)} processes narrow/queue = ` +
        `${ratio(rate('steward', Math.max(...o.procs)), rate('steward-queue-lock', Math.max(...o.procs)))}.`);
    }
    return {
      ...base,
      intro:
        `One throwaway PostgreSQL ${cluster.binDir.match(/postgresql\/(\d+)/)?.[1] ?? ''} cluster (scripts/pg-cluster.mjs: fsync off, 127.0.0.1) for the whole section; ` +
        `each drain gets a fresh database seeded with ${int(n)} jobs, then worker processes claim and complete one job at a time until it is empty ` +
        '(pg-boss: `fetch` + `complete`; graphile-worker: its own `runOnce` loop; raw pg: `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id` + `UPDATE`). ' +
        `cycles/s = jobs ÷ (last process done − first process started), connections opened before the clock starts. ` +
        `Single process: median of ${count(o.repeat, 'round')}, subjects interleaved; scaling: one round per process count. ` +
        '"checked": every job handed out exactly once, and the subject\'s own tables say all done (steward: one completed run per task with its claim and completion recorded).',
      tables: [
        { caption: 'Single process, one job per fetch', head: ['subject', 'cycles/s', 'range', 'vs pg-boss', 'vs raw pg', 'checked'], rows, right: [1, 3, 4] },
        { caption: 'Claim scaling (cycles/s by worker processes)', head: ['subject', ...o.procs.map((p) => `${p} proc`), ...o.procs.filter((p) => p !== 1).map((p) => `${p}/1`), 'checked'],
          rows: scaleRows, right: [...o.procs.map((_, i) => i + 1), ...o.procs.filter((p) => p !== 1).map((_, i) => o.procs.length + 1 + i)] },
      ],
      notes,
      ok,
    };
  } finally {
    await cluster.stop();
  }
}
