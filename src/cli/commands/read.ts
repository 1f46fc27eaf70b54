// Reading the queue: list and show. Kept apart from the task commands so they load only the read ops (queries.ts,
// archive.ts), which check their input by hand and reach zod only for unusual input (core/fast-input.ts).
import { eventView, runView, taskRow, taskView } from '../../core/view.js';
import { archivedInfo } from '../../ops/archive.js';
import { listTasks, showTask } from '../../ops/queries.js';
import { flagsToInput, type Command } from '../command.js';
import { eventLine, runLine, taskBlock, taskLine } from '../format.js';

export const list: Command = {
  name: 'list',
  summary: 'list tasks (priority order, paged)',
  usage: 'steward list [--status S[,S]] [--project P] [--type T] [--agent A] [--limit N] [--cursor C] [--archived]',
  options: {
    status: { type: 'string' },
    project: { type: 'string' },
    type: { type: 'string' },
    agent: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    archived: { type: 'boolean' },
  },
  run(ctx, values) {
    const page = listTasks(ctx.store(), flagsToInput(values));
    const idWidth = Math.max(0, ...page.tasks.map((t) => String(t.id).length));
    const lines = page.tasks.map((t) => taskLine(t, idWidth));
    if (lines.length === 0) lines.push('no tasks');
    if (page.next_cursor) lines.push(`more: --cursor ${page.next_cursor}`);
    return { json: { tasks: page.tasks.map(taskRow), next_cursor: page.next_cursor }, text: lines.join('\n') };
  },
};

export const show: Command = {
  name: 'show',
  summary: 'show one task with its runs and events',
  usage: 'steward show ID',
  positionals: ['id'],
  run(ctx, _values, pos) {
    const { task, runs, events } = showTask(ctx.store(), { id: pos[0] });
    const archived = archivedInfo(ctx.store(), task.id);
    const note = archived ? [`  archived  ${new Date(archived.at).toISOString()} by ${archived.by}`] : [];
    const budget = ctx.store().budgets.forTask(task.id);
    if (budget) note.push(`  budget    ${Object.entries(budget).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
    const text = [taskBlock(task), ...note, '', 'runs:', ...(runs.length ? runs.map((r) => `  ${runLine(r)}`) : ['  none']), '', 'events:', ...events.map((e) => `  ${eventLine(e)}`)];
    const extra = { ...(archived ? { archived: { at: new Date(archived.at).toISOString(), by: archived.by } } : {}), ...(budget ? { budget } : {}) };
    return { json: { task: taskView(task), ...extra, runs: runs.map(runView), events: events.map(eventView) }, text: text.join('\n') };
  },
};
