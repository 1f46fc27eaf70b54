// The queue's structural invariants, checked on a real database after random operations (property and fuzz tests).
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/open-store.js';

/** Attempts within their maximum; a running task has exactly one live run and it is its current run; no other task has one. */
export function checkInvariants(s: Store): void {
  const tasks = s.db.prepare('SELECT id, status, attempts, max_attempts, current_run_id FROM tasks').all() as Array<{ id: number; status: string; attempts: number; max_attempts: number; current_run_id: number | null }>;
  const running = s.db.prepare("SELECT id, task_id FROM runs WHERE status = 'running'").all() as Array<{ id: number; task_id: number }>;
  for (const t of tasks) {
    assert.ok(t.attempts <= t.max_attempts, `task ${t.id}: attempts ${t.attempts} > max ${t.max_attempts}`);
    const live = running.filter((r) => r.task_id === t.id);
    if (t.status === 'running') {
      assert.equal(live.length, 1, `running task ${t.id} has ${live.length} live runs`);
      assert.equal(live[0]!.id, t.current_run_id, `task ${t.id}: current run is not the live one`);
    } else {
      assert.equal(live.length, 0, `${t.status} task ${t.id} has a live run`);
      assert.equal(t.current_run_id, null, `${t.status} task ${t.id} keeps a current run`);
    }
  }
}
