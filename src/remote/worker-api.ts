// The worker role over HTTP for babysitters on other machines (`steward work --server`, docs/SCALING.md): a small JSON
// API beside /mcp, on the same operations as the MCP worker tools — the run id fences every write, an outcome counts
// by when it was decided (the late-result rules of recordRunOutcome), and nothing here touches the worker's files.
import { closeSync, constants, fstatSync, mkdirSync, openSync, lstatSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { backoffPolicyOf, type Config } from '../config/schema.js';
import { periodBounds } from '../core/budget-period.js';
import { MAX_REPORT_BODY_BYTES } from '../core/payload-limits.js';
import { StewardError, toStewardError, type ErrorCode } from '../core/errors.js';
import { runLiveness } from '../core/lease.js';
import { chooseModel } from '../core/routing.js';
import { parseInput, zName } from '../core/schemas.js';
import type { OpContext, Run, Task } from '../core/types.js';
import { makeAuthenticator, type McpTokens } from '../mcp/index.js';
import { claimForProfile, heartbeatRun, recordRunProcess, runCapsOf, taskContext } from '../ops/index.js';
import { worktreeReason } from '../git/run-workdir.js';
import { repoRoot } from '../git/git.js';
import { applyOutboxEntry } from '../runner/outbox.js';
import { outboxEntrySchema } from '../runner/outbox-schema.js';
import { buildPrompt } from '../runner/prompt.js';
import { createParkingLot, type ParkEnd, type ParkingLot } from './claim-wait.js';
import { checkRemoteClaimer, isRemoteRun, REMOTE_HOST_PREFIX } from './run-owner.js';
import { LOG_KEPT_TAIL_BYTES, logCapBytes, runLogPath } from '../runner/run-log.js';
import { profileOf } from '../config/agent-profile.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';

/** Where the API lives; every route is a POST with a JSON body under it. */
export const WORKER_API_PREFIX = '/api/worker/';
/** The version of the API's shapes; a client sends it and a server answers with its own. */
export const WORKER_API_VERSION = 1;
/** A request body's limit (an outcome's is MAX_REPORT_BODY_BYTES): a log chunk is at most LOG_CHUNK_BYTES before base64. */
const MAX_BODY_BYTES = 1024 * 1024;
/** The body limit of route `name`, which the server enforces and the client checks before sending. */
export const bodyLimitOf = (name: string): number => (name === 'outcome' ? MAX_REPORT_BODY_BYTES : MAX_BODY_BYTES);
export const LOG_CHUNK_BYTES = 512 * 1024;
/**
 * Room past a profile's logMaxMb on the server's copy of a remote run's log. The worker's own log (RunLog) keeps at
 * most logMaxMb of the CLI's output, then adds only steward's own lines, each after at most LOG_KEPT_TAIL_BYTES of the
 * output left out: some 30 of them at most (the CLI's end, the leftover sweeps, up to 20 verify commands, the report).
 */
export const LOG_CAP_SLACK_BYTES = 64 * LOG_KEPT_TAIL_BYTES;
/** The most the server keeps of a remote run's log: what an honest worker's capped log can reach (CONFLICT past it). */
export const remoteLogCapBytes = (profile: { logMaxMb?: number } | undefined): number => logCapBytes(profile) + LOG_CAP_SLACK_BYTES;
export { REMOTE_HOST_PREFIX } from './run-owner.js';
/** The longest a claim may wait for work (`wait_seconds`, the long poll). */
export const MAX_CLAIM_WAIT_SECONDS = 60;
/** Claims waiting at once by default (each holds a connection: half of the default connection cap, 64). */
export const DEFAULT_MAX_PARKED = 32;

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400, USAGE: 400, PARSE_ERROR: 400, NOT_FOUND: 404, FORBIDDEN: 403, LEASE_LOST: 409, CONFLICT: 409,
  INVALID_TRANSITION: 409, ALREADY_CLAIMED: 409, BUSY: 503, UNAVAILABLE: 503,
};

export interface WorkerApiOptions {
  store: Store;
  tokens: McpTokens;
  workspace: Workspace;
  config: Config;
  now?: () => number;
  log?: (line: string) => void;
  /** Claims that may wait for work at once (`wait_seconds`); past it a waiting claim is answered BUSY (503). */
  maxParked?: number;
  /** The change poll of waiting claims (ms). Default 1000. */
  changePollMs?: number;
}

