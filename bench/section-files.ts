// Report section about the tick and TASKS.md at growing queue sizes.
import { benchBoard } from './board.js';
import { int, ms, progress, ratio, type BenchOptions, type Section } from './report.js';
import { benchTick } from './tick.js';

const log = (s: string) => progress(`  ${s}`);

/** Section 4: one tick, and the TASKS.md render and read-back, at each size. */
export function tickSection(o: BenchOptions): Section {
  const tickRows: string[][] = [];
  const boardRows: string[][] = [];
  for (const total of o.sizes) {
    const t = benchTick({ total, open: Math.round(total / 10), steady: o.steadyTicks, cliRuns: o.cliTicks });
    log(`tick at ${int(total)}: steady ${ms(t.steady.median)}`);
    tickRows.push([
      int(total), int(t.open), ms(t.firstMs), ms(t.steady.median), `${ms(t.steady.min)}–${ms(t.steady.max)}`,
      ms(t.steady.boardReadMs), ms(t.steady.boardRenderMs), ms(t.busyMs), ms(t.cliMs),
    ]);
    const b = benchBoard(total, o.repeat);
    log(`TASKS.md at ${int(total)}: render ${ms(b.firstRender)}`);
    boardRows.push([
      int(total), int(b.bytes / 1024), ms(b.firstRender), ms(b.readBack), ms(b.editedTick), ms(b.jsonRoundTrip), ratio(b.firstRender, b.jsonRoundTrip),
    ]);
  }
  return {
    id: 'tick',
    title: `4. The tick and TASKS.md at ${o.sizes.map(int).join(' / ')} tasks`,
    intro:
      'Tick: a workspace whose queue holds N tasks, a tenth of them open (ready, pending with dependencies, running, review, blocked) and the ' +
      'rest finished, with one event each. "first" renders TASKS.md for the first time and reads the whole event log for the digest; ' +
      `"steady" is a tick with nothing to do (median of ${o.steadyTicks}), split into its ingest step (inbox + TASKS.md read and diff) and ` +
      'its render step; "busy" accepts 100 proposals and reaps 50 expired leases; "CLI" is `steward tick --json` as a new process ' +
      `(median of ${o.cliTicks}, node start-up included). TASKS.md: N tasks over 10 projects with 90% open (the board lists every open task, ` +
      `so this is its worst case), median of ${o.repeat}; the baseline writes the same tasks as one tasks.json and parses it back.`,
    tables: [
      {
        caption: 'One tick (in-process unless "CLI"):',
        head: ['tasks', 'open', 'first', 'steady', 'steady range', 'of which ingest', 'of which render', 'busy', 'CLI'],
        rows: tickRows,
        right: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      },
      {
        caption: 'TASKS.md (90% open):',
        head: ['tasks', 'KiB', 'render (write)', 'read back (diff)', 'one hand edit', 'tasks.json write+read', 'render / json'],
        rows: boardRows,
        right: [0, 1, 2, 3, 4, 5, 6],
      },
    ],
    notes: [],
    ok: true,
  };
}
