// The babysitter's core: run one claimed task's CLI to the end and record its outcome, with nobody watching.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createUsageMeter, getAdapter, type UsageMeter, type Verdict } from '../core/adapters/index.js';
import { noCaps, overCap, type RunCaps } from '../core/budget.js';
import { toStewardError } from '../core/errors.js';
import { loadSchemas, SchemasNotLoaded } from '../core/input-schemas.js';
import { runLiveness } from '../core/lease.js';
import type { OpContext, Run, Task } from '../core/types.js';
import { profileOf } from '../config/agent-profile.js';
import { backoffPolicyOf } from '../config/config-policy.js';
import type { AgentProfile, Config } from '../config/schema.js';
import { endRunWorkdir, mergeAfterRun, openRunWorkdir, type RunWorkdir } from '../git/index.js';
// The ops modules themselves, not ops/index.ts: a babysitter loads only what it calls (no schedules, croner, zod).
import { taskContext } from '../ops/queries.js';
import { recordRunProcess, type RecordOutcomeResult } from '../ops/run-records.js';
import { heartbeatRun } from '../ops/runs.js';
import { runCapsOf } from '../ops/task-budget.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { childEnv, verifyEnv } from './child-env.js';
import { fitEvidence } from './fit-evidence.js';
import { cliRetryLog } from './cli-log.js';
import { binOf } from './doctor.js';
import { codexProviderOf, settingsDefaultsEnv } from './retry-knobs.js';
import { keepLease } from './lease-keeper.js';
import { sweepRunLeftovers } from './leftovers.js';
import { applyOutboxEntry, removeOutboxEntry, writeOutboxOrReserve, type OutboxEntry } from './outbox.js';
import { releaseOutboxReserve, reserveOnce } from './outbox-reserve.js';
import { decideOutcome, stopSwitch } from './outcome.js';
import { ownPgid, procIdentity } from './process-group.js';
import { buildPrompt } from './prompt.js';
import { describeCommand, logCapBytes, RunLog, runLogPath, type Tee } from './run-log.js';
import { deferredLine, finishedLine, lateLine, notLiveLine } from './closing-line.js';
import { superviseProcess, type ProcessResult } from './supervise.js';
import { runVerify, type VerifyReport } from './verify.js';
import { chooseModel } from '../core/routing.js';

/** The babysitter's I/O and knobs, passed in (tests drive every one of them). */
export interface BabysitDeps {
  store: Store;
  workspace: Workspace;
  config: Config;
  /** The clock for every operation (ms). Default Date.now. */
  now?: () => number;
  actor?: string;
  /** SIGTERM → SIGKILL grace for the CLI's process group. Default 5000. */
  graceMs?: number;
  /** How often the run's liveness is read (a cancel is noticed within this). Default 2000. */
  pollMs?: number;
  /** Time limit of each verify command. Default 10 minutes. */
  verifyTimeoutMs?: number;
  /** The environment the CLI inherits (its profile's env is added). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A live copy of the output (the terminal), or null. */
  tee?: Tee | null;
  /** Progress lines for a person. */
  log?: (line: string) => void;
  /** Aborted (reason: a StopReason) when the babysitter itself is told to stop. */
  signal?: AbortSignal;
  supervise?: typeof superviseProcess;
}

/** How one babysat run ended, from the babysitter's side. */
export interface BabysitResult {
  run_id: number;
  task_id: number;
  /** completed/failed: recorded; lease_lost: the run was not ours any more; deferred: in the outbox; interrupted: we were stopped. */
  status: 'completed' | 'failed' | 'lease_lost' | 'deferred' | 'interrupted';
  task_status?: string;
  kind?: string;
  error?: string;
  log_path: string;
  outbox_path?: string;
  signal?: string;
}

interface Prepared {
  file: string;
  args: string[];
  prompt: string;
  workdir: string;
  env: NodeJS.ProcessEnv;
  profile: AgentProfile;
  /** The run's own git worktree (isolation: worktree), closed with a commit at the end. */
  wd: RunWorkdir;
  /** The prompt goes on stdin (the adapter says so) rather than in args. */
  stdin?: string;
  /** The prompt file of a {prompt_file} command, removed when the run ends. */
  promptFile?: string;
  stallOn: 'output' | 'output-or-cpu';
  /** The start-up allowance (ms): the profile's startSeconds or the adapter's. */
  startMs?: number;
}

