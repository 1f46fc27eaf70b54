// The board's actions: each calls the same operation as the CLI verb, as the logged-in actor.
import { StewardError, toStewardError } from '../core/errors.js';
import type { OpContext } from '../core/types.js';
import { hiddenFromEscape } from '../core/visible-text.js';
import {
  acceptProposal,
  answerTask,
  approveTask,
  cancelTask,
  editTask,
  mergeProposal,
  rejectProposal,
  requestChanges,
  requeueTask,
} from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { field, fields, type Form } from './form-body.js';
import type { WebAction } from './web-roles.js';

/** What an action did, in a line for people. */
export interface ActionResult {
  message: string;
  /** For bulk: the items that failed, with why. */
  errors?: Array<{ id: string; code: string; message: string }>;
}

type Single = (store: Store, form: Form, ctx: OpContext) => string;

const optional = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);

/**
 * A form field as the person meant it: the board shows hidden characters as `\u{XXXX}` (html.ts), also in the edit
 * form's fields, so an escape naming one of them reads back as that character (as in TASKS.md) and saving a field
 * unchanged keeps the stored text. Any other `\u{…}` text stays as typed.
 */
export function fromShown(v: string): string {
  return v.replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (whole, hex: string) => hiddenFromEscape(hex) ?? whole);
}

/** The one-item actions; `id` is a task id, `proposal_id` a proposal id. */
const SINGLE: Record<Exclude<WebAction, 'bulk'>, Single> = {
  approve: (s, f, c) => `approved #${approveTask(s, { id: field(f, 'id'), reason: optional(field(f, 'reason')) }, c).task.id}`,
  changes: (s, f, c) => `sent #${requestChanges(s, { id: field(f, 'id'), feedback: field(f, 'feedback') ?? '' }, c).task.id} back with feedback`,
  answer: (s, f, c) => `answered #${answerTask(s, { id: field(f, 'id'), text: field(f, 'text') ?? '' }, c).task.id}`,
  cancel: (s, f, c) => {
    const out = cancelTask(s, { id: field(f, 'id'), reason: optional(field(f, 'reason')) }, c);
    return `cancelled #${out.task.id}${out.stopped ? ` (run ${out.stopped.id} is being stopped)` : ''}`;
  },
  requeue: (s, f, c) => `requeued #${requeueTask(s, { id: field(f, 'id'), reason: optional(field(f, 'reason')) }, c).task.id}`,
  priority: (s, f, c) => {
    const t = editTask(s, { id: field(f, 'id'), priority: field(f, 'priority') }, c).task;
    return `#${t.id} priority ${t.priority}`;
  },
  edit: (s, f, c) => {
    const input: Record<string, unknown> = { id: field(f, 'id') };
    for (const k of ['title', 'goal', 'priority', 'agent', 'type', 'project'] as const) {
      const v = field(f, k);
      if (v !== undefined && (k === 'goal' || v.trim() !== '')) input[k] = fromShown(v);
    }
    return `edited #${editTask(s, input, c).task.id}`;
  },
  accept: (s, f, c) => {
    const out = acceptProposal(s, { proposal_id: field(f, 'proposal_id') }, c);
    return `accepted proposal ${out.proposal.id} as #${out.task.id}`;
  },
  reject: (s, f, c) => {
    const reason = optional(field(f, 'reason')) ?? `rejected on the web board by ${c.actor}`;
    return `rejected proposal ${rejectProposal(s, { proposal_id: field(f, 'proposal_id'), reason }, c).proposal.id}`;
  },
  merge: (s, f, c) => {
    const p = mergeProposal(s, { proposal_id: field(f, 'proposal_id'), into: field(f, 'into'), reason: optional(field(f, 'reason')) }, c).proposal;
    return `merged proposal ${p.id} into ${p.merged_into}`;
  },
};

/** Actions a bulk request may apply to a selection (ids are task ids, or proposal ids for accept/reject). */
export const BULK_OPS = ['approve', 'cancel', 'requeue', 'priority', 'accept', 'reject'] as const;

/** Runs one action; a bulk runs its op on each selected id, each in its own transaction, and reports the failures. */
export function runAction(store: Store, action: WebAction, form: Form, ctx: OpContext): ActionResult {
  if (action !== 'bulk') return { message: SINGLE[action](store, form, ctx) };
  const op = field(form, 'op') ?? '';
  if (!(BULK_OPS as readonly string[]).includes(op)) {
    throw new StewardError('VALIDATION', `bulk op must be one of ${BULK_OPS.join(', ')}`, { op });
  }
  const ids = fields(form, 'ids');
  if (ids.length === 0) throw new StewardError('VALIDATION', 'select at least one item', {});
  if (ids.length > 500) throw new StewardError('VALIDATION', 'at most 500 items at once', { count: ids.length });
  const key = op === 'accept' || op === 'reject' ? 'proposal_id' : 'id';
  const errors: NonNullable<ActionResult['errors']> = [];
  for (const id of ids) {
    try {
      SINGLE[op as (typeof BULK_OPS)[number]](store, { ...form, [key]: id }, ctx);
    } catch (err) {
      const e = toStewardError(err);
      errors.push({ id, code: e.code, message: e.message });
    }
  }
  const done = ids.length - errors.length;
  return { message: `${op}: ${done} of ${ids.length} done${errors.length ? `; ${errors.length} refused (${errors[0]!.message})` : ''}`, errors };
}
