// Local dispatch: claim ready tasks within the WIP caps and start a detached `steward work --run N --here` for each.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { getAdapter, quoteWord } from '../core/adapters/index.js';
import { toStewardError } from '../core/errors.js';
import { handOffActor, handOffNotStarted, reofferLeaseUntil } from '../core/handoff.js';
import type { OpContext, Task } from '../core/types.js';
import { profileOf } from '../config/agent-profile.js';
import type { AgentProfile, Config } from '../config/schema.js';
import { BudgetGate, claimForProfile, failRun, recordRunProcess } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { BABYSITTER_NODE_FLAGS, babysitterEnv, CLI_MAIN } from './detach.js';
import { findExecutable } from './doctor.js';
import { procIdentity } from './process-group.js';
import { runLogPath } from './run-log.js';

export { BABYSITTER_NODE_FLAGS, babysitterEnv, CLI_MAIN } from './detach.js';

/** The argv (after node) of `steward work --run N --here --dir ROOT` as steward starts it. */
export function babysitterArgs(runId: number, root: string): string[] {
  return [...BABYSITTER_NODE_FLAGS, CLI_MAIN, 'work', '--run', String(runId), '--here', '--dir', root];
}

/** What a babysitter is started for. */
export interface StartRequest {
  runId: number;
  taskId: number;
  logPath: string;
  root: string;
}

