// `steward work --server URL --token T --agent A`: a babysitter on a machine with no database. It claims, heartbeats,
// streams its log and reports through the worker API (worker-api.ts); each outcome goes to a local outbox first and
// leaves it only once the server has it, so a server that is down when the CLI ends gets the outcome when it is back.
import { readFrom, readRegularText } from '../files/read-from.js';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createUsageMeter, getAdapter, type UsageMeter, type Verdict } from '../core/adapters/index.js';
import { noCaps, overCap } from '../core/budget.js';
import { StewardError, toStewardError } from '../core/errors.js';
import { childEnv, verifyEnv } from '../runner/child-env.js';
import { fitEvidence } from '../runner/fit-evidence.js';
import { sweepRunLeftovers } from '../runner/leftovers.js';
import { removeOutboxEntry, setAsideEntry, writeOutboxOrReserve, type OutboxEntry } from '../runner/outbox.js';
import { dropOrphanedReserves, releaseOutboxReserve, reserveOnce } from '../runner/outbox-reserve.js';
import { outboxEntrySchema } from '../runner/outbox-schema.js';
import { decideOutcome, stopSwitch, type StopReason } from '../runner/outcome.js';
import { codexProviderOf, settingsDefaultsEnv } from '../runner/retry-knobs.js';
import { finishedLine } from '../runner/closing-line.js';
import { describeCommand, logCapBytes, RunLog, type Tee } from '../runner/run-log.js';
import { superviseProcess, type ProcessResult } from '../runner/supervise.js';
import { runVerify, type VerifyReport } from '../runner/verify.js';
import { HEARTBEAT_USAGE_MAX, LOG_CHUNK_BYTES, MAX_CLAIM_WAIT_SECONDS } from './worker-api.js';
import type { RefusedForRemote, RemoteClaim, WorkerClient } from './worker-client.js';

/** The remote babysitter's I/O and knobs. */
export interface RemoteWorkOptions {
  client: WorkerClient;
  agent: string;
  /** Its own folder: `.steward-remote/outbox` (outcomes not yet delivered) and `.steward-remote/logs`. */
  dir: string;
  /** Where the CLI runs. Default `dir`. */
  workdir?: string;
  /** The environment the CLI inherits (its profile's env is added). Default process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: (line: string) => void;
  tee?: Tee | null;
  /** Stop after one task. */
  once?: boolean;
  /**
   * `--wait`: when nothing is claimable, wait for work instead of stopping: each ask is a long poll the server holds
   * up to this many ms (at most MAX_CLAIM_WAIT_SECONDS) and answers as soon as a task is claimed for this worker, so
   * this is the longest the worker goes without asking again. A server without the long poll is asked every this
   * many ms (or when a pause ends, if sooner). Unset: stop.
   */
  waitPollMs?: number;
  graceMs?: number;
  /** How often new log bytes are sent while the CLI runs (ms). Default 1000. */
  shipMs?: number;
  /** How often the run's liveness is asked while the CLI runs (ms): a cancel stops it then. Default 2000. */
  pollMs?: number;
  /** Waits between tries while the server cannot be reached: from `min`, doubling up to `max` (ms). */
  retryMs?: { min: number; max: number };
  verifyTimeoutMs?: number;
  supervise?: typeof superviseProcess;
}

/** How one remote run ended, from the worker's side. */
export interface RemoteRunResult {
  run_id: number;
  task_id: number;
  /**
   * completed/failed: the server has it; deferred: still in the local outbox; lease_lost: not ours any more; rejected:
   * the server refused the outcome outright (set aside in outbox/rejected/ with the reason; the run is reaped there).
   */
  status: 'completed' | 'failed' | 'lease_lost' | 'deferred' | 'rejected';
  task_status?: string;
  kind?: string;
  error?: string;
  log_path: string;
}

/** Why the loop ended; `stopped`: a stop signal while it waited for work (`waitPollMs`), nothing in hand. */
export type RemoteStop = 'empty' | 'paused' | 'held' | 'once' | 'signal' | 'stopped';

