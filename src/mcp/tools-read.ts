// Tools every role has: propose, list, show.
import { listOutput, proposeOutput, showOutput } from '../core/output-schemas.js';
import { idInput, listInput, proposeInput } from '../core/schemas.js';
import { taskRow } from '../core/view.js';
import { listTasks, proposeTask, showTask } from '../ops/index.js';
import { toStewardError } from '../core/errors.js';
import { taskDiff } from '../git/index.js';
import type { Store } from '../store/open-store.js';
import { defineTool } from './define.js';
import { boundedTaskView, eventBrief, proposalRef, runBrief } from './present.js';
import { listText, showText } from './text.js';

/** The fields an MCP proposal may carry (DESIGN §7: a subset of the CLI's; triage may override on accept). */
export const mcpProposeInput = proposeInput.pick({
  title: true,
  goal: true,
  type: true,
  project: true,
  priority: true,
  agent: true,
  after: true,
  key: true,
});

/** propose: a task into the inbox; triage decides. */
export const proposeTool = defineTool({
  name: 'propose',
  title: 'Propose a task',
  description: 'Add a proposal to the inbox for triage. A seen key or open title is a duplicate.',
  input: mcpProposeInput,
  output: proposeOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    const { proposal, duplicate } = proposeTask(env.store, input, env.op(), env.source);
    const ref = proposalRef(proposal);
    const text = duplicate
      ? `proposal ${proposal.id} is a duplicate (${proposal.reason})${proposal.task_id ? ` of task #${proposal.task_id}` : ''}`
      : `proposal ${proposal.id} is in the inbox: ${proposal.title}`;
    return { structured: { proposal: ref, ...(duplicate ? { duplicate: true } : {}) }, text };
  },
});

/** list: a compact page of tasks. */
export const listTool = defineTool({
  name: 'list',
  title: 'List tasks',
  description: 'Tasks in priority order, compact rows; page with cursor.',
  input: listInput,
  output: listOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(input, env) {
    const page = listTasks(env.store, input);
    return { structured: { tasks: page.tasks.map(taskRow), next_cursor: page.next_cursor }, text: listText(page.tasks, page.next_cursor) };
  },
});

/** The diff summary of a task's branch (files and counts, no patch), or undefined when it has none. */
function branchSummary(store: Store, id: number): Record<string, unknown> | undefined {
  const b = store.read(() => store.branches.get(id));
  if (!b) return undefined;
  const head = { branch: b.branch, base: b.base, state: b.state };
  try {
    const d = taskDiff(store, id, { patch: false });
    return { ...head, commits: d.commits.length, files: d.files.slice(0, 50), files_total: d.files.length };
  } catch (err) {
    return { ...head, commits: 0, files: [], files_total: 0, error: toStewardError(err).message };
  }
}

/** show: one task with its newest runs and events. */
export const showTool = defineTool({
  name: 'show',
  title: 'Show a task',
  description: 'One task with its last runs and events.',
  input: idInput,
  output: showOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(input, env) {
    const { task, runs, events } = showTask(env.store, input);
    const branch = branchSummary(env.store, task.id);
    return {
      structured: { task: boundedTaskView(task), runs: runs.map(runBrief), events: events.map(eventBrief), ...(branch ? { branch } : {}) },
      text: showText(task, runs.length, events.length),
    };
  },
});