/** The worker API's request handler, and the wake-up of its waiting claims. */
export interface WorkerApiHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The queue may have changed (a commit, a wake-socket ping, a NOTIFY): waiting claims try again at once. */
  wake(): void;
  /** Answers every waiting claim (as at its deadline) and lets no new one wait: call before closing the server. */
  close(): void;
  /** Claims waiting now. */
  readonly parked: number;
  /** Waits ended so far, by why: the queue changed, a task came due (time alone), the deadline, the client gone, the server closing. */
  readonly waitsEnded: Readonly<Record<ParkEnd, number>>;
}

/** Claim answers kept for a claim sent again (`request_id`), at most: past it the oldest go first. */
export const MAX_REMEMBERED_CLAIMS = 1024;

/** The most a heartbeat's usage may say (all whole numbers but cost_usd); the worker keeps its figures within them. */
export const HEARTBEAT_USAGE_MAX = { cost_usd: 1e9, tokens_in: 1e15, tokens_out: 1e15, turns: 1e9 } as const;

const claimBody = z.strictObject({
  agent: zName,
  host: z.string().trim().min(1).max(200),
  workdir: z.string().min(1).max(4096),
  /** The long poll: when nothing is claimable, hold the request this long for work (0, the default: answer at once). */
  wait_seconds: z.number().int().min(0).max(MAX_CLAIM_WAIT_SECONDS).optional(),
  /**
   * The worker's id of this claim, the same on each try of it: a claim whose answer was lost (the link cut after the
   * server claimed) is answered again with the run it claimed, while that run is live, instead of claiming another.
   */
  request_id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected 8 to 64 letters, digits, - or _').optional(),
});
const heartbeatBody = z.strictObject({
  run_id: z.number().int().positive(),
  lease_seconds: z.number().int().min(5).max(24 * 3600).optional(),
  /** The CLI's usage so far (read from its stream), recorded on the run as the local babysitter does. */
  usage: z.strictObject({
    cost_usd: z.number().min(0).max(HEARTBEAT_USAGE_MAX.cost_usd).optional(),
    tokens_in: z.number().int().min(0).max(HEARTBEAT_USAGE_MAX.tokens_in).optional(),
    tokens_out: z.number().int().min(0).max(HEARTBEAT_USAGE_MAX.tokens_out).optional(),
    turns: z.number().int().min(0).max(HEARTBEAT_USAGE_MAX.turns).optional(),
  }).optional(),
});
const logBody = z.strictObject({
  run_id: z.number().int().positive(),
  /** The run's task as the worker knows it: a chunk for run_id of another queue (CONFLICT) is not appended to this one's. */
  task_id: z.number().int().positive().optional(),
  /** Where `data` starts in the run's log (bytes): the server keeps what it has and appends the rest. */
  offset: z.number().int().min(0),
  /** base64 of at most LOG_CHUNK_BYTES (Buffer.from would skip what is not base64 and append the rest). */
  data: z.string().max(Math.ceil(LOG_CHUNK_BYTES / 3) * 4 + 4).regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64'),
});
const outcomeBody = z.strictObject({ entry: outboxEntrySchema });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: StewardError, status = STATUS[err.code] ?? 500, headers: Record<string, string> = {}): void {
  send(res, status, { error: err.toJSON() }, headers);
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new StewardError('VALIDATION', `request body over ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof StewardError) throw err;
    // The client went away (a cut link, a worker stopped) before the whole body came: nothing was done. Not INTERNAL,
    // whose stack trace goes to the server's log as if steward had failed.
    throw new StewardError('UNAVAILABLE', `the request was cut off before its body was read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new StewardError('PARSE_ERROR', 'the request body is not JSON');
  }
}

/** CONFLICT (without a size, so the worker does not resend): the run's log on the server is not a regular file. */
function notRegular(runId: number, why: string): StewardError {
  return new StewardError('CONFLICT', `run ${runId}'s log on the server is not a regular file (${why}): nothing appended`, { run_id: runId });
}

