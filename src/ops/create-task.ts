// Creating tasks: add (accepted at once), and the shared insert used by accept and follow-ups.
import { StewardError } from '../core/errors.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PRIORITY } from '../core/policy.js';
import { schemas } from '../core/input-schemas.js';
import type { AddInput } from '../core/schemas.js';
import { pickTaskBudget } from './task-budget.js';
import type { OpContext, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { settle } from './transition.js';

/** Everything needed to insert a task, whoever creates it. */
export interface NewTask extends AddInput {
  source: string;
  parent_id?: number | null;
  proposal_id?: number | null;
}

/** Inserts a task inside the caller's transaction: checks dependencies, logs `created`, promotes if it can run. */
export function insertTask(store: Store, fields: NewTask, ctx: OpContext): Task {
  const after = [...new Set(fields.after ?? [])];
  for (const dep of after) {
    if (!store.tasks.get(dep)) throw new StewardError('NOT_FOUND', `dependency #${dep} does not exist`, { id: dep });
  }
  const record: Partial<Task> = {
    project: fields.project ?? 'default',
    title: fields.title,
    goal: fields.goal ?? '',
    type: fields.type ?? 'code',
    agent: fields.agent ?? 'any',
    priority: fields.priority ?? DEFAULT_PRIORITY,
    status: 'pending',
    after,
    then: fields.then ?? [],
    requires: fields.requires ?? [],
    verify: fields.verify ?? [],
    review: fields.review ?? false,
    max_attempts: fields.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
    attempts: 0,
    timeout_seconds: fields.timeout_seconds ?? null,
    complexity: fields.complexity ?? null,
    key: fields.key ?? null,
    source: fields.source,
    created_by: ctx.actor,
    run_after: 0,
    parent_id: fields.parent_id ?? null,
    proposal_id: fields.proposal_id ?? null,
    created_at: ctx.now,
    updated_at: ctx.now,
  };
  const id = store.tasks.insert(record);
  store.tasks.setDeps(id, after);
  if (fields.paths?.length) store.branches.setPaths(id, [...new Set(fields.paths)]);
  const budget = pickTaskBudget(fields);
  if (Object.keys(budget).length) store.budgets.setForTask(id, budget);
  store.events.add({
    at: ctx.now,
    actor: ctx.actor,
    kind: 'created',
    task_id: id,
    run_id: null,
    proposal_id: fields.proposal_id ?? null,
    from_status: null,
    to_status: 'pending',
    reason: null,
    data: { source: fields.source, ...(fields.parent_id ? { parent_id: fields.parent_id } : {}) },
  });
  return settle(store, store.tasks.get(id)!, ctx);
}

/** Adds a task, accepted at once. A `key` seen before returns the existing task (`duplicate: true`). */
export function addTask(
  store: Store,
  input: unknown,
  ctx: OpContext,
  source = 'cli',
): { task: Task; duplicate: boolean } {
  const fields = schemas().parseInput(schemas().addInput, input, 'task');
  return store.tx(() => {
    if (fields.key) {
      const existing = store.tasks.byKey(fields.key);
      if (existing) return { task: existing, duplicate: true };
    }
    return { task: insertTask(store, { ...fields, source }, ctx), duplicate: false };
  });
}

/** Everything that follows a task reaching `done`: dependents that can run are promoted, follow-ups spawn. */
export function spawnFollowUps(store: Store, parent: Task, ctx: OpContext, hasDependents = true): Task[] {
  // `hasDependents` false: the caller already read that no task depends on this one (a completion's one read).
  for (const id of hasDependents ? store.tasks.dependents(parent.id) : []) {
    const dependent = store.tasks.get(id);
    if (dependent) settle(store, dependent, ctx);
  }
  return createThenTasks(store, parent, ctx);
}

/** Creates the follow-ups of a task that just reached `done` (once each, keyed by parent and index). */
function createThenTasks(store: Store, parent: Task, ctx: OpContext): Task[] {
  const spawned: Task[] = [];
  parent.then.forEach((template, index) => {
    const key = `then:${parent.id}:${index}`;
    if (store.tasks.byKey(key)) return;
    spawned.push(
      insertTask(
        store,
        { ...template, project: parent.project, key, source: 'then', parent_id: parent.id },
        ctx,
      ),
    );
  });
  return spawned;
}
