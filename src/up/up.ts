// `steward up`: the tick in a loop (every heartbeat, and soon after a change), MCP over HTTP, /metrics.
import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { backoffPolicyOf, httpGuardOf } from '../config/config-policy.js';
import type { Config } from '../config/schema.js';
import { checkBindHost } from '../http/request-guard.js';
import { StewardError, toStewardError } from '../core/errors.js';
import { readConfigText } from '../config/config-file.js';
import { loadConfig } from '../config/load-config.js';
import { budgetViews } from '../ops/budget-report.js';
import type { OpContext } from '../core/types.js';
import { loadMcpTokens, makeAuthenticator } from '../mcp/index.js';
import type { Store } from '../store/open-store.js';
import { workspaceDispatchStep, workspaceTick, type WorkspaceTickDeps } from '../tick/workspace-tick.js';
import { isSkipped } from '../tick/run-tick.js';
import { profilesOf } from '../tick/digest-store.js';
import { createWebBoard } from '../web/index.js';
import { createWorkerApiHandler, type WorkerApiHandler } from '../remote/worker-api.js';
import type { Workspace } from '../workspace/workspace.js';
import { startUpHttp } from './http-server.js';
import { acquireInstanceLock } from './instance-lock.js';
import { listenWithFallback } from './listen.js';
import { removeUpFile, writeUpFile } from './up-file.js';
import { listenWake, wakeSocketPath } from '../workspace/wake-socket.js';
import type { LoopStats } from './metrics.js';
import type { TickHooks } from '../tick/tick-once.js';
import { startBabysitter, type StartRequest } from '../runner/dispatch.js';
import { SparePool } from '../runner/spare.js';
import { postgresOf } from '../store/pg/notify.js';

export interface UpOptions {
  workspace: Workspace;
  config: Config;
  store: Store;
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  /** Debounce of ticks after a change to TASKS.md or the inbox (ms): lets an editor finish writing. Default 50. */
  debounceMs?: number;
  /** How often to look for changes made by other processes (ms). */
  pollMs?: number;
  log?: (line: string) => void;
  /** Called after every tick with its digest (the CLI prints the status line from it). */
  onTick?: (digest: Record<string, unknown>, stats: LoopStats) => void;
  actor?: string;
  /** Serve on a non-loopback address (mcp.host / --host); refused without it. */
  allowRemote?: boolean;
  /** Warm babysitters kept ready for dispatch (src/runner/spare.ts); 0 starts each one cold. Default: config `up.spares` (1). */
  spares?: number;
  /**
   * After a wake-up's dispatch step started runs, the full tick (ingest, reap, promote, render, digest) waits this long
   * (ms), so it does not compete with the babysitters' start for the CPU and the write lock. Default 250.
   */
  settleMs?: number;
  /** Called at each point of the dispatch path (the bench's breakdown of where the time goes). */
  trace?: (point: UpTracePoint) => void;
}

/**
 * A point on the path commit → wake → tick → dispatch → babysitter started: `wake` (a ping or an own write reached up),
 * `tick` (a tick began, after its lock), `dispatch` (the tick's dispatch step began), `handed` (run `run` went to a
 * spare or a fresh babysitter). `at` is Date.now().
 */
export interface UpTracePoint {
  what: 'wake' | 'tick' | 'dispatch' | 'handed';
  at: number;
  run?: number;
  /** tick: the fast dispatch-only pass of a wake-up (`fast`) or the full tick (`full`). */
  pass?: 'fast' | 'full';
}

export interface UpHandle {
  url: string;
  mcpUrl: string;
  /** The web board, and a link that logs one browser in once (as the person running `up`). */
  boardUrl: string;
  loginUrl: string;
  stats: LoopStats;
  /** Ask for a tick soon (debounced). */
  poke(reason: string): void;
  /**
   * A write was committed (what a wake-socket ping says; a Postgres NOTIFY can say it too): the dispatch step now,
   * then the full tick. Safe to call any number of times; calls during a tick fold into one more tick.
   */
  wake(): void;
  /** The wake socket's path, or null when it could not be made (see src/up/wake.ts). */
  wakeSocket: string | null;
  /** The warm babysitters (dispatch: local with spares > 0), for their counts. */
  spares?: SparePool;
  /** Stop dispatching, finish the current tick, close the server and release the lock. */
  drain(): Promise<void>;
  /** Resolves when `up` has stopped. */
  stopped: Promise<void>;
}

/**
 * Whether config.yaml still loads, asked before each dispatch: `up` runs on the config it started with, but each
 * babysitter it starts reads the file again. The file is read each time and loaded again only when its text changed;
 * returns why it does not load, or undefined.
 */
