// A task's timeline: its event rows merged with the claims and completions its run rows record (docs/DESIGN.md, "Audit").
import type { Run, StewardEvent } from './types.js';

/**
 * An entry of the timeline. Entries read from a run row have `id` 0 and `from_run` true: a claim (`claimed`,
 * ready → running) and a completion to done (`completed`, running → done), as the events of runs from before
 * migration 8 recorded them.
 */
export type TimelineEntry = StewardEvent & { from_run?: true };

/** Sort key: events by id; a run's entry right after the event that was the task's newest at that moment. */
type Key = [after: number, fromRun: 0 | 1, at: number, runId: number, step: number];

function compare(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The claim and completion entries a run row records. A run claimed before migration 8 has its claim as an event row
 * (no `claimed_by`); one finished before it, its completion (no `finished_by`).
 */
function runEntries(run: Run): Array<{ key: Key; entry: TimelineEntry }> {
  const base = { task_id: run.task_id, run_id: run.id, proposal_id: null, reason: null, id: 0, from_run: true as const };
  const out: Array<{ key: Key; entry: TimelineEntry }> = [];
  if (run.claimed_by) {
    out.push({
      key: [run.claim_after_event ?? 0, 1, run.started_at, run.id, 0],
      entry: { ...base, at: run.started_at, actor: run.claimed_by, kind: 'claimed', from_status: 'ready', to_status: 'running', data: { agent: run.agent } },
    });
  }
  if (run.outcome === 'completed' && run.finished_by && run.finished_at !== null) {
    out.push({
      key: [run.finish_after_event ?? 0, 1, run.finished_at, run.id, 1],
      entry: { ...base, at: run.finished_at, actor: run.finished_by, kind: 'completed', from_status: 'running', to_status: 'done', data: null },
    });
  }
  return out;
}

/**
 * Merges a task's newest events and runs (both newest first) into one timeline, newest first, at most `limit`
 * entries. A completion that also wrote an event (to review) is shown once, as its event.
 */
export function mergeTimeline(events: StewardEvent[], runs: Run[], limit: number): TimelineEntry[] {
  const evented = new Set(events.filter((e) => e.kind === 'completed' && e.run_id !== null).map((e) => e.run_id));
  const all: Array<{ key: Key; entry: TimelineEntry }> = events.map((e) => ({ key: [e.id, 0, e.at, 0, 0], entry: e }));
  for (const run of runs) {
    for (const r of runEntries(run)) {
      if (r.entry.kind === 'completed' && evented.has(run.id)) continue;
      all.push(r);
    }
  }
  all.sort((a, b) => compare(b.key, a.key));
  return all.slice(0, limit).map((x) => x.entry);
}
