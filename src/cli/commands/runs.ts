// Worker commands: claim, heartbeat, complete, fail (each writes only through its run id; --task ID finds the live one).
import { hostname } from 'node:os';
import { StewardError } from '../../core/errors.js';
import { iso, taskView } from '../../core/view.js';
import { liveRunOfTask } from '../../ops/queries.js';
import { claimTask, completeRun, failRun, heartbeatRun } from '../../ops/runs.js';
import { flagsToInput, type CliContext, type Command, type Values } from '../command.js';
import { taskLine } from '../format.js';

/** How every command names a run: `run 7 (task #3)` — run ids and task ids are different numbers. */
export const runRef = (runId: number, taskId: number): string => `run ${runId} (task #${taskId})`;

/** The run a worker command acts on: the RUN argument, or the live run of --task ID (not both). */
function runIdOf(ctx: CliContext, values: Values, pos: string[], usage: string): string {
  if (values.task !== undefined) {
    if (pos.length) throw new StewardError('USAGE', `give RUN or --task ID, not both\nusage: ${usage}`);
    return String(liveRunOfTask(ctx.store(), { id: values.task }).run_id);
  }
  if (pos.length === 0) throw new StewardError('USAGE', `missing RUN (or --task ID)\nusage: ${usage}`);
  if (pos.length > 1) throw new StewardError('USAGE', `unexpected argument ${pos[1]}\nusage: ${usage}`);
  return pos[0]!;
}

export const claim: Command = {
  name: 'claim',
  summary: 'claim the best ready task for an agent (prints the run id: the fencing token)',
  usage: 'steward claim --agent A [--type T]... [--capability C]... [--lease SECONDS]',
  options: {
    agent: { type: 'string' },
    type: { type: 'string', multiple: true },
    capability: { type: 'string', multiple: true },
    lease: { type: 'string' },
  },
  run(ctx, values) {
    const input = { agent: values.agent, types: values.type, capabilities: values.capability, lease_seconds: values.lease };
    const out = claimTask(ctx.store(), flagsToInput(input), ctx.op(), { host: hostname() });
    if (!out.task) {
      const paused = out.paused_until ? { paused_until: iso(out.paused_until) } : {};
      return { json: { task: null, ...paused }, text: out.paused_until ? `agent paused until ${iso(out.paused_until)}` : 'nothing to claim' };
    }
    const run = { id: out.run.id, lease_expires_at: iso(out.run.lease_expires_at) };
    const hint = `finish it with: steward complete ${run.id}  (or: steward complete --task ${out.task.id})`;
    return { json: { task: taskView(out.task), run }, text: `${taskLine(out.task)}\n${runRef(run.id, out.task.id)}  lease until ${run.lease_expires_at}\n${hint}` };
  },
};

export const heartbeat: Command = {
  name: 'heartbeat',
  summary: 'extend the lease of a run',
  usage: 'steward heartbeat (RUN | --task ID) [--lease SECONDS]',
  options: { lease: { type: 'string' }, task: { type: 'string' } },
  rest: true,
  run(ctx, values, pos) {
    const runId = runIdOf(ctx, values, pos, this.usage);
    const { run, task } = heartbeatRun(ctx.store(), flagsToInput({ run_id: runId, lease_seconds: values.lease }), ctx.op());
    const view = { id: run.id, lease_expires_at: iso(run.lease_expires_at) };
    return { json: { task: taskView(task), run: view }, text: `${runRef(run.id, task.id)}  lease until ${view.lease_expires_at}` };
  },
};

export const complete: Command = {
  name: 'complete',
  summary: 'finish a run with success',
  usage: 'steward complete (RUN | --task ID) [--summary TEXT]',
  options: { summary: { type: 'string' }, task: { type: 'string' } },
  rest: true,
  run(ctx, values, pos) {
    const runId = runIdOf(ctx, values, pos, this.usage);
    const store = ctx.store();
    const done = completeRun(store, flagsToInput({ run_id: runId, summary: values.summary }), ctx.op());
    // A completion answers where the task went; the command prints the task in full, as it is now.
    const task = store.read(() => store.tasks.get(done.task.id))!;
    const { spawned } = done;
    const note = spawned.length ? `\nspawned: ${spawned.map((t) => `#${t.id}`).join(', ')}` : '';
    return { json: { task: taskView(task), ...(spawned.length ? { spawned: spawned.map((t) => t.id) } : {}) }, text: `${taskLine(task)}${note}` };
  },
};

export const fail: Command = {
  name: 'fail',
  summary: 'finish a run with an error and a failure kind',
  usage: 'steward fail (RUN | --task ID) --error TEXT [--kind transient|rate_limit|stalled|timeout|lost|needs_input|fatal] [--retry-after SECONDS] [--question TEXT]',
  options: {
    error: { type: 'string' },
    kind: { type: 'string' },
    'retry-after': { type: 'string' },
    question: { type: 'string' },
    task: { type: 'string' },
  },
  rest: true,
  run(ctx, { task: taskFlag, ...values }, pos) {
    const runId = runIdOf(ctx, { task: taskFlag }, pos, this.usage);
    const { task } = failRun(ctx.store(), { run_id: runId, ...flagsToInput(values) }, ctx.op());
    return { json: { task: taskView(task) }, text: taskLine(task) };
  },
};