function configWatch(root: string, env: NodeJS.ProcessEnv): () => string | undefined {
  let seen: string | undefined;
  let problem: string | undefined;
  try {
    seen = readConfigText(root); // what up itself loaded
  } catch {
    seen = undefined;
  }
  return () => {
    let text: string | undefined;
    try {
      text = readConfigText(root);
    } catch (err) {
      return toStewardError(err).message;
    }
    if (text === seen) return problem;
    seen = text;
    try {
      loadConfig({ root, env });
      problem = undefined;
    } catch (err) {
      problem = toStewardError(err).message;
    }
    return problem;
  };
}

/** Starts `steward up` for a workspace; throws CONFLICT if another `up` holds the workspace. */
export async function startUp(options: UpOptions): Promise<UpHandle> {
  const { workspace, config, store } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const release = acquireInstanceLock(join(workspace.stewardDir, 'up.lock'));
  // A long-running process: every write checks the database file is still the one opened.
  store.watchFile = true;
  const stats: LoopStats = { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0, wakeups: 0, lastCause: 'start' };
  let draining = false;
  const spareCount = options.spares ?? config.up.spares;
  const spares = config.dispatch === 'local' && spareCount > 0
    ? new SparePool({ root: workspace.root, logsDir: workspace.logsDir, size: spareCount, ...(options.env ? { env: options.env } : {}), log })
    : undefined;
  const trace = options.trace;
  const startOne = (req: StartRequest): number => {
    const pid = spares?.take(req.runId) ?? startBabysitter(req);
    trace?.({ what: 'handed', at: Date.now(), run: req.runId });
    return pid;
  };
  const traced = (hooks: TickHooks): TickHooks => {
    const dispatch = hooks.dispatch;
    if (!trace || !dispatch) return hooks;
    return { ...hooks, dispatch: (s, ctx) => (trace({ what: 'dispatch', at: Date.now() }), dispatch(s, ctx)) };
  };
  const configLoads = configWatch(workspace.root, options.env ?? process.env);
  /** No dispatch while config.yaml does not load: every babysitter it started would die reading it, each a lost run. */
  const configGuarded = (hooks: TickHooks): TickHooks => {
    const dispatch = hooks.dispatch;
    if (!dispatch) return hooks;
    return {
      ...hooks,
      dispatch: (s, ctx) => {
        const problem = configLoads();
        if (problem) throw new StewardError('VALIDATION', `no run starts while .steward/config.yaml does not load (a babysitter reads it): ${problem}`);
        return dispatch(s, ctx);
      },
    };
  };
  const tickDeps: WorkspaceTickDeps = {
    ...(spares || trace ? { start: startOne } : {}),
    workspace,
    config,
    store,
    adjust: (hooks) => (draining ? { ...hooks, dispatch: undefined } : traced(configGuarded(hooks))),
    log,
    reader: 'up', // its own digest cursor: the heartbeat's triage agent still sees every item
  };
  const tick = workspaceTick(tickDeps);
  const dispatchStep = workspaceDispatchStep(tickDeps);
  const op = (): OpContext => ({ now: store.now(), actor: options.actor ?? 'triage' });
  let http: Awaited<ReturnType<typeof startUpHttp>>;
  let web: ReturnType<typeof createWebBoard>;
  let workerApi: WorkerApiHandler;
  try {
    const tokens = loadMcpTokens(config.mcp.tokens, options.env ?? process.env);
    if (Object.keys(tokens).length === 0) log('steward up: no MCP tokens in .steward/config.yaml: /mcp and /metrics will refuse every request');
    const host = options.host ?? config.mcp.host;
    const warning = checkBindHost(host, options.allowRemote ?? false);
    if (warning) log(`steward up: ${warning}`);
    const guard = httpGuardOf(config, host);
    // The board's live streams: at most a quarter of the connection cap (one token half of that), so they never fill it.
    web = createWebBoard({
      store,
      checkBearer: makeAuthenticator(tokens),
      profiles: profilesOf(config),
      agents: config.agents,
      logsDir: workspace.logsDir,
      maxStreams: Math.max(1, Math.floor(guard.limits.maxConnections / 4)),
      log,
    });
    // Claims that wait for work (the long poll): at most half the connection cap, so they never fill it.
    workerApi = createWorkerApiHandler({ store, tokens, workspace, config, log, maxParked: Math.max(1, Math.floor(guard.limits.maxConnections / 2)) });
    const choice = { host, port: options.port ?? config.mcp.port, explicit: options.port !== undefined };
    const start = (port: number) =>
      startUpHttp({ web, store, tokens, boardPath: workspace.boardPath, host, port, loop: stats, log, tick: (ctx) => tick(ctx), backoff: backoffPolicyOf(config), agents: config.agents, guard, budgets: (now) => budgetViews(store, config, now), workerApi });
    http = await listenWithFallback(choice, start, (taken) =>
      log(`steward up: ${host}:${taken} is taken (another workspace's steward up, or another program): using a free port instead (see .steward/up.json; mcp.port is only a first choice: steward up --port N insists on one, and a taken one is then an error)`),
    );
    const bound = new URL(http.url);
    writeUpFile(workspace.stewardDir, { pid: process.pid, host: bound.hostname, port: Number(bound.port), url: http.url, mcp_url: http.mcpUrl, started_at: new Date().toISOString() });
  } catch (err) {
    release();
    throw err;
  }

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  /** Why the next tick runs (stats.lastCause once it has). */
  let cause: NonNullable<LoopStats['lastCause']> = 'start';
  /** The queue's change mark after the latest tick that ran (not one skipped as busy): the change poll's reference. */
  let lastMark: string | undefined;
  /**
   * The queue's change mark when the latest tick that ran started: a notification wakes `up` only when the queue moved
   * since. A tick skipped because another process held the tick leaves both marks alone: that tick may have read the
   * queue before the news, so the holder's release (its NOTIFY, its ping) or the change poll must bring a tick back.
   */
  let startMark: string | undefined;
  const runOnce = () => {
    if (draining) return;
    if (running) {
      again = true;
      return;
    }
    const lost = store.fileProblem();
    if (lost) {
      lastMark = undefined; // no more change polls: they would say this again every second
      log(`steward up: DATABASE LOST: ${lost}. Every write is refused (UNAVAILABLE) and /healthz answers 503 until steward up is restarted with the file in place (putting it back alone does not end this).`);
      return;
    }
    running = true;
    again = false;
    let markAtStart: string | undefined;
    try {
      markAtStart = store.changeMark();
    } catch {
      markAtStart = undefined;
    }
    stats.lastCause = cause;
    cause = 'heartbeat';
    const started = performance.now();
    trace?.({ what: 'tick', at: Date.now(), pass: 'full' });
    try {
      const digest = tick(op());
      const seconds = (performance.now() - started) / 1000;
      if ('skipped' in digest) stats.skippedBusy++;
      else {
        startMark = markAtStart;
        lastMark = store.changeMark();
      }
      stats.ticks++;
      stats.tickSecondsSum += seconds;
      stats.lastTickSeconds = seconds;
      options.onTick?.(digest, stats);
    } catch (err) {
      log(`steward up: tick failed: ${toStewardError(err).code}: ${toStewardError(err).message}`);
      // A failing tick is not tried again at every poll: the next change (or heartbeat) brings it back.
      try {
        lastMark = store.changeMark();
      } catch {
        /* a busy database: the poll looks again */
      }
    } finally {
      running = false;
    }
    if (again && !draining) schedule(0);
  };
  /** When the pending tick is due (ms since the epoch); Infinity when none is pending. */
  let dueAt = Infinity;
  /**
   * Runs a tick in `ms`, unless one is due sooner: a later request never postpones an earlier one (a TASKS.md
   * change right after a wake-up must not push the wake-up's tick back by the debounce). After each tick the
   * next heartbeat is set outright (`next`).
   */
  const schedule = (ms: number, next = false) => {
    if (draining) return;
    if (!next && Date.now() + ms >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(() => {
      dueAt = Infinity;
      runOnce();
      // A write during the tick asked for one more (runOnce scheduled it): the heartbeat comes after that one.
      if (dueAt === Infinity) schedule(config.heartbeat.everySeconds * 1000, true);
    }, ms);
  };
  const debounce = options.debounceMs ?? 50;
  const poke = (_reason: string) => {
    cause = 'change';
    schedule(debounce);
  };
  const settleMs = options.settleMs ?? 250;
  let fastQueued = false;
  /**
   * A wake-up's first move: the tick's own dispatch step alone, under the tick lock (no second scheduler: the same hook,
   * the same caps, the same lock), so a committed `add` or a finished run gets its agent started before the rest of the
   * tick. The full tick follows: at once when nothing started (a new task may need promoting, a proposal accepting),
   * `settleMs` later when runs started.
   */
  const fastDispatch = () => {
    fastQueued = false;
    if (draining) return;
    if (running) {
      again = true;
      return;
    }
    if (store.fileProblem()) return schedule(0); // the tick reports it
    running = true;
    let started = 0;
    trace?.({ what: 'tick', at: Date.now(), pass: 'fast' });
    try {
      const result = dispatchStep(op());
      if (!isSkipped(result)) {
        started = Array.isArray(result.dispatch?.started) ? result.dispatch.started.length : 0;
        stats.fastDispatches = (stats.fastDispatches ?? 0) + 1;
        stats.fastStarted = (stats.fastStarted ?? 0) + started;
        for (const e of result.errors ?? []) log(`steward up: dispatch failed: ${e.error}`);
      }
    } catch (err) {
      log(`steward up: dispatch failed: ${toStewardError(err).code}: ${toStewardError(err).message}`);
    } finally {
      running = false;
    }
    schedule(started > 0 ? settleMs : 0);
  };
  /**
   * A committed write (a ping on the wake socket from another steward process, or a write by this one outside the
   * tick: MCP over HTTP, the web board): the dispatch step at once, then the full tick. During a tick, one more tick
   * follows it.
   */
  const wake = () => {
    if (draining) return;
    workerApi.wake(); // remote workers waiting for work (the claim's long poll) try again
    trace?.({ what: 'wake', at: Date.now() });
    stats.wakeups = (stats.wakeups ?? 0) + 1;
    cause = 'wake';
    if (running) again = true;
    // dispatch: openclaw hands its runs over in the digest, which only the full tick makes; none starts nothing.
    else if (config.dispatch !== 'local') schedule(0);
    else if (!fastQueued) {
      fastQueued = true;
      setImmediate(fastDispatch);
    }
  };
  store.afterCommit = () => {
    // A tick's commits too (a task promoted, a run reaped): a waiting remote claim may take what it made claimable.
    if (running) workerApi.wake();
    else wake();
  };
  const wakeServer = await listenWake(workspace.stewardDir, wake, log);
  // On Postgres, a commit of any process on any machine NOTIFYs the queue's channel: the same wake-up, over the
  // database. A notification wakes `up` when the queue changed since its latest tick started (the change mark, as
  // the poll reads it), so the tick-lock rows of another `up` do not keep two of them waking each other.
  const pgDb = postgresOf(store);
  if (pgDb) stats.notifications = 0;
  const pgWake = pgDb
    ? (await import('./pg-wake.js')).listenPg({
        url: pgDb.connectUrl,
        schema: pgDb.schema,
        origin: pgDb.origin,
        log,
        onNotify: (why) => {
          workerApi.wake(); // waiting remote claims compare the change mark themselves
          if (why === 'notify') stats.notifications = (stats.notifications ?? 0) + 1;
          // LISTEN in place before the first tick: that tick reads everything committed so far.
          else if (stats.ticks === 0) return;
          if (running) {
            again = true;
            return;
          }
          let mark: string | undefined;
          try {
            mark = store.changeMark();
          } catch {
            mark = undefined; // a busy database: wake anyway
          }
          if (mark === undefined || mark !== startMark) wake();
        },
      })
    : undefined;
  Object.defineProperty(stats, 'claimsWaiting', { get: () => workerApi.parked, enumerable: true });
  Object.defineProperty(stats, 'claimWaitsEnded', { value: workerApi.waitsEnded, enumerable: true });
  if (pgWake) Object.defineProperty(stats, 'listening', { get: () => pgWake.listening, enumerable: true });

  const watchers: FSWatcher[] = [];
  const watchDir = (dir: string, filter?: (name: string) => boolean) => {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    try {
      const w = watch(dir, (_event, name) => {
        if (filter && !(name && filter(String(name)))) return;
        stats.fileChanges = (stats.fileChanges ?? 0) + 1;
        poke(`change in ${dir}`);
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch (err) {
      log(`steward up: cannot watch ${dir}: ${(err as Error).message} (the heartbeat still ticks)`);
    }
  };
  const boardPath = resolve(workspace.root, config.board.path);
  watchDir(dirname(boardPath), (name) => name === basename(boardPath));
  watchDir(workspace.inboxDir, (name) => name.endsWith('.md'));
  watchDir(join(workspace.inboxDir, 'new'));
  const poll = setInterval(() => {
    try {
      // Until a tick runs past the change (lastMark moves only then), each poll asks again: a tick skipped because
      // another process held it is retried here, whatever woke it.
      const mark = store.changeMark();
      if (lastMark !== undefined && mark !== lastMark && !running) poke('the queue changed');
    } catch {
      /* a busy database: look again next time */
    }
  }, options.pollMs ?? 1000);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let drained: Promise<void> | undefined;
  const drain = () =>
    (drained ??= (async () => {
      draining = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers) w.close();
      wakeServer?.close();
      await pgWake?.close();
      spares?.close();
      store.afterCommit = undefined;
      workerApi.close();
      while (running) await new Promise((r) => setTimeout(r, 20));
      await http.close();
      removeUpFile(workspace.stewardDir);
      release();
      resolveStopped();
    })());

  spares?.fill();
  schedule(0);
  const loginUrl = web.oneTimeLink(http.url);
  const wakeSocket = wakeServer ? wakeSocketPath(workspace.stewardDir) : null;
  return { url: http.url, mcpUrl: http.mcpUrl, boardUrl: `${http.url}/`, loginUrl, stats, poke, wake, wakeSocket, drain, stopped, ...(spares ? { spares } : {}) };
}