/** Writes the prompt for {prompt_file}: mode 0600, replacing any file of that name (never through a link). */
function writePromptFile(path: string, prompt: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, prompt, { mode: 0o600, flag: 'wx' });
}

function prepare(deps: BabysitDeps, run: Run, task: Task, ctx: () => OpContext): Prepared | { error: string } {
  const profile = profileOf(deps.config, run.agent);
  if (!profile) return { error: `no agent profile "${run.agent}" in .steward/config.yaml` };
  try {
    const wd = openRunWorkdir({ ...deps, task, run, ctx });
    const workdir = wd.workdir;
    const prompt = buildPrompt(task, taskContext(deps.store, task), { workdir, git: wd.isolated ? wd : undefined });
    const base = deps.env ?? process.env;
    // The CLI's own retries kept small (retry-knobs.ts): a settings-defaults file (gemini, qwen) under the profile's env.
    const knobs = settingsDefaultsEnv(profile.cli, deps.workspace.stewardDir, base);
    const env = childEnv(base, profile.cli, { ...knobs, ...profile.env }, { root: deps.workspace.root, runId: run.id, taskId: task.id });
    const provider = profile.cli === 'codex' ? codexProviderOf(env) : undefined;
    // Routing: the model for this task (its complexity, or the first matching rule); passed the adapter's way (--model).
    const model = chooseModel(run.agent, profile, task, deps.config.routing);
    const routed = model === profile.model ? profile : { ...profile, model };
    const promptFile = runLogPath(deps.workspace, task.id, run.id).replace(/\.log$/, '.prompt.md');
    const inv = getAdapter(profile.cli).build(routed, { prompt, taskId: task.id, workdir, promptFile, ...(provider ? { provider } : {}) });
    // {prompt_file}: the prompt in a file only this user can read, removed when the run ends.
    if (inv.promptFile) writePromptFile(inv.promptFile, prompt);
    const adapter = getAdapter(profile.cli);
    const stallOn = adapter.streamsEvents ? 'output' : 'output-or-cpu';
    const startSeconds = profile.startSeconds ?? adapter.startSeconds;
    return {
      file: binOf(inv.file, deps.workspace.root), args: inv.args, prompt, workdir, env, profile: routed, wd, stallOn,
      ...(startSeconds !== undefined ? { startMs: startSeconds * 1000 } : {}),
      ...(inv.stdin !== undefined ? { stdin: inv.stdin } : {}), ...(inv.promptFile ? { promptFile: inv.promptFile } : {}),
    };
  } catch (err) {
    return { error: toStewardError(err).message };
  }
}

/** The lease a babysat run keeps: its profile's (a hand-off lease is only for the wait until a babysitter starts). */
export function leaseSecondsOf(deps: BabysitDeps, run: Run): number {
  return profileOf(deps.config, run.agent)?.leaseSeconds ?? Math.max(5, Math.round(run.lease_ms / 1000));
}

/** Runs `fn` without waking `steward up` (no ping, no Postgres NOTIFY): for writes the tick has nothing to do about. */
export function withoutWakeUp<T>(store: Store, fn: () => T): T {
  return store.quietly(fn);
}

const notStarted = (error: string): ProcessResult => ({ ended: 'spawn_error', stdout: '', stderr: '', exitCode: null, signal: null, durationMs: 0, error });

/** What a babysitter records about itself on its run: this process, its group when it leads one, its log. */
export function selfRecord(workspace: Workspace, run: Run): { host: string; pid: number; pgid?: number; proc_start: string | null; log_path: string } {
  // Our own group is recorded only when we lead it (dispatched, detached): a terminal's job group is not ours to kill.
  const pgid = ownPgid() === process.pid ? process.pid : undefined;
  return { host: hostname(), pid: process.pid, ...(pgid !== undefined ? { pgid } : {}), proc_start: procIdentity(process.pid), log_path: runLogPath(workspace, run.task_id, run.id) };
}

/**
 * Runs the CLI of a claimed run under supervision, verifies, and records the outcome (or leaves it in the outbox).
 * `recorded`: the caller already wrote `selfRecord` and the profile's lease on the run (workRun, in the transaction
 * that made this process the run's babysitter); otherwise they are the first writes here.
 */
