// Task commands: add, cancel, requeue, approve, changes, answer, done (list and show: read.ts).
import { taskRow, taskView } from '../../core/view.js';
import {
  addTask,
  answerTask,
  approveTask,
  cancelTask,
  markDone,
  requestChanges,
  requeueTask,
  resumeAgent,
} from '../../ops/index.js';
import type { Task } from '../../core/types.js';
import { StewardError } from '../../core/errors.js';
import { assertPromptFits, taskTargetProblems } from '../../config/task-targets.js';
import { BUDGET_OPTIONS, BUDGET_USAGE, flagsToInput, TASK_FIELD_OPTIONS, TASK_FIELD_USAGE, taskFieldsInput, type CliContext, type Command, type CommandOutput } from '../command.js';
import { taskLine } from '../format.js';

function oneTask(task: Task, extra: Record<string, unknown> = {}, note = ''): CommandOutput {
  return { json: { task: taskView(task), ...extra }, text: `${taskLine(task)}${note}` };
}

export const add: Command = {
  name: 'add',
  summary: 'add a task (accepted at once)',
  usage: `steward add TITLE [--strict] ${TASK_FIELD_USAGE} [--key K] [--verify CMD]... [--paths GLOB]... ${BUDGET_USAGE}`,
  options: { ...TASK_FIELD_OPTIONS, ...BUDGET_OPTIONS, paths: { type: 'string', multiple: true }, strict: { type: 'boolean' } },
  positionals: ['title'],
  rest: true,
  run(ctx, { strict, ...values }, pos) {
    const input = taskFieldsInput(values, pos.join(' '));
    const problems = taskTargetProblems(ctx.config(), input);
    if (problems.length && strict) throw new StewardError('VALIDATION', `invalid task: ${problems.join('; ')}`, { problems });
    assertPromptFits(ctx.config(), input);
    const { task, duplicate } = addTask(ctx.store(), input, ctx.op(), 'cli');
    for (const p of problems) ctx.log(`warning: ${p}`);
    const extra = { ...(duplicate ? { duplicate: true } : {}), ...(problems.length ? { warnings: problems } : {}) };
    return oneTask(task, extra, duplicate ? '  (duplicate key: existing task)' : '');
  },
};

/** Merges a task's approved branch now (git is loaded only here): done, or blocked on a conflict. */
async function mergeNow(ctx: CliContext, id: number): Promise<{ task: Task; spawned?: Task[] }> {
  const { mergeQueued, MERGE_AFTER_RUN_WAIT_MS } = await import('../../git/index.js');
  const onBusy = (holder: { owner: string }) => ctx.log(`another process (${holder.owner}) is still merging: the next tick merges this task`);
  const deps = { store: ctx.store(), config: ctx.config(), workspace: ctx.workspace(), ctx: () => ctx.op() };
  const [report] = mergeQueued(deps, id, { waitMs: MERGE_AFTER_RUN_WAIT_MS, onBusy });
  if (report?.status === 'conflict') ctx.log(`merge conflict in ${(report.files ?? []).join(', ') || '(no file named)'}: the task is blocked`);
  return { task: ctx.store().tasks.get(id)! };
}

/** A command that takes an ID and an optional --reason, and prints the task. */
function idCommand(name: string, summary: string, fn: typeof cancelTask | typeof requeueTask | typeof approveTask | typeof markDone): Command {
  return {
    name,
    summary,
    usage: `steward ${name} ID [--reason TEXT]`,
    options: { reason: { type: 'string' } },
    positionals: ['id'],
    async run(ctx, values, pos) {
      let out = fn(ctx.store(), { id: pos[0], ...flagsToInput(values) }, ctx.op()) as { task: Task; stopped?: unknown; spawned?: Task[]; merge?: string };
      if (out.merge === 'queued') out = await mergeNow(ctx, out.task.id);
      const extra: Record<string, unknown> = {};
      if (out.stopped) extra.stopped_run = out.stopped;
      if (out.spawned?.length) extra.spawned = out.spawned.map(taskRow);
      const note = out.spawned?.length ? `\nspawned: ${out.spawned.map((t) => `#${t.id}`).join(', ')}` : '';
      return oneTask(out.task, extra, note);
    },
  };
}

export const cancel = idCommand('cancel', 'cancel a task (a running one is stopped)', cancelTask);
export const requeue = idCommand('requeue', 'put a failed or cancelled task back (strikes reset)', requeueTask);
export const approve = idCommand('approve', 'approve a task in review', approveTask);
export const done = idCommand('done', 'mark a task done by hand (a person\'s override)', markDone);

export const resume: Command = {
  name: 'resume',
  summary: "end an agent profile's rate-limit pause now (tasks its rate limit put back keep their retry time)",
  usage: 'steward resume AGENT',
  positionals: ['agent'],
  run(ctx, _values, pos) {
    const out = resumeAgent(ctx.store(), pos[0], ctx.op());
    const until = new Date(out.was_paused_until).toISOString();
    return { json: { agent: out.agent, was_paused_until: until }, text: `${out.agent}: pause until ${until} ended; it takes tasks again` };
  },
};

export const changes: Command = {
  name: 'changes',
  summary: 'send a task in review back with feedback',
  usage: 'steward changes ID --feedback TEXT',
  options: { feedback: { type: 'string' } },
  positionals: ['id'],
  run(ctx, values, pos) {
    return oneTask(requestChanges(ctx.store(), { id: pos[0], feedback: values.feedback }, ctx.op()).task);
  },
};

export const answer: Command = {
  name: 'answer',
  summary: "answer a blocked task's question",
  usage: 'steward answer ID TEXT',
  positionals: ['id', 'text'],
  rest: true,
  async run(ctx, _values, pos) {
    const [id, ...words] = pos;
    const wasMerge = ctx.store().tasks.get(Number(id))?.blocked_kind === 'merge';
    const out = answerTask(ctx.store(), { id, text: words.join(' ') }, ctx.op());
    return oneTask(wasMerge ? (await mergeNow(ctx, out.task.id)).task : out.task);
  },
};