export interface RemoteWorkResult {
  results: RemoteRunResult[];
  /** Outcomes delivered from the outbox (left by an earlier run of this worker, or deferred in this one). */
  delivered: number[];
  stopped: RemoteStop;
  paused_until?: number;
  /** stopped 'held': the WIP cap or scope budget that keeps this profile from claiming now. */
  held?: { cap: string; reason: string };
  /** Ready tasks the server would not hand to a remote worker (the last claim's list), with the reason. */
  refused?: RefusedForRemote[];
}

/**
 * The long poll's wait of one idle ask (`wait_seconds`) for `waitPollMs` (`--poll-seconds`): whole seconds, 1 to
 * MAX_CLAIM_WAIT_SECONDS. The request and the worker's "waiting for work" line both use this one value.
 */
export function longPollSeconds(waitPollMs: number): number {
  return Math.max(1, Math.min(MAX_CLAIM_WAIT_SECONDS, Math.floor(waitPollMs / 1000)));
}

/** The worker's own folders. */
export function remoteDirs(dir: string): { root: string; outbox: string; logs: string } {
  const root = join(dir, '.steward-remote');
  return { root, outbox: join(root, 'outbox'), logs: join(root, 'logs') };
}

const unreachable = (e: StewardError): boolean => e.code === 'UNAVAILABLE' || e.code === 'BUSY';

/** Sleeps `ms`, or less when `signal` aborts; true when it slept the whole time. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (whole: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(whole);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The meter's usage as the heartbeat takes it: tokens and turns whole (a CLI may print 1.5), each within
 * HEARTBEAT_USAGE_MAX. One odd figure in a CLI's stream made every heartbeat VALIDATION, and the run lost its lease.
 */
export function heartbeatUsage(usage: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, max] of Object.entries(HEARTBEAT_USAGE_MAX)) {
    const v = usage[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = Math.min(max, key === 'cost_usd' ? v : Math.round(v));
  }
  return out;
}

/** Sends a run's log from where the server's copy ends; false when the server cannot be reached. */
class LogShipper {
  private sent: number | undefined;
  private busy: Promise<boolean> | undefined;
  /** Why the last ship failed when the server could not be reached (undefined when it did not fail so). */
  unreachable: string | undefined;
  /** The server's copy reached its cap (CONFLICT, reason log_cap): nothing more is sent; the whole log stays here. */
  private full = false;
  /** The last failure said (each ship tries again, every second: the same refusal is said once, not at every try). */
  private told: string | undefined;

  constructor(
    private readonly client: WorkerClient,
    private readonly runId: number,
    private readonly taskId: number,
    private readonly path: string,
    private readonly say: (line: string) => void,
  ) {}

  ship(): Promise<boolean> {
    this.busy ??= this.shipNow().finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async shipNow(): Promise<boolean> {
    if (this.full) return true;
    try {
      this.sent ??= (await this.client.log(this.runId, 0, Buffer.alloc(0), this.taskId)).size;
      for (;;) {
        const chunk = readFrom(this.path, this.sent, LOG_CHUNK_BYTES);
        if (chunk.length === 0) {
          this.told = undefined;
          return true;
        }
        try {
          this.sent = (await this.client.log(this.runId, this.sent, chunk, this.taskId)).size;
        } catch (err) {
          const e = toStewardError(err);
          // The server's copy is shorter than we thought (it was restored, or a chunk was lost): resend from its end.
          if (e.code === 'CONFLICT' && typeof e.details.size === 'number') this.sent = e.details.size;
          else throw e;
        }
      }
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'CONFLICT' && e.details.reason === 'log_cap') {
        this.full = true;
        this.say(`run ${this.runId}: the server keeps no more of its log (${e.message}); the whole log stays in ${this.path}`);
        return true;
      }
      const failed = `run ${this.runId}: sending the log failed (${e.code}): ${e.message}`;
      if (!unreachable(e) && failed !== this.told) this.say(failed);
      if (!unreachable(e)) this.told = failed;
      this.unreachable = unreachable(e) ? `${e.code}: ${e.message}` : undefined;
      return false;
    }
  }
}