/** The size of a run's log on the server: 0 while there is none; CONFLICT when something else is at its path. */
function logSize(path: string, runId: number): number {
  let st;
  try {
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return 0;
  }
  if (st?.isSymbolicLink()) throw notRegular(runId, 'a symbolic link, not followed');
  if (st && !st.isFile()) throw notRegular(runId, 'a FIFO, folder or device');
  return st?.size ?? 0;
}

/**
 * Appends to a run's log only when it is (or becomes) a regular file, never through a symbolic link (O_NOFOLLOW). A FIFO put at its path would block a plain open
 * for writing, and with it the whole server, until a reader came: O_NONBLOCK fails that open at once (ENXIO), and the
 * fstat turns away a FIFO with a reader, a folder or a device (logSize checked before; this closes the race).
 */
function appendRegular(path: string, data: Buffer, runId: number): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0), 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENXIO' || code === 'EISDIR' || code === 'ELOOP' ? notRegular(runId, code) : err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegular(runId, 'a FIFO, folder or device');
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
  } finally {
    closeSync(fd);
  }
}

/** FORBIDDEN unless `run` is a remote worker's run claimed under `actor`: a worker token writes only the runs it claimed. */
function ownRun(run: Run, actor: string): void {
  if (!isRemoteRun(run)) throw new StewardError('FORBIDDEN', `run ${run.id} is not a remote worker's`, { run_id: run.id });
  checkRemoteClaimer(run, actor);
}

/** A waiting claim whose client went away: nothing is claimed and nothing is sent. */
const GONE = Symbol('gone');