/** Starts a detached babysitter (own session, stdio to the run's log, unref'd); returns its pid. */
export function startBabysitter(req: StartRequest): number {
  mkdirSync(dirname(req.logPath), { recursive: true });
  const fd = openSync(req.logPath, 'a');
  try {
    const child = spawn(process.execPath, babysitterArgs(req.runId, req.root), {
      cwd: req.root,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: babysitterEnv(process.env),
    });
    child.on('error', () => {}); // a failed start shows as a missing pid below; isDead reaps it otherwise
    if (child.pid === undefined) throw new Error(`could not start ${process.execPath}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The dispatcher's I/O, passed in. */
export interface DispatchDeps {
  store: Store;
  ctx: OpContext;
  workspace: Workspace;
  config: Config;
  start?: (req: StartRequest) => number;
  /** Resolves a profile's executable; null when it cannot run here. Default: a PATH lookup. */
  which?: (bin: string) => string | null;
  /** `dispatch: openclaw`: claim within the caps but start nothing; each run is handed to the triage agent. */
  handOff?: boolean;
}

/** The arguments for OpenClaw's sessions_spawn (2026.9.6: a deferred tool, `tool_call {id: "sessions_spawn", args}`). */
export interface SpawnArgs {
  /** The exact task text for the sub-agent. */
  task: string;
  label: string;
  /** The child's working directory: the steward workspace. */
  cwd: string;
  /** The run's timeout plus slack; OpenClaw stops the child after it. */
  runTimeoutSeconds: number;
  /** false: no announce turn back to the triage agent (steward records the result itself). */
  expectsCompletionMessage: false;
}

/** A run claimed for the triage agent to give to OpenClaw's sessions_spawn. */
export interface HandOff {
  run: number;
  task_id: number;
  /** The steward agent profile the run was claimed for (not an OpenClaw agentId). */
  profile: string;
  sessions_spawn: SpawnArgs;
  /**
   * Offered by an earlier tick and not started yet (no babysitter took it): spawn it again. Safe even if the first
   * spawn happens too: `steward work --run N` starts at most one babysitter per run.
   */
  reoffered?: true;
  /** With reoffered: when the hand-off lease now ends (ISO); after it the tick hands the task off anew. */
  lease_until?: string;
}

/** A profile's timeoutSeconds when the run's profile is no longer in the config (a re-offer after a config edit). */
const DEFAULT_TIMEOUT_SECONDS = 1800;

/** The hand-off of run `runId` of `task` for profile `name`: the same for the first offer and every re-offer. */
function handOffOf(root: string, runId: number, task: Pick<Task, 'id' | 'title' | 'timeout_seconds'>, name: string, profile: AgentProfile | undefined): HandOff {
  const text = handOffText(root, runId, task.id, task.title);
  const timeout = (task.timeout_seconds ?? profile?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) + 120;
  return {
    run: runId, task_id: task.id, profile: name,
    sessions_spawn: { task: text, label: `steward-run-${runId}`, cwd: root, runTimeoutSeconds: timeout, expectsCompletionMessage: false },
  };
}

/**
 * The hand-offs of earlier ticks that no babysitter took yet (no process recorded) and whose hand-off lease holds:
 * offered again, each with its lease extended (reofferLeaseUntil: at most twice the hand-off lease from the claim).
 * The extension is written only while no process is recorded on the run, so it never shortens a babysitter's lease.
 */
export function reofferHandOffs(store: Store, ctx: OpContext, root: string, config: Config): HandOff[] {
  const leaseMs = config.handoffLeaseSeconds * 1000;
  // A read first: most ticks have none, and then take no write lock for it.
  if (!store.read(() => store.runs.running().some((r) => handOffNotStarted(r) && r.lease_expires_at > ctx.now))) return [];
  return store.tx(() => {
    const out: HandOff[] = [];
    for (const run of store.runs.running()) {
      if (!handOffNotStarted(run) || run.lease_expires_at <= ctx.now) continue;
      const task = store.tasks.get(run.task_id);
      if (!task || task.status !== 'running' || task.current_run_id !== run.id) continue;
      const until = reofferLeaseUntil(run, ctx.now, leaseMs);
      if (until !== run.lease_expires_at && store.runs.updateIfNoProcess(run.id, { lease_expires_at: until }) !== 1) continue;
      out.push({ ...handOffOf(root, run.id, task, run.agent, profileOf(config, run.agent)), reoffered: true, lease_until: new Date(until).toISOString() });
    }
    return out;
  });
}

/** The command that runs this steward with this Node, independent of PATH: `node …/steward.cjs`. */
export function stewardCommand(): string {
  return `${quoteWord(process.execPath)} ${quoteWord(CLI_MAIN)}`;
}

/**
 * The sessions_spawn task text for a run. OpenClaw's exec backgrounds a command after `yieldMs` and kills it at
 * `tools.exec.timeoutSeconds`, so the sub-agent passes `timeoutSeconds: 0` and polls until the command exits.
 * `steward work --run N` only waits on a detached babysitter, so even a killed exec loses no run, and running it again
 * (what the text says to do when exec killed it before its last line) waits on the same run.
 */
export function handOffText(root: string, runId: number, taskId: number, title: string, command = stewardCommand()): string {
  const argv = `${command} work --run ${runId} --dir ${quoteWord(root)}`;
  const exec = JSON.stringify({ command: argv, workdir: root, timeoutSeconds: 0, yieldMs: 120000 });
  return [
    `You are a steward worker for task #${taskId} (${title.replace(/\s+/g, ' ').slice(0, 120)}).`,
    `Call the exec tool once with exactly these arguments: ${exec}`,
    'timeoutSeconds 0 keeps exec from killing it; the command returns when the coding run is finished and recorded.',
    'If exec says the command is still running, call the process tool with {"action": "poll", "sessionId": "<that sessionId>", "timeout": 30000}',
    'again and again until it reports that the command exited. Never kill it and never add `&`.',
    `If it ended (killed, timed out) without a line starting with "run ${runId} task #${taskId}:", call exec again with the same arguments:`,
    'it is safe to repeat (it waits on the same run and never starts it twice); the coding run itself goes on meanwhile.',
    `Then reply with that "run ${runId} task #${taskId}: …" line only. Do not claim, complete or fail anything yourself.`,
  ].join('\n');
}

/** What one dispatch pass did. */
export interface DispatchReport {
  started: Array<{ task_id: number; run_id: number; agent: string; project: string; pid: number }>;
  /** With handOff: the runs claimed for the triage agent to spawn. */
  handoff: HandOff[];
  skipped: Array<{ agent: string; reason: string }>;
  failed: Array<{ task_id: number; run_id: number; error: string }>;
}

function executableOf(profile: AgentProfile): string {
  return profile.cli === 'command' ? (profile.command?.[0] ?? '') : profile.bin || getAdapter(profile.cli).defaultBin;
}

/**
 * Claims ready tasks for the configured agent profiles, round-robin, while the caps allow: `wip.global`,
 * `min(maxConcurrent, wip.perAgent[name])` per profile, `wip.perProject[project]` per project — all
 * counted from the runs the store says are running, plus the ones started in this pass.
 */
export function dispatchLocal(deps: DispatchDeps): DispatchReport {
  const { store, ctx, workspace, config } = deps;
  const report: DispatchReport = { started: [], handoff: [], skipped: [], failed: [] };
  // dispatch: openclaw — first the runs handed off before whose spawn has not started them (a heartbeat cut short).
  if (deps.handOff) report.handoff.push(...reofferHandOffs(store, ctx, workspace.root, config));
  const claimCtx = deps.handOff ? { ...ctx, actor: handOffActor(ctx.actor) } : ctx;
  const which = deps.which ?? ((bin: string) => findExecutable(bin, process.env, workspace.root));
  let active = Object.entries(config.agents).filter(([name, profile]) => {
    const bin = executableOf(profile);
    if (deps.handOff || which(bin)) return true;
    report.skipped.push({ agent: name, reason: `executable ${bin || '(none)'} not found` });
    return false;
  });
  // Scope budgets (docs/BUDGETS.md): a scope at its cap, or a run whose estimate does not fit what is left, waits.
  // One gate for the pass: each claim charges its estimate, so the claims of one pass cannot together overshoot.
  const gate = BudgetGate.open(store, config, ctx.now);
  while (active.length > 0) {
    for (const [name, profile] of active) {
      // The WIP caps and budgets are checked inside the claim's transaction (claimForProfile), as for remote workers.
      const claimed = claimForProfile(store, config, name, claimCtx, { host: hostname() }, {
        gate, ...(deps.handOff ? { leaseSeconds: config.handoffLeaseSeconds } : {}),
      });
      if (!claimed.task) {
        active = claimed.held?.cap === 'wip.global' ? [] : active.filter(([n]) => n !== name);
        if (claimed.held?.cap === 'budget') report.skipped.push({ agent: name, reason: claimed.held.reason });
        if (claimed.paused_until) report.skipped.push({ agent: name, reason: `paused until ${new Date(claimed.paused_until).toISOString()}` });
        if (active.length === 0) break;
        continue;
      }
      const { run, task } = claimed;
      if (deps.handOff) {
        report.handoff.push(handOffOf(workspace.root, run.id, task, name, profile));
        continue;
      }
      const logPath = runLogPath(workspace, task.id, run.id);
      let pid: number;
      try {
        pid = (deps.start ?? startBabysitter)({ runId: run.id, taskId: task.id, logPath, root: workspace.root });
      } catch (err) {
        const error = `could not start the babysitter: ${toStewardError(err).message}`;
        report.failed.push({ task_id: task.id, run_id: run.id, error });
        failRun(store, { run_id: run.id, error, kind: 'transient' }, ctx);
        continue;
      }
      report.started.push({ task_id: task.id, run_id: run.id, agent: name, project: task.project, pid });
      // The babysitter records itself too; this write only narrows the window in which the run has no pid.
      try {
        recordRunProcess(store, run.id, { host: hostname(), pid, pgid: pid, proc_start: procIdentity(pid), log_path: logPath }, { pgidIfUnset: true, ifNoProcess: true });
      } catch {
        // A busy database: the babysitter's own record follows.
      }
    }
  }
  return report;
}
