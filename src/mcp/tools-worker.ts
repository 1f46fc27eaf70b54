// Worker tools: claim, heartbeat, complete, fail — each write goes through the run id (the fencing token).
import { hostname } from 'node:os';
import { claimOutput, finishOutput, heartbeatOutput } from '../core/output-schemas.js';
import { claimInput, completeInput, failInput, heartbeatInput } from '../core/schemas.js';
import { claimTask, completeRun, failRun, heartbeatRun, taskContext } from '../ops/index.js';
import { checkRemoteClaimer } from '../remote/run-owner.js';
import { defineTool, type ToolEnv } from './define.js';
import { contextView, iso, taskState, workTask } from './present.js';
import { claimText, rowLine } from './text.js';

/** complete over MCP: the run, a summary, evidence, artifacts (cost and tokens are the babysitter's). */
export const mcpCompleteInput = completeInput.pick({ run_id: true, summary: true, evidence: true, artifacts: true });

/** fail over MCP: the run, the error, its kind, a rate limit's reset (needs_input asks the error as the question). */
export const mcpFailInput = failInput.pick({ run_id: true, error: true, kind: true, retry_after: true });

/** FORBIDDEN when run `runId` is a remote worker's claimed under another token's name (src/remote/run-owner.ts). */
function remoteClaimerOnly(env: ToolEnv, runId: number): void {
  const run = env.store.read(() => env.store.runs.get(runId));
  if (run) checkRemoteClaimer(run, env.actor);
}

/** claim: the best ready task for an agent, with its working context and run, or `{task: null}`. */
export const claimTool = defineTool({
  name: 'claim',
  title: 'Claim a task',
  description: 'Take the best ready task: goal, context, run id, lease expiry; or {task: null}.',
  input: claimInput,
  output: claimOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    const out = claimTask(env.store, input, env.op(), { host: hostname() });
    if (!out.task) {
      const paused = out.paused_until ? { paused_until: iso(out.paused_until) } : {};
      const text = out.paused_until ? `nothing claimed: agent ${input.agent} is paused until ${iso(out.paused_until)}` : 'nothing to claim';
      return { structured: { task: null, ...paused }, text };
    }
    const context = taskContext(env.store, out.task);
    return {
      structured: {
        task: workTask(out.task),
        context: contextView(context),
        run: { id: out.run.id, lease_expires_at: iso(out.run.lease_expires_at) },
      },
      text: claimText(out.task, out.run.id, out.run.lease_expires_at),
    };
  },
});

/** heartbeat: extends the lease of a live run. */
export const heartbeatTool = defineTool({
  name: 'heartbeat',
  title: 'Extend a lease',
  description: 'Extend your run\'s lease. LEASE_LOST: stop, the task moved on.',
  input: heartbeatInput,
  output: heartbeatOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(input, env) {
    remoteClaimerOnly(env, input.run_id);
    const { run, task } = heartbeatRun(env.store, input, env.op());
    return {
      structured: { run: { id: run.id, lease_expires_at: iso(run.lease_expires_at) }, task: taskState(task) },
      text: `run ${run.id} lease until ${iso(run.lease_expires_at)}`,
    };
  },
});

/** complete: finishes a live run with success. */
export const completeTool = defineTool({
  name: 'complete',
  title: 'Complete a run',
  description: 'Finish your run with success.',
  input: mcpCompleteInput,
  output: finishOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    remoteClaimerOnly(env, input.run_id);
    const { task, spawned } = completeRun(env.store, input, env.op());
    const note = spawned.length ? `; follow-ups ${spawned.map((t) => `#${t.id}`).join(', ')}` : '';
    return {
      structured: { task: taskState(task), ...(spawned.length ? { spawned: spawned.map((t) => t.id) } : {}) },
      text: `${rowLine(task)}${note}`,
    };
  },
});

/** fail: finishes a live run with an error and a failure kind; the retry policy decides what follows. */
export const failTool = defineTool({
  name: 'fail',
  title: 'Fail a run',
  description: 'Finish your run with an error; kind decides retry, block or fail.',
  input: mcpFailInput,
  output: finishOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(input, env) {
    remoteClaimerOnly(env, input.run_id);
    const { task } = failRun(env.store, input, env.op());
    const retry = task.status === 'ready' && task.run_after > 0 ? `, next try after ${iso(task.run_after)}` : '';
    return { structured: { task: taskState(task) }, text: `${rowLine(task)} (attempts ${task.attempts}/${task.max_attempts}${retry})` };
  },
});
