// What people and agents see: records as JSON with ISO times and without empty fields.
import type { Proposal, Run, StewardEvent, Task } from './types.js';

const TIME_FIELDS = new Set([
  'created_at', 'updated_at', 'finished_at', 'run_after', 'lease_expires_at', 'heartbeat_at', 'started_at',
  'decided_at', 'at', 'paused_until',
]);

/** A ms time as ISO 8601. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Drops null, undefined and empty-array fields; turns ms times into ISO strings (0 → dropped). */
export function present(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (TIME_FIELDS.has(k) && typeof v === 'number') {
      if (v > 0) out[k] = iso(v);
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** A task in full. */
export function taskView(task: Task): Record<string, unknown> {
  const { review, ...rest } = task;
  return present({ ...rest, review: review || undefined });
}

/** The compact row `list` returns (id, title, status, priority, type, project, agent). */
export interface TaskRow {
  id: number;
  title: string;
  status: string;
  priority: number;
  type: string;
  project: string;
  agent: string;
}
export function taskRow(t: Task): TaskRow {
  return { id: t.id, title: t.title, status: t.status, priority: t.priority, type: t.type, project: t.project, agent: t.agent };
}

export function runView(run: Run): Record<string, unknown> {
  return present(run);
}

export function proposalView(p: Proposal): Record<string, unknown> {
  return present(p);
}

export function eventView(e: StewardEvent): Record<string, unknown> {
  return present(e);
}
