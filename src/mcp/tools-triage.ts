// Triage tools: decide (accept / reject / merge a proposal), update (a task's state or fields), tick.
import { z } from 'zod';
import { StewardError } from '../core/errors.js';
import { decideOutput, tickOutput, updateOutput } from '../core/output-schemas.js';
import { acceptInput, answerInput, editInput, mergeInput, rejectInput } from '../core/schemas.js';
import type { OpContext, Task } from '../core/types.js';
import { taskRow } from '../core/view.js';
import {
  acceptProposal, answerTask, approveTask, cancelTask, editTask, markDone, mergeProposal, rejectProposal,
  requestChanges, requeueTask, requireTask,
} from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { tickOnce } from '../tick/tick-once.js';
import { defineTool } from './define.js';
import { proposalRef } from './present.js';
import { rowLine } from './text.js';

/** decide: the accept overrides, plus the action and what reject and merge need. */
export const decideInput = acceptInput.extend({
  action: z.enum(['accept', 'reject', 'merge']),
  reason: rejectInput.shape.reason.optional().describe('reject: why (required); merge: note'),
  into: mergeInput.shape.into.optional(),
});

const UPDATE_ACTIONS = ['cancel', 'requeue', 'approve', 'changes', 'answer', 'done'] as const;

/** update: an action on a task and/or edits of its title, priority, agent. */
export const updateInput = editInput.pick({ id: true, title: true, priority: true, agent: true }).extend({
  action: z.enum(UPDATE_ACTIONS).optional(),
  text: answerInput.shape.text.optional().describe('changes: feedback; answer: the answer; else a reason'),
});

/** decide: accept (with overrides), reject (with a reason) or merge (into another proposal). */
export const decideTool = defineTool({
  name: 'decide',
  title: 'Decide a proposal',
  description: 'accept (fields override) creates the task; reject needs reason; merge needs into.',
  input: decideInput,
  output: decideOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    const { action, reason, into, ...accept } = input;
    const overrides = Object.keys(accept).filter((k) => k !== 'proposal_id' && accept[k as keyof typeof accept] !== undefined);
    const refuse = (message: string) => new StewardError('VALIDATION', `invalid decide: ${message}`, { action });
    if (action !== 'accept' && overrides.length) throw refuse(`${overrides.join(', ')} apply only to accept`);
    if (action !== 'merge' && into !== undefined) throw refuse('into applies only to merge');
    if (action === 'accept' && reason !== undefined) throw refuse('reason applies only to reject and merge');
    if (action === 'accept') {
      const { proposal, task } = acceptProposal(env.store, accept, env.op());
      return { structured: { proposal: proposalRef(proposal), task: taskRow(task) }, text: `accepted proposal ${proposal.id} → ${rowLine(task)}` };
    }
    const { proposal } =
      action === 'reject'
        ? rejectProposal(env.store, { proposal_id: input.proposal_id, reason }, env.op())
        : mergeProposal(env.store, { proposal_id: input.proposal_id, into, reason }, env.op());
    return { structured: { proposal: proposalRef(proposal) }, text: `proposal ${proposal.id} ${proposal.status}` };
  },
});

type UpdateInput = z.output<typeof updateInput>;
interface ActionOutcome {
  task: Task;
  stopped?: { id: number } | null;
  spawned?: Task[];
}

/** Runs the action of an update (inside the caller's transaction). */
function applyAction(store: Store, input: UpdateInput, ctx: OpContext): ActionOutcome | null {
  const { id, action, text } = input;
  switch (action) {
    case undefined:
      return null;
    case 'cancel':
      return cancelTask(store, { id, reason: text }, ctx);
    case 'requeue':
      return requeueTask(store, { id, reason: text }, ctx);
    case 'approve':
      return approveTask(store, { id, reason: text }, ctx);
    case 'done':
      return markDone(store, { id, reason: text }, ctx);
    case 'changes':
      return requestChanges(store, { id, feedback: text }, ctx);
    case 'answer':
      return answerTask(store, { id, text }, ctx);
  }
}

/** update: cancel, requeue, approve, changes, answer, done; and/or edit title, priority, agent — all or nothing. */
export const updateTool = defineTool({
  name: 'update',
  title: 'Update a task',
  description: 'Apply an action and/or set title, priority, agent. All or nothing.',
  input: updateInput,
  output: updateOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    const { id, action, text: _text, ...edits } = input;
    const editing = Object.values(edits).some((v) => v !== undefined);
    if (!action && !editing) throw new StewardError('VALIDATION', 'invalid update: give an action, or a title, priority or agent', { id });
    const ctx = env.op();
    const out = env.store.tx(() => {
      if (editing) editTask(env.store, { id, ...edits }, ctx);
      const acted = applyAction(env.store, input, ctx);
      return { task: requireTask(env.store, id), acted };
    });
    const spawned = out.acted?.spawned?.map((t) => t.id) ?? [];
    const stopped = out.acted?.stopped?.id;
    const structured = {
      task: taskRow(out.task),
      ...(stopped !== undefined ? { stopped_run: stopped } : {}),
      ...(spawned.length ? { spawned } : {}),
    };
    const note = `${stopped !== undefined ? `; stopped run ${stopped}` : ''}${spawned.length ? `; follow-ups ${spawned.map((s) => `#${s}`).join(', ')}` : ''}`;
    return { structured, text: `${rowLine(out.task)}${note}` };
  },
});

/** tick: one triage pass; returns the tick's result (its digest). */
export const tickTool = defineTool({
  name: 'tick',
  title: 'Run one tick',
  description: 'One triage pass; returns the digest.',
  input: z.strictObject({}),
  output: tickOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(_input, env) {
    const result = tickOnce({ store: env.store, ctx: env.op() }) as unknown as Record<string, unknown>;
    return { structured: result, text: JSON.stringify(result) };
  },
});
