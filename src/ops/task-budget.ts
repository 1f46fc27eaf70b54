// A task's own run caps: picked from task fields, edited (none clears one), and resolved against its profile's.
import { effectiveCaps, TASK_BUDGET_FIELDS, type RunCaps, type TaskBudget } from '../core/budget.js';
import type { Store } from '../store/open-store.js';

type BudgetFields = { [K in keyof TaskBudget]?: number | null };

/** The budget fields that are set in `fields` (add, accept). */
export function pickTaskBudget(fields: BudgetFields): TaskBudget {
  const out: TaskBudget = {};
  for (const k of Object.keys(TASK_BUDGET_FIELDS) as Array<keyof TaskBudget>) {
    const v = fields[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** Applies an edit (undefined: keep, null: clear, a number: set) inside the caller's transaction; the fields it changed. */
export function editTaskBudget(store: Store, taskId: number, edits: BudgetFields): string[] {
  const before = store.budgets.forTask(taskId) ?? {};
  const after: TaskBudget = { ...before };
  const changed: string[] = [];
  for (const k of Object.keys(TASK_BUDGET_FIELDS) as Array<keyof TaskBudget>) {
    const v = edits[k];
    if (v === undefined || v === before[k] || (v === null && before[k] === undefined)) continue;
    if (v === null) delete after[k];
    else after[k] = v;
    changed.push(k);
  }
  if (changed.length) store.budgets.setForTask(taskId, after);
  return changed;
}

/** The caps a run of this task has: the task's own where set, else its profile's. */
export function runCapsOf(store: Store, taskId: number, profile: RunCaps | undefined): RunCaps {
  return effectiveCaps(profile, store.read(() => store.budgets.forTask(taskId)));
}
