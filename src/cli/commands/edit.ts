// Editing and clearing away tasks from the CLI: edit (the triage `update` rules), archive, delete.
import { taskView } from '../../core/view.js';
import { StewardError } from '../../core/errors.js';
import { assertPromptFits, taskTargetProblems } from '../../config/task-targets.js';
import { archiveTask, deleteTask, editTask, readTaskDetail } from '../../ops/index.js';
import { BUDGET_OPTIONS, BUDGET_USAGE, flagsToInput, TASK_FIELD_OPTIONS, type Command, type Options } from '../command.js';
import { taskLine } from '../format.js';

/** The task-field flags of add that edit takes too: all but then, key, requires and timeout (set once, at add). */
const NOT_EDITABLE = new Set(['then', 'key', 'requires', 'timeout']);
const EDITABLE_FIELD_OPTIONS: Options = Object.fromEntries(Object.entries(TASK_FIELD_OPTIONS).filter(([name]) => !NOT_EDITABLE.has(name)));

export const edit: Command = {
  name: 'edit',
  summary: "change a task's fields (a running task's goal, type, project, verify, review need --force)",
  usage:
    'steward edit ID [--title T] [--goal T] [--type T] [--project P] [--priority N|urgent|high|normal|low] [--agent A] [--after ID,..] [--verify CMD]... [--no-verify] [--max-attempts N] [--complexity low|normal|high] [--review | --no-review] [--force] [--strict] ' + BUDGET_USAGE + ' (none clears a cap)',
  options: {
    title: { type: 'string' },
    ...EDITABLE_FIELD_OPTIONS,
    'no-verify': { type: 'boolean' },
    'no-review': { type: 'boolean' },
    force: { type: 'boolean' },
    strict: { type: 'boolean' },
    ...BUDGET_OPTIONS,
  },
  positionals: ['id'],
  run(ctx, values, pos) {
    const { 'no-verify': noVerify, 'no-review': noReview, strict, ...rest } = values;
    if (noVerify && rest.verify) throw new StewardError('USAGE', '--verify and --no-verify together');
    if (noReview && rest.review) throw new StewardError('USAGE', '--review and --no-review together');
    const input = { id: pos[0], ...flagsToInput(rest), ...(noVerify ? { verify: [] } : {}), ...(noReview ? { review: false } : {}) };
    if (Object.keys(input).filter((k) => k !== 'id' && k !== 'force').length === 0) {
      throw new StewardError('USAGE', `nothing to change\nusage: ${this.usage}`);
    }
    const problems = taskTargetProblems(ctx.config(), input as { project?: unknown; agent?: unknown });
    if (problems.length && strict) throw new StewardError('VALIDATION', `invalid edit: ${problems.join('; ')}`, { problems });
    for (const p of problems) ctx.log(`warning: ${p}`);
    const given = input as { title?: unknown; goal?: unknown; agent?: unknown };
    if (given.title !== undefined || given.goal !== undefined || given.agent !== undefined) {
      // The task as it will be: a longer goal, or a move to a profile that passes the prompt in argv.
      const now = readTaskDetail(ctx.store(), { id: pos[0] }, { runs: 0, events: 0 }).task;
      assertPromptFits(ctx.config(), { title: given.title ?? now.title, goal: given.goal ?? now.goal, agent: given.agent ?? now.agent });
    }
    const { task } = editTask(ctx.store(), input, ctx.op());
    return { json: { task: taskView(task), ...(problems.length ? { warnings: problems } : {}) }, text: taskLine(task) };
  },
};

export const archive: Command = {
  name: 'archive',
  summary: 'archive a done, failed or cancelled task: off TASKS.md and list (list --archived shows it), history kept',
  usage: 'steward archive ID [--reason TEXT]',
  options: { reason: { type: 'string' } },
  positionals: ['id'],
  run(ctx, values, pos) {
    const { task, archived } = archiveTask(ctx.store(), { id: pos[0], ...flagsToInput(values) }, ctx.op());
    return { json: { task: taskView(task), archived }, text: `${taskLine(task)}  ${archived ? '(archived)' : '(already archived)'}` };
  },
};

export const del: Command = {
  name: 'delete',
  summary: 'delete a done, failed or cancelled task and its runs for good (refused while another task depends on it)',
  usage: 'steward delete ID [--reason TEXT]',
  options: { reason: { type: 'string' } },
  positionals: ['id'],
  run(ctx, values, pos) {
    const { task, runs_deleted } = deleteTask(ctx.store(), { id: pos[0], ...flagsToInput(values) }, ctx.op());
    const runs = `${runs_deleted} run${runs_deleted === 1 ? '' : 's'}`;
    return { json: { deleted: task.id, runs_deleted }, text: `deleted task #${task.id} (${task.title}) and its ${runs}` };
  },
};