/** The local log of a run (same name as on the server). */
const logPathOf = (dir: string, taskId: number, runId: number): string => join(remoteDirs(dir).logs, `${taskId}-${runId}.log`);

type Delivery = { status: 'applied' | 'duplicate' | 'lease_lost'; task_status?: string; reason?: string } | { status: 'unreachable'; error: string } | { status: 'rejected'; error: string };

/** Sends the rest of the run's log, then its outcome; the outbox file goes once the server has answered for good. */
async function deliver(o: RemoteWorkOptions, entry: OutboxEntry, running?: LogShipper): Promise<Delivery> {
  const say = o.log ?? (() => {});
  const { outbox } = remoteDirs(o.dir);
  // The rest of the log goes before the outcome: a server that cannot take it yet gets the outcome later too.
  const shipper = running ?? new LogShipper(o.client, entry.run_id, entry.task_id, logPathOf(o.dir, entry.task_id, entry.run_id), say);
  if (!(await shipper.ship()) && shipper.unreachable) return { status: 'unreachable', error: `the log could not be sent yet: ${shipper.unreachable}` };
  try {
    const answer = await o.client.outcome(entry);
    removeOutboxEntry(outbox, entry.run_id);
    return { status: answer.status, task_status: answer.task?.status, reason: answer.reason };
  } catch (err) {
    const e = toStewardError(err);
    if (unreachable(e)) return { status: 'unreachable', error: `${e.code}: ${e.message}` };
    // The token refused (revoked, rotated), an answer that is not the worker API's (a login page, a wrong URL, a
    // server error), or a --server port fetch never connects to: nothing judged this outcome. It stays in the outbox
    // and the worker stops (FORBIDDEN: exit 4).
    if (e.code === 'FORBIDDEN' || e.code === 'INTERNAL' || e.details.reason === 'blocked_port') {
      throw new StewardError(e.code, `${e.message}; run ${entry.run_id}'s outcome stays in ${outbox}: start steward work again in this folder (with a valid worker token of the name that claimed the run) to deliver it`, e.details);
    }
    setAsideEntry(outbox, `${entry.run_id}.json`, `${e.code}: ${e.message}`);
    say(`run ${entry.run_id}: the server refused its outcome (${e.code}: ${e.message}); kept in ${join(outbox, 'rejected')}`);
    return { status: 'rejected', error: `${e.code}: ${e.message}` };
  }
}

