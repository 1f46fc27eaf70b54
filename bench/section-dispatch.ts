// The `dispatch` section of `npm run bench` (issue 18 goal 2): dispatch latency under `steward up`, warm spare
// babysitters against a fresh Node per run, both measured in the same run (bench/dispatch.ts).
import { measureDispatch, STAGES } from './dispatch.js';
import { median, progress, type BenchOptions, type Section } from './report.js';

/** The goals of issue 18: p50 add → agent start, and finished → next start (ms). */
export const DISPATCH_GOALS = { addMs: 300, nextMs: 100 };

/** The p-th percentile (nearest rank). */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function dispatchSection(o: BenchOptions): Promise<Section> {
  const samples = o.dispatchSamples ?? 9;
  const warm = await measureDispatch({ samples, spares: 1, progress });
  const cold = await measureDispatch({ samples, spares: 0, progress });
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const row = (what: string, w: number[], c: number[], goal: number) => [
    what, `${median(w)} ms`, `${percentile(w, 90)} ms`, `${median(c)} ms`, `${percentile(c, 90)} ms`, ratio(median(w), median(c)),
    `< ${goal} ms: ${median(w) < goal ? 'met' : 'not met'}`,
  ];
  const faults = warm.faults + cold.faults;
  return {
    id: 'dispatch',
    title: 'Dispatch latency under `steward up`',
    intro:
      `\`steward up\` in-process, heartbeat a day, change poll off: only the wake-up dispatches; one slot (wip.global 1); ${samples} samples per ` +
      'series. add → start: a `steward add` process commits a task, until the agent (a shell that writes its start time) runs. finished → next: ' +
      "from the running task's run finishing (its babysitter's finished_at) to the queued next task's agent running. Warm: one spare " +
      'babysitter kept ready (the bench waits for it between samples: tasks arriving slower than a Node start-up); cold: `spares: 0`, a fresh ' +
      'Node babysitter per run (what every run paid before).',
    tables: [
      {
        head: ['latency', 'warm p50', 'warm p90', 'cold p50', 'cold p90', 'warm/cold p50', 'goal (warm p50)'],
        rows: [row('add → agent start', warm.addMs, cold.addMs, DISPATCH_GOALS.addMs), row('finished → next start', warm.nextMs, cold.nextMs, DISPATCH_GOALS.nextMs)],
        right: [1, 2, 3, 4, 5],
      },
      {
        caption: 'Where the time goes (p50 of each segment, ms; segments do not add up to the total exactly, each is its own median)',
        head: ['segment', 'warm add', 'warm next', 'cold add', 'cold next'],
        rows: STAGES.map((st) => [st, ...[warm.addStages, warm.nextStages, cold.addStages, cold.nextStages].map((x) => (x[st].length ? String(median(x[st])) : '–'))]),
        right: [1, 2, 3, 4],
      },
    ],
    notes: [
      `warm series: ${warm.handed} runs handed to a spare, ${warm.cold} started cold; cold series: ${cold.cold} cold; wake-ups ${warm.wakeups} + ${cold.wakeups}`,
      `every task ran exactly once and completed: ${faults === 0 ? 'yes' : `NO (${faults} faults)`}`,
    ],
    ok: faults === 0,
  };
}
