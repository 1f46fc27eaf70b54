// Report sections of issue 18 that measure processes people and agents start: the CLI's start-up against bare node,
// and one babysitter's own overhead beside the CLI it supervises.
import { measureStartup, STARTUP_GOALS, STARTUP_HEAD, startupTable } from '../src/cli/startup-bench.js';
import { BABYSITTER_GOALS, measureBabysitter } from './babysitter.js';
import { progress, type BenchOptions, type Section } from './report.js';

/** CLI start-up: each command as a new process, against `node -e 0` in the same rounds. */
export function startupSection(o: BenchOptions): Section {
  const r = measureStartup({ rounds: o.startupRounds, progress });
  const over = r.rows.filter((row) => row.wallRatio > STARTUP_GOALS.wall || row.rssRatio > STARTUP_GOALS.rss).map((row) => row.label);
  const failed = r.rows.filter((row) => row.failures.length > 0);
  return {
    id: 'startup',
    title: 'CLI start-up against bare node',
    intro:
      `Each command runs as a new process (\`node dist/src/cli/steward.cjs …\`, the bundled bin) in a throw-away workspace, ${r.rounds} rounds, ` +
      'interleaved with `node -e 0` so both see the same machine load; medians. CPU is user+system time and peak RSS is ru_maxrss, both ' +
      'reported by the process itself as it exits (a preloaded script, the same for every row). `claim` and `complete` write a run; ' +
      'the tick after them is the full tick (it renders TASKS.md again: "after a change"), the tick after that has nothing to do ' +
      '(quiet: the quiet tick, src/tick/quiet-tick.ts). The same table is printed by `steward doctor --bench`.',
    tables: [{ head: STARTUP_HEAD, rows: startupTable(r), right: [1, 2, 3, 4, 5, 6] }],
    notes: [
      over.length ? `over the goal (≤ ${STARTUP_GOALS.wall}× wall, ≤ ${STARTUP_GOALS.rss}× RSS): ${over.join(', ')}` : `every command within ≤ ${STARTUP_GOALS.wall}× wall and ≤ ${STARTUP_GOALS.rss}× RSS of bare node`,
      ...failed.map((row) => `${row.label} FAILED: ${row.failures.join(', ')}`),
    ],
    ok: failed.length === 0,
  };
}

/**
 * One babysitter beside its CLI: RSS and CPU share while the CLI runs. Twice: as `steward up` starts one (a steward
 * command ran in the workspace before, so its config cache is current) and as the first steward process in a fresh
 * workspace (no cache: a short-lived child process loads config.yaml for it, config/config-apart.ts). Both are goal rows.
 */
export async function babysitterSection(o: BenchOptions): Promise<Section> {
  const intervalMs = 500;
  const r = await measureBabysitter({ seconds: o.babysitterSeconds, intervalMs, progress, configCached: true });
  const fresh = await measureBabysitter({ seconds: o.babysitterSeconds, intervalMs, progress, configCached: false });
  const pct = (x: number) => `${x.toFixed(2)} %`;
  const mbs = (x: number) => `${x.toFixed(1)} MB`;
  const within = r.babysitter.peakMb <= BABYSITTER_GOALS.rssMb && r.babysitter.cpuPct <= BABYSITTER_GOALS.cpuPct;
  const withinFresh = fresh.babysitter.peakMb <= BABYSITTER_GOALS.rssMb && fresh.babysitter.cpuPct <= BABYSITTER_GOALS.cpuPct;
  const ok = r.exitCode === 0 && r.outcome === 'completed' && fresh.exitCode === 0 && fresh.outcome === 'completed';
  return {
    id: 'babysitter',
    title: 'The babysitter beside the CLI it supervises',
    intro:
      `A real \`steward work --run N --here\` supervises the fake CLI (\`slow\`: a stream line every ${intervalMs} ms for ${r.seconds} s). Both ` +
      'processes are sampled every 200 ms from /proc (CPU ticks from stat; VmRSS and VmHWM from status) from the moment the babysitter ' +
      `records the CLI's process group until the CLI exits (${r.windowS.toFixed(1)} s here); an idle \`node -e\` is the floor. ` +
      'Two babysitters, one after the other: as `steward up` starts one (a steward command ran in the workspace before, so ' +
      '.steward/config.cache.json is current and the config is read without yaml), and as the first steward process of a fresh ' +
      'workspace (no cache: a short-lived child process, `steward --config-child`, loads config.yaml with yaml and the config schema, ' +
      'writes the cache and hands the config back before the CLI starts; that child is not in these figures). The CLI here is itself ' +
      'a small node program: a real coding CLI uses far more.',
    tables: [
      {
        head: ['process', 'CPU while the CLI runs (% of one core)', 'peak RSS (VmHWM)', 'median RSS', `goal ≤ ${BABYSITTER_GOALS.cpuPct} % and ≤ ${BABYSITTER_GOALS.rssMb} MB`],
        rows: [
          ['babysitter (`steward work`), config cache current (as under `steward up`)', pct(r.babysitter.cpuPct), mbs(r.babysitter.peakMb), mbs(r.babysitter.rssMb), within ? 'ok' : 'over'],
          ['the CLI it supervises', pct(r.cli.cpuPct), mbs(r.cli.peakMb), mbs(r.cli.rssMb), ''],
          ['babysitter, first steward process in the workspace (no config cache)', pct(fresh.babysitter.cpuPct), mbs(fresh.babysitter.peakMb), mbs(fresh.babysitter.rssMb), withinFresh ? 'ok' : 'over'],
          ['idle `node -e` (floor)', '', mbs(r.idleNodeMb), '', ''],
        ],
        right: [1, 2, 3],
      },
    ],
    notes: [
      `the runs ended ${r.outcome ?? 'without an outcome'} and ${fresh.outcome ?? 'without an outcome'}, babysitter exits ${r.exitCode} and ${fresh.exitCode}${ok ? '' : ' — expected completed and exit 0'}`,
    ],
    ok,
  };
}