/** The outcomes waiting in outbox folder `outbox` (`<run>.json`), oldest run first. */
export function waitingOutcomes(outbox: string): string[] {
  try {
    return readdirSync(outbox).filter((n) => /^\d+\.json$/.test(n)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  } catch {
    return [];
  }
}

/**
 * Delivers every outcome waiting in the local outbox, oldest run first, trying again (with a growing wait) while the
 * server cannot be reached. Returns the runs delivered; stops early only when `signal` aborts.
 */
export async function deliverOutbox(o: RemoteWorkOptions): Promise<{ delivered: number[]; done: boolean }> {
  const say = o.log ?? (() => {});
  const { outbox } = remoteDirs(o.dir);
  const retry = o.retryMs ?? { min: 500, max: 10_000 };
  const delivered: number[] = [];
  let wait = retry.min;
  // The reserves of a worker that died mid-run (its outcome lost with it: the server reaps the run).
  dropOrphanedReserves(outbox);
  for (;;) {
    const names = waitingOutcomes(outbox);
    if (names.length === 0) return { delivered, done: true };
    let blocked: string | undefined;
    for (const name of names) {
      let entry: OutboxEntry;
      try {
        // Only a regular file is read: a FIFO put here would block the worker before its first claim (outbox.ts too).
        entry = outboxEntrySchema.parse(JSON.parse(readRegularText(join(outbox, name))));
        // Delivered, `<run_id>.json` is what goes: under another name (7.json copied to 5.json, or 007.json) the entry
        // would stay and be sent again and again, in a loop that never sleeps.
        if (`${entry.run_id}.json` !== name) throw new Error(`file name does not match run_id ${entry.run_id}`);
      } catch (err) {
        setAsideEntry(outbox, name, `unreadable outbox entry: ${(err as Error).message}`);
        continue;
      }
      const d = await deliver(o, entry);
      if (d.status === 'unreachable') {
        blocked = d.error;
        break;
      }
      if (d.status !== 'rejected') {
        delivered.push(entry.run_id);
        say(`run ${entry.run_id}: outcome delivered from the outbox (${d.status}${d.task_status ? `, task #${entry.task_id} ${d.task_status}` : ''})`);
      }
      wait = retry.min;
    }
    if (blocked === undefined) continue;
    say(`server unreachable (${blocked}); ${names.length} outcome(s) kept in ${outbox}, trying again in ${wait} ms`);
    if (!(await sleep(wait, o.signal))) return { delivered, done: false };
    wait = Math.min(retry.max, wait * 2);
  }
}

/** Runs one claimed task's CLI under supervision, verifies, and reports the outcome (or keeps it in the outbox). */
export async function runRemoteClaim(o: RemoteWorkOptions, claim: RemoteClaim): Promise<RemoteRunResult> {
  const say = o.log ?? (() => {});
  const { task, run, profile, caps, prompt } = claim;
  const dirs = remoteDirs(o.dir);
  const workdir = o.workdir ?? o.dir;
  const graceMs = o.graceMs ?? 5000;
  const supervise = o.supervise ?? superviseProcess;
  const logPath = logPathOf(o.dir, task.id, run.id);
  const log = new RunLog(logPath, o.tee ?? null, logCapBytes(profile));
  const shipper = new LogShipper(o.client, run.id, task.id, logPath, say);
  const base = { run_id: run.id, task_id: task.id, log_path: logPath };
  const leaseSeconds = profile.leaseSeconds;
  const plainTimeoutMs = (task.timeout_seconds ?? profile.timeoutSeconds) * 1000;
  const budgetMinutesMs = caps.maxMinutes !== undefined && caps.maxMinutes * 60_000 < plainTimeoutMs ? Math.round(caps.maxMinutes * 60_000) : undefined;
  const timeoutMs = budgetMinutesMs ?? plainTimeoutMs;
  const stallMs = profile.stallSeconds * 1000;
  const adapter = getAdapter(profile.cli);
  const stallOn = adapter.streamsEvents ? 'output' : 'output-or-cpu';
  log.line(`run ${run.id} of task #${task.id} (${task.title}) by ${o.agent} on ${hostname()} (remote worker), pid ${process.pid}`);
  // Room for the outcome, as the local babysitter takes it (babysit.ts): a disk the agent fills cannot lose the outcome.
  const reserve = reserveOnce(dirs.outbox, run.id, say);

  const stopped = stopSwitch(o.signal);
  const halt = stopped.halt;

  const meter: UsageMeter = createUsageMeter(profile.cli);
  const decoder = new StringDecoder('utf8');
  const startedAt = Date.now();
  const capped = !noCaps(caps);
  // Heartbeats carry the usage so far; LEASE_LOST (cancelled, superseded, expired) stops the CLI. An unreachable
  // server is tried again at the next beat: the lease has slack, and the outcome waits in the outbox either way.
  const beat = async () => {
    try {
      await o.client.heartbeat(run.id, leaseSeconds, heartbeatUsage(meter.usage() as Record<string, number | undefined>));
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'LEASE_LOST') halt({ kind: 'lease_lost', why: e.message });
      else say(`run ${run.id}: heartbeat failed (${e.code}): ${e.message}`);
    }
  };
  const beats = setInterval(() => void beat(), Math.max(1000, Math.floor((leaseSeconds * 1000) / 3)));
  // A read-only liveness poll between beats, as the local babysitter's (lease-keeper.ts): an empty log chunk, answered
  // with the run's liveness. A task cancelled on the server stops its CLI now, not at the next beat (a third of the lease).
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const { live } = await o.client.log(run.id, 0, Buffer.alloc(0), task.id);
      if (typeof live === 'string' && live !== 'live') halt({ kind: 'lease_lost', why: `the run is ${live} on the server` });
    } catch {
      // Unreachable or refused: the heartbeat says so, and decides.
    } finally {
      polling = false;
    }
  };
  const polls = setInterval(() => void poll(), Math.max(10, o.pollMs ?? 2000));
  const ships = setInterval(() => void shipper.ship(), Math.max(50, o.shipMs ?? 1000));

  let proc: ProcessResult;
  let verify: VerifyReport | undefined;
  let verdict: Verdict;
  let promptFile: string | undefined;
  try {
    const env0 = o.env ?? process.env;
    const knobs = settingsDefaultsEnv(profile.cli, dirs.root, env0);
    const env = childEnv(env0, profile.cli, { ...knobs, ...profile.env }, { root: o.dir, runId: run.id, taskId: task.id });
    const provider = profile.cli === 'codex' ? codexProviderOf(env) : undefined;
    const inv = adapter.build(profile, { prompt, taskId: task.id, workdir, promptFile: logPath.replace(/\.log$/, '.prompt.md'), ...(provider ? { provider } : {}) });
    if (inv.promptFile) {
      promptFile = inv.promptFile;
      mkdirSync(dirname(promptFile), { recursive: true });
      rmSync(promptFile, { force: true });
      writeFileSync(promptFile, prompt, { mode: 0o600, flag: 'wx' });
    }
    mkdirSync(workdir, { recursive: true });
    log.line(`$ ${describeCommand(inv.file, inv.args, prompt)}  (in ${workdir})`);
    say(`run ${run.id}: task #${task.id} → ${profile.cli} (log ${logPath})`);
    const cliOutput = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
      log.write(chunk);
      if (stream !== 'stdout') return;
      meter.push(decoder.write(chunk), () => {
        const over = capped && !stopped.reason() && !meter.final() ? overCap(caps, meter.usage(), Date.now() - startedAt) : undefined;
        if (!over) return;
        log.line(`run ${run.id}: ${over.cap} reached (${over.value}/${over.limit}); stopping the CLI`);
        halt({ kind: 'budget', over });
      });
    };
    proc = stopped.reason()
      ? { ended: 'spawn_error', stdout: '', stderr: '', exitCode: null, signal: null, durationMs: 0, error: 'stopped before the CLI started' }
      : await supervise({
        file: inv.file, args: inv.args, cwd: workdir, env, timeoutMs, stallMs, stallOn, graceMs, signal: stopped.signal, onOutput: cliOutput, onStart: reserve,
        ...(inv.stdin !== undefined ? { stdin: inv.stdin } : {}),
      });
    log.line(`CLI ended: ${proc.ended}, exit ${proc.exitCode ?? proc.signal ?? '-'}, ${proc.durationMs} ms${proc.error ? `: ${proc.error}` : ''}`);
    await sweepRunLeftovers(o.dir, run.id, graceMs, "the CLI, outside the CLI's group", (l) => log.line(l));
    verdict = proc.ended === 'spawn_error' ? { ok: false, summary: '' } : adapter.parse(proc);
    if (!stopped.reason() && proc.ended === 'exit' && verdict.ok && task.verify.length) {
      verify = await runVerify(task.verify, {
        cwd: workdir, env: verifyEnv(env0, { root: o.dir, runId: run.id, taskId: task.id }), timeoutMs: o.verifyTimeoutMs ?? 600_000, graceMs,
        signal: stopped.signal, supervise, onOutput: (chunk) => log.write(chunk), onCommand: (command) => log.line(`verify: ${command}`),
      });
      await sweepRunLeftovers(o.dir, run.id, graceMs, 'the verify commands', (l) => log.line(l));
    }
  } catch (err) {
    proc = { ended: 'spawn_error', stdout: '', stderr: '', exitCode: null, signal: null, durationMs: 0, error: toStewardError(err).message };
    verdict = { ok: false, summary: '' };
  } finally {
    clearInterval(beats);
    clearInterval(polls);
    clearInterval(ships);
    stopped.dispose();
    if (promptFile) rmSync(promptFile, { force: true });
  }
  reserve();
  try {
    const decision = decideOutcome({ process: proc, verdict, verify, verifyNeeded: task.verify.length > 0, stop: stopped.reason(), usage: meter.usage(), budgetMinutesMs, timeoutMs, stallMs, stallOn, logPath: run.log_path });
    if (decision.verb === 'none') {
      log.line(`run ${run.id} is no longer live (${decision.why}); its CLI was stopped and nothing is reported`);
      log.close();
      await shipper.ship();
      return { ...base, status: 'lease_lost', error: decision.why };
    }
    if (log.truncated) {
      say(`run ${run.id}: the log ${logPath} stopped being written (${log.truncated}); the outcome is kept all the same`);
      decision.input.evidence = { ...(decision.input.evidence as Record<string, unknown> | undefined), log_truncated: log.truncated };
    }
    const cut = fitEvidence(decision.input);
    if (cut) log.line(`the outcome's evidence was cut: ${cut}`);
    const kind = decision.verb === 'fail' ? String(decision.input.kind) : undefined;
    const error = decision.verb === 'fail' ? String(decision.input.error) : undefined;
    const entry: OutboxEntry = {
      version: 1, run_id: run.id, task_id: task.id, verb: decision.verb, input: decision.input, decided_at: Date.now(), host: hostname(), pid: process.pid,
    };
    // Write-ahead: the outcome is on this machine's disk before it is sent (in the reserved space when the disk is full).
    const kept = writeOutboxOrReserve(dirs.outbox, entry, say);
    log.line(`run ${run.id}: ${decision.verb === 'complete' ? 'completed' : `failed (${kind})`}; reporting to the server`);
    log.close();
    const d = await deliver(o, entry, shipper);
    if (d.status === 'unreachable') {
      if (kept) say(`run ${run.id}: server unreachable (${d.error}); outcome kept in ${kept} until it is back`);
      else say(`run ${run.id}: server unreachable (${d.error}) and the outcome could not be written to ${dirs.outbox}: it is lost (the server reaps the run when its lease ends)`);
      return { ...base, status: 'deferred', kind, error };
    }
    if (d.status === 'lease_lost') return { ...base, status: 'lease_lost', kind, error: d.reason };
    if (d.status === 'rejected') return { ...base, status: 'rejected', kind, error: d.error };
    say(finishedLine(run.id, decision.verb === 'complete' ? 'completed' : 'failed', undefined, task.id, d.task_status ?? '(recorded before)'));
    return { ...base, status: decision.verb === 'complete' ? 'completed' : 'failed', task_status: d.task_status, kind, error };
  } finally {
    releaseOutboxReserve(dirs.outbox, run.id);
  }
}

