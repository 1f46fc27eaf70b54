// The inbox: planners propose; triage (or policy) accepts, rejects or merges.
import { promptRoomProblem } from '../core/prompt-room.js';
import { StewardError } from '../core/errors.js';
import { acceptInput, mergeInput, parseInput, proposeInput, rejectInput } from '../core/schemas.js';
import type { OpContext, Proposal, Task } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import { insertTask } from './create-task.js';
import { pickTaskBudget } from './task-budget.js';
import { commandPaths, refuseProposalCommands, withoutVerify } from './proposal-commands.js';
import { logEvent } from './transition.js';

/** Titles compared for duplicates: trimmed, lower case, inner white space folded. */
export function normalizeTitle(title: string): string {
  return title.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Key prefixes steward keys its own tasks with: a TASKS.md line (`board:`, the board proposes with it as `human`), a
 * follow-up (`then:<parent>:<index>`), a schedule's slot (`schedule:<id>:<slot>`). A proposal from anyone else holding
 * one would stand in for that task: the follow-up or slot would never be created, the person's new line dropped.
 */
const RESERVED_KEY = /^(board|then|schedule):/;

/**
 * VALIDATION when a proposal not made by the board itself takes a key of steward's own: at propose, and at accept (a
 * proposal stored before the rule, which would otherwise take the key when accepted).
 */
function refuseReservedKey(key: string | null | undefined, source: string, accepting?: number): void {
  if (key == null || source === 'human' || !RESERVED_KEY.test(key)) return;
  const what = "board:, then: and schedule: keys are steward's own (TASKS.md lines, follow-ups, schedule slots)";
  const message = accepting === undefined
    ? `invalid proposal: key ${key}: ${what}`
    : `cannot accept proposal ${accepting}: its key ${key} is not allowed (${what}); reject it, and add the task without the key if it is wanted`;
  throw new StewardError('VALIDATION', message, {
    issues: [{ path: 'key', message: 'board:, then: and schedule: keys are reserved' }],
    ...(accepting === undefined ? {} : { proposal_id: accepting }),
  });
}

/** Adds a proposal to the inbox. A seen `key`, or the same title in the same project while one is open, is merged. */
export function proposeTask(
  store: Store,
  input: unknown,
  ctx: OpContext,
  source = 'cli',
): { proposal: Proposal; duplicate: boolean } {
  const q = parseInput(proposeInput, input, 'proposal');
  refuseProposalCommands(q);
  refuseReservedKey(q.key, source);
  return store.tx(() => {
    const earlier =
      (q.key ? store.proposals.firstByKey(q.key) : undefined) ??
      store.proposals.openByTitle(q.project ?? null, normalizeTitle(q.title));
    const keyTask = q.key ? store.tasks.byKey(q.key) : undefined;
    const duplicate = earlier !== undefined || keyTask !== undefined;
    const record: Partial<Proposal> = {
      status: duplicate ? 'merged' : 'new',
      title: q.title,
      goal: q.goal ?? '',
      type: q.type ?? null,
      project: q.project ?? null,
      priority: q.priority ?? null,
      agent: q.agent ?? null,
      after: q.after ?? [],
      then: q.then ?? [],
      requires: q.requires ?? [],
      verify: [],
      review: q.review ?? null,
      max_attempts: q.max_attempts ?? null,
      timeout_seconds: q.timeout_seconds ?? null,
      complexity: q.complexity ?? null,
      key: q.key ?? null,
      source,
      created_by: ctx.actor,
      merged_into: earlier?.id ?? null,
      task_id: earlier?.task_id ?? keyTask?.id ?? null,
      reason: duplicate ? (q.key && (keyTask || earlier?.key === q.key) ? `duplicate key ${q.key}` : 'duplicate title') : null,
      created_at: ctx.now,
      decided_at: duplicate ? ctx.now : null,
      decided_by: duplicate ? 'steward' : null,
    };
    const id = store.proposals.insert(record);
    logEvent(store, ctx, duplicate ? 'proposal_merged' : 'proposed', { proposal_id: id, task_id: record.task_id }, record.reason, {
      source,
      ...(record.merged_into ? { merged_into: record.merged_into } : {}),
    });
    return { proposal: store.proposals.get(id)!, duplicate };
  });
}

function requireNewProposal(store: Store, id: number, action: string): Proposal {
  const p = store.proposals.get(id);
  if (!p) throw new StewardError('NOT_FOUND', `no proposal ${id}`, { proposal_id: id });
  if (p.status !== 'new') {
    throw new StewardError('INVALID_TRANSITION', `cannot ${action} proposal ${id}: it is ${p.status}`, {
      proposal_id: id,
      action,
      from: p.status,
    });
  }
  return p;
}

/** Accepts a proposal (with optional overrides): creates its task. */
export function acceptProposal(store: Store, input: unknown, ctx: OpContext): { proposal: Proposal; task: Task } {
  const q = parseInput(acceptInput, input, 'accept');
  return store.tx(() => acceptInTx(store, q, ctx));
}

/** The body of accept, for callers already inside a transaction (the tick's auto-accept). */
export function acceptInTx(store: Store, q: ReturnType<typeof acceptInput.parse>, ctx: OpContext): { proposal: Proposal; task: Task } {
  const p = requireNewProposal(store, q.proposal_id, 'accept');
  const { proposal_id, ...overrides } = q;
  // A proposal (inbox file, MCP propose) is checked here, at the door of the queue: its text must reach a CLI.
  const room = ctx.agents
    ? promptRoomProblem(ctx.agents, { title: overrides.title ?? p.title, goal: overrides.goal ?? p.goal, agent: overrides.agent ?? p.agent })
    : null;
  if (room) throw new StewardError('VALIDATION', room.message, { ...room.details, proposal_id: p.id });
  // Commands come from the decider only: a proposal stored before the rule keeps none of its own.
  const dropped = commandPaths(p);
  refuseReservedKey(p.key, p.source, p.id);
  if (p.key) {
    const existing = store.tasks.byKey(p.key);
    if (existing) throw new StewardError('CONFLICT', `a task with key ${p.key} exists already (#${existing.id})`, { id: existing.id });
  }
  const task = insertTask(
    store,
    {
      title: overrides.title ?? p.title,
      goal: overrides.goal ?? p.goal,
      type: overrides.type ?? p.type ?? undefined,
      project: overrides.project ?? p.project ?? undefined,
      priority: overrides.priority ?? p.priority ?? undefined,
      agent: overrides.agent ?? p.agent ?? undefined,
      after: overrides.after ?? p.after,
      then: withoutVerify(p.then),
      requires: p.requires,
      verify: overrides.verify ?? [],
      review: overrides.review ?? p.review ?? undefined,
      max_attempts: overrides.max_attempts ?? p.max_attempts ?? undefined,
      timeout_seconds: p.timeout_seconds ?? undefined,
      complexity: p.complexity ?? undefined,
      ...pickTaskBudget(overrides),
      key: p.key ?? undefined,
      source: p.source,
      proposal_id,
    },
    ctx,
  );
  store.proposals.update(proposal_id, { status: 'accepted', task_id: task.id, decided_at: ctx.now, decided_by: ctx.actor }, 'new');
  logEvent(store, ctx, 'accepted', { proposal_id, task_id: task.id }, null, dropped.length ? { dropped_commands: dropped } : undefined);
  return { proposal: store.proposals.get(proposal_id)!, task };
}

/** Rejects a proposal with a reason. */
export function rejectProposal(store: Store, input: unknown, ctx: OpContext): { proposal: Proposal } {
  const q = parseInput(rejectInput, input, 'reject');
  return store.tx(() => {
    requireNewProposal(store, q.proposal_id, 'reject');
    store.proposals.update(q.proposal_id, { status: 'rejected', reason: q.reason, decided_at: ctx.now, decided_by: ctx.actor }, 'new');
    logEvent(store, ctx, 'rejected', { proposal_id: q.proposal_id }, q.reason);
    return { proposal: store.proposals.get(q.proposal_id)! };
  });
}

/** Marks a proposal a duplicate of another, keeping the link. */
export function mergeProposal(store: Store, input: unknown, ctx: OpContext): { proposal: Proposal } {
  const q = parseInput(mergeInput, input, 'merge');
  return store.tx(() => {
    requireNewProposal(store, q.proposal_id, 'merge');
    const into = store.proposals.get(q.into);
    if (!into || into.id === q.proposal_id) throw new StewardError('NOT_FOUND', `no other proposal ${q.into} to merge into`, { into: q.into });
    // A proposal merged (at any remove) into this one: merging this one into it would leave both merged, neither decided.
    for (let at: Proposal | undefined = into, steps = 0; at?.merged_into != null && steps < 10_000; steps++) {
      if (at.merged_into === q.proposal_id) {
        throw new StewardError('INVALID_TRANSITION', `cannot merge proposal ${q.proposal_id} into ${into.id}: ${into.id} is merged into ${q.proposal_id}`, {
          proposal_id: q.proposal_id,
          into: into.id,
        });
      }
      at = store.proposals.get(at.merged_into);
    }
    const patch = { status: 'merged' as const, merged_into: into.id, task_id: into.task_id, reason: q.reason ?? `duplicate of ${into.id}` };
    store.proposals.update(q.proposal_id, { ...patch, decided_at: ctx.now, decided_by: ctx.actor }, 'new');
    logEvent(store, ctx, 'proposal_merged', { proposal_id: q.proposal_id }, patch.reason, { merged_into: into.id });
    return { proposal: store.proposals.get(q.proposal_id)! };
  });
}