/** The request handler for WORKER_API_PREFIX routes (worker-role bearer tokens only). */
export function createWorkerApiHandler(o: WorkerApiOptions): WorkerApiHandler {
  const check = makeAuthenticator(o.tokens);
  const now = o.now ?? (() => o.store.now());
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { store, config, workspace } = o;
  /** The queue's change mark, or undefined when it cannot be read now (a busy database: every wake-up tries the claim, which says). */
  const changeMark = (): string | undefined => {
    try {
      return store.changeMark();
    } catch {
      return undefined;
    }
  };
  const lot: ParkingLot = createParkingLot({
    max: o.maxParked ?? DEFAULT_MAX_PARKED,
    ...(o.changePollMs ? { pollMs: o.changePollMs } : {}),
    changeMark,
  });
  // Whether a project's workdir is in a git repository, asked of git at most once a minute per folder.
  const repos = new Map<string, { repo: string | null; at: number }>();
  const repoOf = (dir: string): string | null => {
    const hit = repos.get(dir);
    if (hit && Date.now() - hit.at < 60_000) return hit.repo;
    const repo = repoRoot(dir);
    repos.set(dir, { repo, at: Date.now() });
    return repo;
  };
  const needsServerRepo = (task: Task): string | undefined => worktreeReason(config, workspace.root, task, repoOf);
  /** The agents whose ready tasks profile `name` may take: 'any', its own, and those it is a fallback of (while paused). */
  const claimableAgents = (name: string): string[] =>
    ['any', name, ...Object.entries(config.agents).filter(([other, p]) => other !== name && p.fallback.includes(name)).map(([other]) => other)];
  /** When the soonest scope budget's period ends (its spend starts again from nothing); undefined with no budgets. */
  const budgetRollover = (now: number): number | undefined => {
    const ends = config.budgets.limits.map((l) => periodBounds(now, l.period, config.budgets.timezone).end);
    return ends.length ? Math.min(...ends) : undefined;
  };
  /**
   * When a claim that found nothing may find something with time alone, nothing committed (the store's clock), or
   * undefined: the agent's pause ending; else the soonest of the next ready task it may take coming due (a retry's
   * backoff, a requeue) and a scope budget's period ending (what a budget held back — the profile, a project, a task
   * whose estimate did not fit — may be claimable in the next). A profile held by a budget waits for the period's
   * end; one held by a WIP cap waits for a run to end instead: that commits, and the change wakes it.
   */
  const dueAt = (agent: string, nothing: { paused_until?: number; held?: { cap: string } }, now: number): number | undefined => {
    if (nothing.paused_until) return nothing.paused_until;
    if (nothing.held) return nothing.held.cap === 'budget' ? budgetRollover(now) : undefined;
    const rollover = budgetRollover(now);
    let due: number | undefined;
    try {
      due = store.read(() => store.tasks.nextDue(claimableAgents(agent), now)) ?? undefined;
    } catch {
      due = undefined; // a busy database: the change poll and the deadline still end the wait
    }
    return due === undefined ? rollover : rollover === undefined ? due : Math.min(due, rollover);
  };

  /** What a claim of run `run` of `task` hands the worker: the task, the run, the routed profile, its caps and the prompt. */
  const handOver = (agent: string, workdir: string, task: Task, run: Run) => {
    const profile = config.agents[agent]!;
    // Routing as the local babysitter does it: the model for this task's complexity (or the first matching rule).
    const model = chooseModel(agent, profile, task, config.routing);
    const routed = model === profile.model ? profile : { ...profile, model };
    return {
      task: { id: task.id, title: task.title, project: task.project, type: task.type, verify: task.verify, timeout_seconds: task.timeout_seconds },
      run: { id: run.id, lease_expires_at: run.lease_expires_at, log_path: runLogPath(workspace, task.id, run.id) },
      profile: routed,
      caps: runCapsOf(store, task.id, routed),
      prompt: buildPrompt(task, taskContext(store, task), { workdir }),
    };
  };

  /** One claim, as dispatch's: the task with its profile and prompt, or nothing and why. */
  const claimOnce = (q: z.infer<typeof claimBody>, ctx: OpContext) => {
    // The same claim as dispatch's: WIP caps and scope budgets checked in the claim's transaction. A task whose runs
    // need a git worktree of the server's repository is passed over (UNSUPPORTED): it stays for a local babysitter.
    const claimed = claimForProfile(store, config, q.agent, ctx, { host: `${REMOTE_HOST_PREFIX}${q.host}` }, { refuse: needsServerRepo });
    const refused = claimed.refused?.map((r) => ({
      task_id: r.task_id, project: r.project, code: 'UNSUPPORTED' as const,
      reason: `runs in a git worktree of the server's repository (${r.reason}); remote workers do not run such tasks (docs/SCALING.md)`,
    }));
    const also = refused ? { refused } : {};
    if (!claimed.task) {
      return { task: null, ...(claimed.paused_until ? { paused_until: claimed.paused_until } : {}), ...(claimed.held ? { held: claimed.held } : {}), ...also };
    }
    const answer = handOver(q.agent, q.workdir, claimed.task, claimed.run);
    recordRunProcess(store, answer.run.id, { log_path: answer.run.log_path, ...(answer.profile.model ? { model: answer.profile.model } : {}) });
    return { ...answer, ...also };
  };

  /**
   * The claims made with a `request_id`, by token name and id, while their run's first lease lasts: the same claim
   * sent again (its answer lost on the way: the link cut after the server claimed) is handed its run again, not the
   * next task, and the task loses no attempt to a run nobody works on. In this server's memory only: a server that
   * restarted since does not know the claim (its run is reaped when the lease ends, as before).
   */
  const remembered = new Map<string, { run_id: number; agent: string; workdir: string; until: number }>();
  const claimKey = (actor: string, id: string) => `${actor}\n${id}`;
  const remember = (key: string, q: z.infer<typeof claimBody>, run: { id: number; lease_expires_at: number }, at: number) => {
    for (const [k, v] of remembered) if (v.until <= at || remembered.size >= MAX_REMEMBERED_CLAIMS) remembered.delete(k);
    remembered.set(key, { run_id: run.id, agent: q.agent, workdir: q.workdir, until: run.lease_expires_at });
  };
  /** The answer to claim `key` made before, handed over again; undefined when there is none or its run is not live. */
  const recall = (key: string, at: number) => {
    const hit = remembered.get(key);
    if (!hit) return undefined;
    const found = store.read(() => {
      const run = store.runs.get(hit.run_id);
      return run && { run, task: store.tasks.get(run.task_id) };
    });
    if (!found?.task || runLiveness(found.run, found.task, at) !== 'live') {
      remembered.delete(key);
      return undefined;
    }
    return handOver(hit.agent, hit.workdir, found.task, found.run);
  };

  type Route = (body: unknown, ctx: () => OpContext, gone: AbortSignal) => unknown;
  const routes: Record<string, Route> = {
    /**
     * The best ready task for an agent profile of this workspace, with the profile and the prompt to run. With
     * `wait_seconds` (the long poll), a claim that finds nothing waits for the queue to change — or for a task to come
     * due, or the agent's pause to end, whichever is first — and claims again, until one succeeds or the time is up
     * (then it answers as a claim that found nothing); a client gone meanwhile gets nothing claimed.
     */
    async claim(body, ctx, gone) {
      const q = parseInput(claimBody, body, 'claim');
      if (!Object.hasOwn(config.agents, q.agent)) throw new StewardError('NOT_FOUND', `no agent profile "${q.agent}" in the server's config`, { agent: q.agent });
      const key = q.request_id === undefined ? undefined : claimKey(ctx().actor, q.request_id);
      if (key) {
        const again = recall(key, now());
        if (again) return again;
      }
      const deadline = Date.now() + (q.wait_seconds ?? 0) * 1000;
      let last = !q.wait_seconds;
      for (;;) {
        if (gone.aborted) return GONE;
        const mark = last ? undefined : changeMark();
        const c = ctx();
        const answer = claimOnce(q, c);
        if ('run' in answer && key) remember(key, q, answer.run, c.now);
        if (answer.task || last || Date.now() >= deadline) return answer;
        // Time alone may make a task claimable before the deadline (a backoff passes, a pause ends, at the server's
        // time): the wait ends then ('due') and the same claim tries again; found nothing, it parks for the rest.
        const due = dueAt(q.agent, answer, c.now);
        const why = await lot.park(mark, deadline, gone, due === undefined ? undefined : Date.now() + Math.max(0, due - c.now));
        if (why === 'gone') return GONE;
        // The server is stopping: nothing more is claimed (the connection may not live to carry the answer).
        if (why === 'closing') return answer;
        last = why === 'deadline';
      }
    },
    /** Extends the lease (LEASE_LOST when the run is not live: cancelled, superseded, expired); records usage so far. */
    heartbeat(body, ctx) {
      const q = parseInput(heartbeatBody, body, 'heartbeat');
      const c = ctx();
      // Who claimed a run and where never changes after its claim: checked before the heartbeat's own transaction.
      const claimed = store.read(() => store.runs.get(q.run_id));
      if (claimed) ownRun(claimed, c.actor);
      const { run, task } = heartbeatRun(store, { run_id: q.run_id, ...(q.lease_seconds ? { lease_seconds: q.lease_seconds } : {}) }, c);
      if (q.usage && Object.keys(q.usage).length) {
        try {
          const usage = q.usage;
          store.tx(() => store.budgets.recordUsage(run.id, usage));
        } catch (err) {
          log(`worker api: run ${run.id}: recording usage failed: ${toStewardError(err).message}`);
        }
      }
      return { run: { id: run.id, lease_expires_at: run.lease_expires_at }, task: { id: task.id, status: task.status } };
    },
    /**
     * Appends a chunk of the run's log at `offset`; answers the size the server now has (resend from there) and whether
     * the run is still live (an empty chunk is the worker's liveness poll: a cancel reaches it before its next heartbeat).
     */
    log(body, ctx) {
      const q = parseInput(logBody, body, 'log');
      const found = store.read(() => {
        const run = store.runs.get(q.run_id);
        return run && { run, task: store.tasks.get(run.task_id) };
      });
      const run = found?.run;
      if (!run) throw new StewardError('NOT_FOUND', `no run ${q.run_id}`, { run_id: q.run_id });
      ownRun(run, ctx().actor);
      // As an outcome of another queue is refused (CONFLICT, recordRunOutcome), so is its log: nothing is appended.
      if (q.task_id !== undefined && q.task_id !== run.task_id) {
        throw new StewardError('CONFLICT', `the log is for task #${q.task_id}, but run ${run.id} here is task #${run.task_id}'s (a log of another queue?): nothing appended`, { run_id: run.id, task_id: q.task_id, run_task_id: run.task_id });
      }
      const path = runLogPath(workspace, run.task_id, run.id);
      const have = logSize(path, q.run_id);
      const data = Buffer.from(q.data, 'base64');
      if (q.offset > have) throw new StewardError('CONFLICT', `the server has ${have} bytes of run ${q.run_id}'s log; send from there`, { run_id: q.run_id, size: have });
      const fresh = data.subarray(have - q.offset);
      // Capped as the worker's own log is (its profile's logMaxMb): a worker token cannot fill the server's disk.
      const cap = remoteLogCapBytes(profileOf(config, run.agent));
      if (fresh.length && have + fresh.length > cap) {
        // What fits is kept, then one line saying where the rest is; past it nothing more is appended (have > cap).
        if (have <= cap) {
          const fits = fresh.subarray(0, cap - have);
          const mark = `${fits.length && fits[fits.length - 1] === 10 ? '' : '\n'}=== steward ${new Date(now()).toISOString()} the server's copy of this log reached its cap of ${cap / 1024 / 1024} MiB (the profile's logMaxMb and room for steward's lines): the rest is left out here, the worker keeps it in its own log\n`;
          mkdirSync(dirname(path), { recursive: true });
          appendRegular(path, Buffer.concat([fits, Buffer.from(mark)]), q.run_id);
        }
        throw new StewardError('CONFLICT', `run ${q.run_id}'s log on the server reached its cap of ${cap / 1024 / 1024} MiB: the rest is not kept here`, { run_id: q.run_id, cap, reason: 'log_cap' });
      }
      if (fresh.length) {
        mkdirSync(dirname(path), { recursive: true });
        appendRegular(path, fresh, q.run_id);
      }
      return { size: have + fresh.length, live: runLiveness(run, found.task, now()) };
    },
    /** Records an outcome from the worker's outbox, judged at its decided_at; applied, duplicate or late. */
    outcome(body, ctx) {
      const q = parseInput(outcomeBody, body, 'outcome');
      const c = ctx();
      // An unknown run (NOT_FOUND) and one of another task (CONFLICT: an outcome of another queue, set aside by the
      // worker) are recordRunOutcome's to refuse; this run is checked to be the token's own.
      const run = store.read(() => store.runs.get(q.entry.run_id));
      if (run && run.task_id === q.entry.task_id) ownRun(run, c.actor);
      const result = applyOutboxEntry(store, q.entry, c);
      if (result.status === 'applied') return { status: 'applied', task: { id: result.task.id, status: result.task.status } };
      if (result.status === 'duplicate') return { status: 'duplicate' };
      return { status: 'lease_lost', reason: result.reason };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A client that goes away before its answer (a waiting claim's): the claim stops waiting and claims nothing.
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      const grant = check(req.headers.authorization);
      if (!grant) return sendError(res, new StewardError('FORBIDDEN', 'unauthorized: send Authorization: Bearer <worker token>'), 401);
      if (grant.role !== 'worker') return sendError(res, new StewardError('FORBIDDEN', `a ${grant.role} token may not use the worker API`, { role: grant.role }));
      const name = new URL(req.url ?? '/', 'http://x').pathname.slice(WORKER_API_PREFIX.length);
      const route = Object.hasOwn(routes, name) ? routes[name] : undefined;
      if (!route) return sendError(res, new StewardError('NOT_FOUND', `no worker API route ${name} (claim, heartbeat, log, outcome)`));
      if (req.method !== 'POST') return sendError(res, new StewardError('USAGE', `${req.method} ${WORKER_API_PREFIX}${name}: POST only`), 405, { allow: 'POST' });
      const body = await readBody(req, bodyLimitOf(name));
      const ctx = (): OpContext => ({ now: now(), actor: grant.name ?? 'remote-worker', backoff: backoffPolicyOf(config) });
      const answer = await route(body, ctx, gone.signal);
      if (answer === GONE || gone.signal.aborted) return;
      send(res, 200, { version: WORKER_API_VERSION, ...(answer as object) });
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'INTERNAL') log(`worker api: ${(err as Error)?.stack ?? String(err)}`);
      if (gone.signal.aborted) return;
      if (!res.headersSent) sendError(res, e);
      else res.end();
    }
  };
  return Object.defineProperties(handle, {
    wake: { value: () => lot.wake() },
    close: { value: () => lot.close() },
    parked: { get: () => lot.parked, enumerable: true },
    waitsEnded: { value: lot.ended, enumerable: true },
  }) as WorkerApiHandler;
}
