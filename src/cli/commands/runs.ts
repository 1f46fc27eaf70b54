// Worker commands: claim, heartbeat, complete, fail (each writes only through its run id).
import { hostname } from 'node:os';
import { iso, taskView } from '../../core/view.js';
import { claimTask, completeRun, failRun, heartbeatRun } from '../../ops/index.js';
import { flagsToInput, type Command } from '../command.js';
import { taskLine } from '../format.js';

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
    return { json: { task: taskView(out.task), run }, text: `${taskLine(out.task)}\nrun ${run.id}  lease until ${run.lease_expires_at}` };
  },
};

export const heartbeat: Command = {
  name: 'heartbeat',
  summary: 'extend the lease of a run',
  usage: 'steward heartbeat RUN [--lease SECONDS]',
  options: { lease: { type: 'string' } },
  positionals: ['run'],
  run(ctx, values, pos) {
    const { run, task } = heartbeatRun(ctx.store(), flagsToInput({ run_id: pos[0], lease_seconds: values.lease }), ctx.op());
    const view = { id: run.id, lease_expires_at: iso(run.lease_expires_at) };
    return { json: { task: taskView(task), run: view }, text: `run ${run.id}  lease until ${view.lease_expires_at}` };
  },
};

export const complete: Command = {
  name: 'complete',
  summary: 'finish a run with success',
  usage: 'steward complete RUN [--summary TEXT]',
  options: { summary: { type: 'string' } },
  positionals: ['run'],
  run(ctx, values, pos) {
    const { task, spawned } = completeRun(ctx.store(), flagsToInput({ run_id: pos[0], summary: values.summary }), ctx.op());
    const note = spawned.length ? `\nspawned: ${spawned.map((t) => `#${t.id}`).join(', ')}` : '';
    return { json: { task: taskView(task), ...(spawned.length ? { spawned: spawned.map((t) => t.id) } : {}) }, text: `${taskLine(task)}${note}` };
  },
};

export const fail: Command = {
  name: 'fail',
  summary: 'finish a run with an error and a failure kind',
  usage: 'steward fail RUN --error TEXT [--kind transient|rate_limit|stalled|timeout|lost|needs_input|fatal] [--retry-after SECONDS] [--question TEXT]',
  options: {
    error: { type: 'string' },
    kind: { type: 'string' },
    'retry-after': { type: 'string' },
    question: { type: 'string' },
  },
  positionals: ['run'],
  run(ctx, values, pos) {
    const { task } = failRun(ctx.store(), { run_id: pos[0], ...flagsToInput(values) }, ctx.op());
    return { json: { task: taskView(task) }, text: taskLine(task) };
  },
};