/**
 * The remote work loop: deliver what the outbox holds, claim, babysit, report; until nothing is claimable (or once;
 * with `waitPollMs`, until a stop signal).
 * An unreachable server is waited for (growing waits), never a reason to drop an outcome or to claim more work.
 */
export async function remoteWork(o: RemoteWorkOptions): Promise<RemoteWorkResult> {
  const say = o.log ?? (() => {});
  const retry = o.retryMs ?? { min: 500, max: 10_000 };
  const results: RemoteRunResult[] = [];
  const delivered: number[] = [];
  const host = hostname();
  let wait = retry.min;
  let idle = false;
  /** The server holds idle claims (the long poll); false once a server without it refused `wait_seconds`. */
  let longPoll = true;
  // The id of the claim being asked, the same on each try while the server cannot be reached: a claim the server made
  // but whose answer was lost is handed over on the next try, not left running with nobody on it.
  let claimId = randomUUID();
  for (;;) {
    const outbox = await deliverOutbox(o);
    delivered.push(...outbox.delivered);
    if (!outbox.done || o.signal?.aborted) return { results, delivered, stopped: idle && outbox.done ? 'stopped' : 'signal' };
    if (o.once && results.length) return { results, delivered, stopped: 'once' };
    // An idle worker's ask is a long poll: the server answers when a task is claimed for it, or after waitSeconds.
    const waitSeconds = idle && longPoll && o.waitPollMs !== undefined ? longPollSeconds(o.waitPollMs) : 0;
    let claim: Awaited<ReturnType<WorkerClient['claim']>>;
    try {
      claim = await o.client.claim(o.agent, host, o.workdir ?? o.dir, { requestId: claimId, ...(waitSeconds ? { waitSeconds, ...(o.signal ? { signal: o.signal } : {}) } : {}) });
      wait = retry.min;
      claimId = randomUUID();
    } catch (err) {
      // A stop signal while the long poll waited: the request is aborted, and the server claims nothing for it.
      if (waitSeconds && o.signal?.aborted) return { results, delivered, stopped: 'stopped' };
      const e = toStewardError(err);
      if (waitSeconds && e.code === 'VALIDATION' && /wait_seconds/.test(`${e.message} ${JSON.stringify(e.details)}`)) {
        longPoll = false;
        say(`steward work: the server does not hold idle claims (an older steward); polling it every ${o.waitPollMs! / 1000} s instead`);
        continue;
      }
      if (!unreachable(e)) throw e;
      say(`${e.code === 'BUSY' ? 'server busy' : 'server unreachable'} (${e.message}); trying again in ${wait} ms`);
      if (!(await sleep(wait, o.signal))) return { results, delivered, stopped: 'signal' };
      wait = Math.min(retry.max, wait * 2);
      continue;
    }
    // An idle worker asking again says what it passed over once, not on every poll.
    if (!idle) for (const r of claim.refused ?? []) say(`task #${r.task_id} passed over (${r.code}): ${r.reason}`);
    const refused = claim.refused?.length ? { refused: claim.refused } : {};
    if (!claim.task) {
      if (o.waitPollMs === undefined) {
        if (claim.paused_until) return { results, delivered, stopped: 'paused', paused_until: claim.paused_until, ...refused };
        if (claim.held) return { results, delivered, stopped: 'held', held: claim.held, ...refused };
        return { results, delivered, stopped: 'empty', ...refused };
      }
      if (!idle) {
        const why = claim.paused_until ? `agent ${o.agent} is paused until ${new Date(claim.paused_until).toISOString()}`
          : claim.held ? `nothing claimed now: ${claim.held.reason}` : `nothing to claim for agent ${o.agent}`;
        const how = longPoll ? `the server holds each ask until a task is claimed for it, at most ${longPollSeconds(o.waitPollMs)} s`
          : `polling the server every ${o.waitPollMs / 1000} s`;
        say(`steward work: ${why}; waiting for work (${how})`);
      }
      idle = true;
      // The next ask is a long poll: it waits on the server, not here.
      if (longPoll) continue;
      // A pause ends at the server's time; the worker's clock may differ a little, and the next poll corrects it.
      const ms = claim.paused_until ? Math.max(0, Math.min(o.waitPollMs, claim.paused_until - Date.now())) : o.waitPollMs;
      if (!(await sleep(ms, o.signal))) return { results, delivered, stopped: 'stopped', ...refused };
      continue;
    }
    idle = false;
    results.push(await runRemoteClaim(o, claim as RemoteClaim));
    if ((o.signal?.reason as StopReason | undefined)?.kind === 'signal') {
      const last = await deliverOutbox({ ...o, signal: AbortSignal.timeout(0) });
      delivered.push(...last.delivered);
      return { results, delivered, stopped: 'signal' };
    }
  }
}