export async function babysitRun(deps: BabysitDeps, run: Run, task: Task, opts: { recorded?: ReturnType<typeof selfRecord> } = {}): Promise<BabysitResult> {
  const { store, workspace } = deps;
  const now = deps.now ?? (() => store.now());
  const say = deps.log ?? (() => {});
  const ctx = (): OpContext => ({ now: now(), actor: deps.actor ?? `worker:${run.agent}`, backoff: backoffPolicyOf(deps.config) });
  const supervise = deps.supervise ?? superviseProcess;
  const graceMs = deps.graceMs ?? 5000;
  const log = new RunLog(runLogPath(workspace, task.id, run.id), deps.tee ?? null, logCapBytes(profileOf(deps.config, run.agent)));
  const base = { run_id: run.id, task_id: task.id, log_path: log.path };
  // Room for the outcome, taken as the CLI starts (its fsync is not on the way to the CLI's start), or before the outcome
  // of a run whose CLI never started: a disk that fills up during the run cannot lose it.
  const reserve = reserveOnce(workspace.outboxDir, run.id, say);
  const tryDb = <T>(what: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      const e = toStewardError(err);
      say(`run ${run.id}: ${what} failed (${e.code}): ${e.message}`);
      return undefined;
    }
  };
  try {
    const self = opts.recorded ?? selfRecord(workspace, run);
    // A run handed to OpenClaw was claimed with a short hand-off lease; from here on it gets the profile's.
    const leaseSeconds = leaseSecondsOf(deps, run);
    if (!opts.recorded) {
      if (tryDb('recording the worker', () => recordRunProcess(store, run.id, self)) === false) {
        log.line(notLiveLine(run.id));
        return { ...base, status: 'lease_lost', error: 'the run was no longer live when the babysitter started' };
      }
      try {
        heartbeatRun(store, { run_id: run.id, lease_seconds: leaseSeconds }, ctx());
      } catch (err) {
        const e = toStewardError(err);
        if (e.code === 'LEASE_LOST') {
          log.line(notLiveLine(run.id));
          return { ...base, status: 'lease_lost', error: e.message };
        }
        say(`run ${run.id}: extending the lease failed (${e.code}): ${e.message}`);
      }
    }
    const prep = prepare(deps, run, task, ctx);
    if (!('error' in prep) && prep.profile.model) tryDb('recording the model', () => recordRunProcess(store, run.id, { model: prep.profile.model }));
    const profile = 'error' in prep ? deps.config.agents[run.agent] : prep.profile;
    const caps: RunCaps = tryDb('reading the run caps', () => runCapsOf(store, task.id, profile)) ?? {};
    const plainTimeoutMs = (task.timeout_seconds ?? profile?.timeoutSeconds ?? 1800) * 1000;
    const budgetMinutesMs = caps.maxMinutes !== undefined && caps.maxMinutes * 60_000 < plainTimeoutMs ? Math.round(caps.maxMinutes * 60_000) : undefined;
    const timeoutMs = budgetMinutesMs ?? plainTimeoutMs;
    const stallMs = (profile?.stallSeconds ?? 300) * 1000;
    log.line(`run ${run.id} of task #${task.id} (${task.title}) by ${run.agent} on ${self.host}, babysitter pid ${process.pid}`);

    const stopped = stopSwitch(deps.signal);
    const halt = stopped.halt;
    // The CLI's running usage, read from its stream: checked against the run caps, written on the run with each beat.
    const meter: UsageMeter | undefined = 'error' in prep ? undefined : createUsageMeter(prep.profile.cli);
    const decoder = new StringDecoder('utf8');
    const startedAt = now();
    let recorded = '';
    const recordUsage = () => {
      const usage = meter?.usage();
      const text = JSON.stringify(usage ?? {});
      if (!usage || text === '{}' || text === recorded) return;
      recorded = text;
      tryDb('recording the usage', () => store.budgets.recordUsage(run.id, usage));
    };
    const lease = keepLease({
      heartbeat: () => {
        heartbeatRun(store, { run_id: run.id, lease_seconds: leaseSeconds }, ctx());
        recordUsage();
      },
      isLive: () => store.read(() => runLiveness(store.runs.get(run.id)!, store.tasks.get(task.id), now()) === 'live'),
      heartbeatMs: Math.floor((leaseSeconds * 1000) / 3),
      pollMs: deps.pollMs ?? 2000,
      onLost: (why) => halt({ kind: 'lease_lost', why }),
      log: (line) => say(`run ${run.id}: ${line}`),
    });
    // The run may have been reaped (lease expired under load) or cancelled while the CLI was being prepared: then the
    // tick's kill of the run's processes came before this CLI existed, and a new run of the task may start any moment.
    // Stop it at once rather than at the next liveness poll, so two CLIs of one task never overlap.
    const onStart = (pid: number) => {
      // Quiet (no wake-up ping): `up` has nothing to decide on it, and a tick now would compete with the CLI's start.
      if (tryDb('recording the process group', () => withoutWakeUp(store, () => recordRunProcess(store, run.id, { pgid: pid }))) === false) {
        halt({ kind: 'lease_lost', why: `run ${run.id} was no longer live when its CLI started` });
      }
      reserve();
    };
    const capped = !noCaps(caps);
    const output = (chunk: Buffer) => log.write(chunk);
    const cliOutput = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
      log.write(chunk);
      if (!meter || stream !== 'stdout') return;
      // Checked after each usage event, so the cap reported is the one crossed first, at the event that crossed it.
      // A final result is the run's end: nothing is left to stop (its totals are recorded with the outcome).
      meter.push(decoder.write(chunk), () => {
        const over = capped && !stopped.reason() && !meter.final() ? overCap(caps, meter.usage(), now() - startedAt) : undefined;
        if (!over) return;
        log.line(`run ${run.id}: ${over.cap} reached (${over.value}/${over.limit}); stopping the CLI`);
        halt({ kind: 'budget', over });
      });
    };
    let proc: ProcessResult;
    let verify: VerifyReport | undefined;
    let verdict: Verdict;
    try {
      if ('error' in prep) proc = notStarted(prep.error);
      else {
        const fed = prep.stdin !== undefined ? `  < <prompt: ${prep.stdin.length} chars>` : '';
        log.line(`$ ${describeCommand(prep.file, prep.args, prep.prompt)}${fed}  (in ${prep.workdir})`);
        say(`run ${run.id}: task #${task.id} → ${prep.profile.cli} (log ${log.path})`);
        proc = stopped.reason() ? notStarted('stopped before the CLI started') : await supervise({
          file: prep.file, args: prep.args, cwd: prep.workdir, env: prep.env, timeoutMs, stallMs, stallOn: prep.stallOn, graceMs,
          ...(prep.startMs !== undefined ? { startMs: prep.startMs } : {}),
          signal: stopped.signal, onOutput: cliOutput, onStart, ...(prep.stdin !== undefined ? { stdin: prep.stdin } : {}),
        });
      }
      log.line(`CLI ended: ${proc.ended}, exit ${proc.exitCode ?? proc.signal ?? '-'}, ${proc.durationMs} ms${proc.error ? `: ${proc.error}` : ''}`);
      // A tool the CLI ran in another session (nohup … &) outlives the CLI's group; it still carries STEWARD_RUN_ID.
      if (!('error' in prep)) await sweepRunLeftovers(workspace.root, run.id, graceMs, "the CLI, outside the CLI's group", (l) => log.line(l));
      // A killed CLI's partial output is still read: its cost, tokens and session id are worth keeping.
      verdict = 'error' in prep || proc.ended === 'spawn_error' ? { ok: false, summary: '' } : getAdapter(prep.profile.cli).parse(proc);
      // Qwen Code logs its retries ("Attempt N failed with status 429") in its session's debug log, not on stderr.
      if (!('error' in prep) && proc.ended !== 'spawn_error') {
        const retryLog = cliRetryLog(prep.profile.cli, prep.env, prep.workdir, verdict.session_id);
        if (retryLog) verdict = getAdapter(prep.profile.cli).parse({ ...proc, retryLog });
      }
      if (!stopped.reason() && proc.ended === 'exit' && verdict.ok && task.verify.length && !('error' in prep)) {
        verify = await runVerify(task.verify, {
          cwd: prep.workdir, env: verifyEnv(deps.env ?? process.env, { root: workspace.root, runId: run.id, taskId: task.id }), timeoutMs: deps.verifyTimeoutMs ?? 600_000,
          graceMs, signal: stopped.signal, supervise, onOutput: output, onStart,
          onCommand: (command) => log.line(`verify: ${command}`),
        });
        // A process a verify command started in a new session carries the run's ids too (verifyEnv).
        await sweepRunLeftovers(workspace.root, run.id, graceMs, 'the verify commands', (l) => log.line(l));
      }
    } finally {
      lease.stop();
      stopped.dispose();
      if (!('error' in prep) && prep.promptFile) rmSync(prep.promptFile, { force: true });
    }
    reserve();
    const decision = decideOutcome({ process: proc, verdict, verify, verifyNeeded: task.verify.length > 0, stop: stopped.reason(), usage: meter?.usage(), budgetMinutesMs, timeoutMs, stallMs, startMs: 'error' in prep ? undefined : prep.startMs, stallOn: 'error' in prep ? undefined : prep.stallOn, logPath: log.path });
    // Whatever the outcome, the run's changes are committed on its task branch before anything is reported.
    if (!('error' in prep)) endRunWorkdir({ ...deps, task, run, ctx }, prep.wd, decision, (line) => log.line(line));
    if (decision.verb === 'none') {
      log.line(notLiveLine(run.id, decision.why));
      return { ...base, status: 'lease_lost', error: decision.why };
    }
    if (log.truncated) {
      say(`run ${run.id}: the log ${log.path} stopped being written (${log.truncated}); the outcome is kept all the same`);
      decision.input.evidence = { ...(decision.input.evidence as Record<string, unknown> | undefined), log_truncated: log.truncated };
    }
    const cut = fitEvidence(decision.input);
    if (cut) log.line(`the outcome's evidence was cut: ${cut}`);
    // The babysitter runs without zod (its inputs are checked by hand: core/fast-input.ts); an outcome the hand check
    // is unsure of loads the schemas and is delivered again (validation comes before any write).
    const deliver = () => deliverOutcome(deps, run, task, decision, ctx);
    let delivered: Delivered;
    try {
      delivered = deliver();
    } catch (err) {
      if (!(err instanceof SchemasNotLoaded)) throw err;
      await loadSchemas();
      delivered = deliver();
    }
    const kind = decision.verb === 'fail' ? String(decision.input.kind) : undefined;
    const stop = stopped.reason();
    // Stopped by a signal: recorded as lost, unless the CLI had already ended on its own (its outcome is recorded).
    const lost = decision.verb === 'fail' && decision.input.kind === 'lost';
    const interrupted = stop?.kind === 'signal' && lost ? { status: 'interrupted' as const, signal: stop.signal } : undefined;
    if (delivered.status === 'deferred') {
      log.line(deferredLine(run.id, delivered.error, delivered.path));
      return { ...base, status: 'deferred', kind, error: delivered.error, outbox_path: delivered.path };
    }
    if (delivered.status === 'lease_lost') {
      log.line(lateLine(run.id, delivered.reason));
      return { ...base, status: 'lease_lost', kind, error: delivered.reason };
    }
    let taskStatus: string | undefined = delivered.status === 'applied' ? delivered.task.status : store.read(() => store.tasks.get(task.id)?.status);
    // Done without review: the branch merges back now (done, or blocked with the conflicting files named).
    if (taskStatus === 'review' && !('error' in prep) && prep.wd.isolated) taskStatus = mergeAfterRun({ ...deps, ctx }, task.id, (line) => log.line(line)) ?? taskStatus;
    const status = decision.verb === 'complete' ? 'completed' : 'failed';
    const error = decision.verb === 'fail' ? String(decision.input.error) : undefined;
    log.line(finishedLine(run.id, status, kind, task.id, taskStatus));
    return { ...base, status, task_status: taskStatus, kind, error, ...interrupted };
  } finally {
    log.close();
    releaseOutboxReserve(workspace.outboxDir, run.id);
  }
}

type Delivered = RecordOutcomeResult | { status: 'deferred'; path: string; error: string };

/** Write-ahead: the outcome goes to the outbox first, then to the store; the file goes once the store has it. */
function deliverOutcome(deps: BabysitDeps, run: Run, task: Task, record: Pick<OutboxEntry, 'verb' | 'input'>, ctx: () => OpContext): Delivered {
  const dir = deps.workspace.outboxDir;
  const entry: OutboxEntry = {
    version: 1, run_id: run.id, task_id: task.id, verb: record.verb, input: record.input,
    decided_at: deps.now ? deps.now() : deps.store.now(), host: hostname(), pid: process.pid,
  };
  const path = writeOutboxOrReserve(dir, entry, (line) => deps.log?.(line));
  if (path === undefined) deps.log?.(`run ${run.id}: writing the outcome to the database only`);
  try {
    const result = applyOutboxEntry(deps.store, entry, ctx());
    if (path) removeOutboxEntry(dir, run.id);
    return result;
  } catch (err) {
    const e = toStewardError(err);
    if ((e.code === 'BUSY' || e.code === 'UNAVAILABLE') && path) return { status: 'deferred', path, error: `${e.code}: ${e.message}` };
    throw e;
  }
}
