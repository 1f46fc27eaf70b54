// Babysitter commands: work (run coding CLIs to the end), logs (a run's output), doctor (what can run here).
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { defaultConfig, type Config } from '../../config/schema.js';
import { StewardError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import { idInput } from '../../core/schemas.js';
import { pausedAgents, requireTask, type PausedAgent } from '../../ops/index.js';
import { isTerminal } from '../../core/states.js';
import { projectWorkdirs } from '../../config/task-targets.js';
import { resolveWorkdir } from '../../config/config-policy.js';
import { rememberRepoRoot } from '../../git/repo-root-cache.js';
import type { BabysitDeps, BabysitResult } from '../../runner/babysit.js';
import { DOCTOR_TIMEOUT_MS, runDoctor } from '../../runner/doctor.js';
import { followLog } from '../../runner/follow-log.js';
import { runLogPath } from '../../runner/run-log.js';
import { waitRun, type WaitResult } from '../../runner/wait-run.js';
import { earlyWaiter } from '../early-waiter.js';
import { withStopSignals, workAgent, workRun } from '../../runner/work.js';
import type { Leftover } from '../../git/gc.js';
import type { CliContext, Command } from '../command.js';

/** Exit code for a babysat run: 0 recorded, 4 not ours any more, 5 left in the outbox, 128+n stopped by signal n. */
function exitCodeOf(r: BabysitResult): number {
  if (r.status === 'lease_lost') return 4;
  if (r.status === 'deferred') return 5;
  if (r.status === 'interrupted') return 128 + (constants.signals[r.signal as keyof typeof constants.signals] ?? 15);
  return 0;
}

function describe(r: BabysitResult): string {
  const head = `run ${r.run_id} task #${r.task_id}`;
  const error = r.error ? `: ${r.error.split('\n')[0]!.slice(0, 200)}` : '';
  switch (r.status) {
    case 'lease_lost':
      return `${head}: LEASE_LOST — the run is no longer live (${r.error ?? 'finished'}); its CLI was stopped and any result is kept on the run`;
    case 'deferred':
      return `${head}: database unavailable; the outcome is saved in ${r.outbox_path} and the next tick applies it`;
    case 'interrupted':
      return `${head}: stopped by ${r.signal}; the CLI was killed and the run recorded as lost → task ${r.task_status}`;
    default:
      return `${head}: ${r.status}${r.kind ? ` (${r.kind})` : ''} → task ${r.task_status}${error}   log: ${r.log_path}`;
  }
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new StewardError('USAGE', `${name} must be a whole number of milliseconds, got ${value}`);
  return n;
}

function depsOf(ctx: CliContext): BabysitDeps {
  return {
    store: ctx.store(),
    workspace: ctx.workspace(),
    config: ctx.config(),
    actor: ctx.actor === 'cli' ? undefined : ctx.actor,
    graceMs: positiveInt(ctx.env.STEWARD_KILL_GRACE_MS, 'STEWARD_KILL_GRACE_MS'),
    pollMs: positiveInt(ctx.env.STEWARD_POLL_MS, 'STEWARD_POLL_MS'),
    tee: process.stdout.isTTY && !ctx.json ? process.stdout : null,
    log: ctx.log,
  };
}

/** What waiting on a run's detached babysitter found: one line, and 0 recorded, 4 not ours any more, 5 outbox, 1 orphaned. */
function waited(w: WaitResult): { text: string; exitCode: number } {
  const head = `run ${w.run_id} task #${w.task_id}`;
  if (w.status === 'deferred') return { text: `${head}: database unavailable; the outcome is saved in the outbox and the next tick applies it`, exitCode: 5 };
  if (w.status === 'lease_lost') {
    return { text: `${head}: LEASE_LOST — the run is no longer live (its lease ended before the babysitter could keep it); the next tick reaps it`, exitCode: 4 };
  }
  if (w.status === 'orphaned') {
    return { text: `${head}: its babysitter (pid ${w.babysitter.pid}) ended without recording the run; the next tick reaps it   log: ${w.log_path}`, exitCode: 1 };
  }
  const { outcome, failure_kind: kind, error } = w.run;
  const why = error ? `: ${error.split('\n')[0]!.slice(0, 200)}` : '';
  const text = `${head}: ${outcome ?? 'finished'}${kind ? ` (${kind})` : ''} → task ${w.task_status}${why}   log: ${w.log_path}`;
  return { text, exitCode: outcome === 'cancelled' || outcome === 'superseded' ? 4 : 0 };
}

/**
 * `steward work`: --run from a shell waits on a detached babysitter (exit 0 recorded, 4 not ours any more, 5 left in
 * the outbox); --run --here and --agent babysit in this process (0, 4, 5, or 128+n stopped by signal n).
 */
export const work: Command = {
  name: 'work',
  summary: 'babysit agent runs: a dispatched run (--run; waits on a detached babysitter), or claim and run tasks for an agent profile (--agent; with --server, on a machine without the database)',
  usage: 'steward work (--run RUN [--here] | --agent A [--once] | --server URL --token T --agent A [--once] [--workdir DIR])',
  options: {
    run: { type: 'string' }, agent: { type: 'string' }, once: { type: 'boolean' }, here: { type: 'boolean' }, spare: { type: 'boolean' },
    server: { type: 'string' }, token: { type: 'string' }, workdir: { type: 'string' },
  },
  // A remote worker (--server) has no workspace here: its config is the server's.
  needsConfig: (values) => values.server === undefined,
  async run(ctx, values) {
    if (values.server !== undefined) {
      if (values.spare) throw new StewardError('USAGE', `--spare is steward up's, not a remote worker's\nusage: ${this.usage}`);
      return (await import('./work-remote.js')).workRemote(ctx, values, this.usage);
    }
    if (values.token !== undefined || values.workdir !== undefined) throw new StewardError('USAGE', `--token and --workdir go with --server\nusage: ${this.usage}`);
    if (values.spare) return spare(ctx);
    if (Boolean(values.run) === Boolean(values.agent)) throw new StewardError('USAGE', `give exactly one of --run RUN or --agent A\nusage: ${this.usage}`);
    if (values.here && !values.run) throw new StewardError('USAGE', `--here goes with --run\nusage: ${this.usage}`);
    if (values.run && !values.here) {
      // From a shell: a detached babysitter does the work, this process only waits (and may be killed safely). The
      // executable started that babysitter before steward loaded, holding the stop signals until it is detached.
      const early = earlyWaiter();
      try {
        const { id } = parseInput(idInput, { id: values.run }, 'work');
        const w = await waitRun({
          store: ctx.store(), workspace: ctx.workspace(), pollMs: positiveInt(ctx.env.STEWARD_POLL_MS, 'STEWARD_POLL_MS'), log: ctx.log,
          ...(early?.runId === id ? { start: () => early.started } : {}),
          onDetached: () => early?.release(),
        }, id);
        const { text, exitCode } = waited(w);
        return { json: { run: { ...w.run, task_status: w.task_status }, waited: { status: w.status, babysitter: w.babysitter } }, text, exitCode };
      } finally {
        early?.release();
      }
    }
    const deps = depsOf(ctx);
    if (values.run) {
      const { id } = parseInput(idInput, { id: values.run }, 'work');
      const r = await withStopSignals((signal) => workRun({ ...deps, signal }, id));
      if (r.status === 'lease_lost') ctx.log(describe(r));
      return { json: { run: r }, text: describe(r), exitCode: exitCodeOf(r) };
    }
    const out = await withStopSignals((signal) => workAgent({ ...deps, signal }, String(values.agent), { once: Boolean(values.once) }));
    const last = out.results[out.results.length - 1];
    const code = last && (out.stopped === 'signal' || out.stopped === 'deferred') ? exitCodeOf(last) : 0;
    const tail = out.stopped === 'paused' ? `agent ${values.agent} is paused until ${new Date(out.paused_until!).toISOString()}` : out.stopped === 'empty' ? 'nothing (more) to claim' : '';
    const text = [...out.results.map(describe), tail].filter(Boolean).join('\n');
    return { json: { runs: out.results, stopped: out.stopped, ...(out.paused_until ? { paused_until: new Date(out.paused_until).toISOString() } : {}) }, text, exitCode: code };
  },
};

/**
 * `steward work --spare` (started by `steward up` only, src/runner/spare.ts): loads, opens the store, says it is ready
 * on the IPC channel and waits. Handed a run, it leaves the channel and babysits it as `work --run N --here` would;
 * the channel closing first (up drained or died) ends it with nothing written.
 */
async function spare(ctx: CliContext) {
  if (!process.send) throw new StewardError('USAGE', 'steward work --spare is started by steward up (it needs its IPC channel)');
  const { statSync } = await import('node:fs');
  const configStamp = (path: string) => {
    try {
      const st = statSync(path);
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return 'none';
    }
  };
  const workspace = ctx.workspace();
  const stamp = configStamp(workspace.configPath);
  let deps = depsOf(ctx);
  warmUp(deps);
  let handedAt = 0;
  const runId = await new Promise<number | undefined>((resolve) => {
    process.on('message', (m: { run?: unknown }) => {
      handedAt = Date.now();
      resolve(typeof m?.run === 'number' ? m.run : undefined);
    });
    process.once('disconnect', () => resolve(undefined));
    process.send!({ spare: 'ready' });
  });
  if (runId === undefined) return { json: { spare: 'closed' }, text: '', silent: true };
  process.removeAllListeners('message');
  if (process.connected) process.disconnect();
  // A config.yaml edited while this spare waited is read again, as a fresh babysitter would.
  if (configStamp(workspace.configPath) !== stamp) {
    const { loadConfig } = await import('../../config/load-config.js');
    deps = { ...deps, config: loadConfig({ root: workspace.root, env: ctx.env }) };
  }
  ctx.log(`spare babysitter pid ${process.pid} takes run ${runId} (at ${handedAt})`);
  const r = await withStopSignals((signal) => workRun({ ...deps, signal }, runId));
  ctx.log(describe(r));
  return { json: { run: r }, text: describe(r), exitCode: exitCodeOf(r), silent: true };
}

/**
 * What a spare does before it says it is ready, so that a handed run does not pay for it: the run and task statements
 * prepared (the store builds them on first use), and git asked where each project's repository is (git/repo-root-cache.ts).
 */
function warmUp(deps: BabysitDeps): void {
  const { store, config, workspace } = deps;
  store.read(() => {
    store.runs.get(0);
    store.tasks.get(0);
  });
  for (const project of new Set(['default', ...Object.keys(config.projects)])) {
    try {
      const dir = resolveWorkdir(config, workspace.root, project);
      if (existsSync(dir)) rememberRepoRoot(dir);
    } catch {
      /* a project without a workdir fails the run itself, as it would cold */
    }
  }
}

/** `steward logs`: the newest run's log of a task. */
export const logs: Command = {
  name: 'logs',
  summary: "print the newest run's log of a task (--follow: keep printing until the run ends)",
  usage: 'steward logs ID [--follow]',
  options: { follow: { type: 'boolean' } },
  positionals: ['id'],
  async run(ctx, values, pos) {
    const { id } = parseInput(idInput, { id: pos[0] }, 'logs');
    const store = ctx.store();
    const latest = () =>
      store.read(() => {
        const task = requireTask(store, id);
        return { task, run: store.runs.forTask(id, 1)[0] };
      });
    let { task, run } = latest();
    if (!run && values.follow && !isTerminal(task.status)) {
      // --follow on a task that has not started: wait for its first run (Ctrl-C stops waiting).
      ctx.log(`task #${id} is ${task.status}: waiting for its first run (Ctrl-C stops)`);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        while (!run && !isTerminal(task.status) && !stop.signal.aborted) {
          await new Promise((r) => setTimeout(r, 250));
          ({ task, run } = latest());
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (!run && stop.signal.aborted) return { json: { task_id: id, run_id: null, status: task.status }, text: `stopped waiting: task #${id} is ${task.status}` };
    }
    if (!run) throw new StewardError('NOT_FOUND', `task #${id} has no runs${isTerminal(task.status) ? ` (it is ${task.status})` : ' yet (--follow waits for one)'}`, { id });
    const path = run.log_path ?? runLogPath(ctx.workspace(), id, run.id);
    const view = { task_id: id, run_id: run.id, log_path: path };
    if (!values.follow) {
      let log = '';
      try {
        log = readFileSync(path, 'utf8');
      } catch {
        throw new StewardError('NOT_FOUND', `run ${run.id} has no log at ${path}`, view);
      }
      return { json: { ...view, log }, text: log.replace(/\n$/, ''), raw: true };
    }
    const isRunning = () => store.read(() => store.runs.get(run.id)?.status === 'running');
    await followLog({ path, isRunning, write: (chunk) => (ctx.json ? undefined : process.stdout.write(chunk)) });
    const finished = store.read(() => store.runs.get(run.id))!;
    const how = `${finished.outcome ?? 'finished'}${finished.failure_kind ? ` (${finished.failure_kind})` : ''}`;
    return { json: { ...view, status: finished.status, outcome: finished.outcome }, text: `=== run ${run.id} ${how}` };
  },
};

/** The workspace's paused and misconfigured profiles; none outside a workspace. */
function profileState(ctx: CliContext, now: number): { paused: PausedAgent[]; misconfigured: Array<{ name: string; error: string; at: number }> } {
  try {
    const store = ctx.store();
    return store.read(() => ({ paused: pausedAgents(store, now), misconfigured: store.agents.misconfigured() }));
  } catch (err) {
    if (err instanceof StewardError && err.code === 'NO_WORKSPACE') return { paused: [], misconfigured: [] };
    throw err;
  }
}

function loadConfigOrDefault(ctx: CliContext): Config {
  try {
    return ctx.config();
  } catch (err) {
    if (err instanceof StewardError && err.code === 'NO_WORKSPACE') return defaultConfig();
    throw err;
  }
}

/** Each configured project's workdir and whether it exists; none outside a workspace. */
function workdirsOf(ctx: CliContext, config: Config): ReturnType<typeof projectWorkdirs> {
  try {
    return projectWorkdirs(config, ctx.workspace().root);
  } catch (err) {
    if (err instanceof StewardError && err.code === 'NO_WORKSPACE') return [];
    throw err;
  }
}

/** `steward doctor --bench`: the CLI start-up row of `npm run bench`, measured here in a throw-away workspace. */
async function startupBench(ctx: CliContext, rounds: string | undefined) {
  const n = rounds === undefined ? 10 : Number(rounds);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new StewardError('USAGE', `--rounds takes a whole number from 1 to 1000, got ${rounds}`);
  const { measureStartup, startupText } = await import('../startup-bench.js');
  const result = measureStartup({ rounds: n, progress: (line) => ctx.log(line) });
  return { json: result, text: startupText(result) };
}

/** `steward doctor`: installed CLIs, runnable profiles, project workdirs. */
export const doctor: Command = {
  name: 'doctor',
  summary: 'which coding CLIs are on PATH (and their versions), and which agent profiles can run here, with their permission mode',
  usage: 'steward doctor [--timeout SECONDS] [--json]    steward doctor --bench [--rounds N]  (CLI start-up against bare node on this machine)',
  options: { timeout: { type: 'string' }, bench: { type: 'boolean' }, rounds: { type: 'string' } },
  needsConfig: false,
  async run(ctx, values) {
    if (values.bench) return startupBench(ctx, values.rounds as string | undefined);
    if (values.rounds !== undefined) throw new StewardError('USAGE', `--rounds goes with --bench\nusage: ${this.usage}`);
    const seconds = values.timeout === undefined ? DOCTOR_TIMEOUT_MS / 1000 : Number(values.timeout);
    if (!(seconds > 0 && seconds <= 600)) throw new StewardError('USAGE', `--timeout takes seconds (0 < s ≤ 600), got ${values.timeout}`);
    const config = loadConfigOrDefault(ctx);
    const report = await runDoctor(config, { env: ctx.env, timeoutMs: Math.round(seconds * 1000) });
    const projects = workdirsOf(ctx, config);
    const state = profileState(ctx, Date.now());
    for (const p of report.profiles) {
      const paused = state.paused.find((x) => x.agent === p.name);
      const flagged = state.misconfigured.find((x) => x.name === p.name);
      if (paused) p.paused = { until: paused.until, reason: paused.reason };
      if (flagged) p.config_error = { since: new Date(flagged.at).toISOString(), error: flagged.error };
    }
    const w = Math.max(8, ...report.clis.map((c) => c.cli.length), ...report.profiles.map((p) => p.name.length));
    const lines = [`node ${report.node}`, 'CLIs:'];
    for (const c of report.clis) {
      const where = c.path ? `${c.path}  ${c.version ?? ''}${c.error ? `  (${c.error})` : ''}` : `${c.bin}: ${c.error}`;
      lines.push(`  ${c.cli.padEnd(w)}  ${where}`.trimEnd());
    }
    lines.push(report.profiles.length ? 'agent profiles:' : 'agent profiles: none configured (.steward/config.yaml agents)');
    for (const p of report.profiles) {
      lines.push(`  ${p.name.padEnd(w)}  ${p.cli.padEnd(8)}  ${p.runnable ? `ok  ${p.path}` : `cannot run: ${p.reason}`}`);
      lines.push(`  ${''.padEnd(w)}  ${''.padEnd(8)}  permissions ${p.permissions}`);
      if (p.paused) lines.push(`  ${''.padEnd(w)}  ${''.padEnd(8)}  PAUSED until ${p.paused.until} (rate limit, no strike): ${p.paused.reason}`);
      if (p.config_error) lines.push(`  ${''.padEnd(w)}  ${''.padEnd(8)}  CANNOT START since ${p.config_error.since}: ${p.config_error.error}`);
    }
    lines.push(projects.length ? 'project workdirs:' : 'project workdirs: none configured (tasks run in the workspace; .steward/config.yaml projects)');
    for (const p of projects) lines.push(`  ${p.project.padEnd(w)}  ${p.exists ? 'ok' : 'missing'}  ${p.workdir}`);
    const leftovers = await worktreeLeftovers(ctx);
    if (leftovers.length) {
      lines.push('worktrees and task branches not in use (steward gc removes the clean, merged ones):');
      for (const l of leftovers) lines.push(`  ${leftoverLine(l)}`);
    }
    return { json: { ...report, projects, leftovers }, text: lines.join('\n') };
  },
};

/** Leftover worktrees and branches of this workspace (git loaded only when some project has a repository). */
async function worktreeLeftovers(ctx: CliContext): Promise<Leftover[]> {
  try {
    const { findLeftovers } = await import('../../git/gc.js');
    return findLeftovers(ctx.store(), ctx.workspace(), loadConfigOrDefault(ctx));
  } catch {
    return []; // no workspace, or no git: nothing of ours to list
  }
}

/** One leftover as a line: what, where, task, and why it stays or goes. */
export function leftoverLine(l: Leftover): string {
  const what = l.kind === 'worktree' ? `worktree ${l.path} (${l.branch ?? 'detached'})` : `branch ${l.branch} in ${l.repo}`;
  const task = l.task_id === null ? '' : ` task #${l.task_id}${l.task_status ? ` ${l.task_status}` : ' (not in this queue)'}`;
  const state = l.dirty.length ? `uncommitted: ${l.dirty.slice(0, 5).join(', ')}${l.dirty.length > 5 ? ', …' : ''}` : l.merged ? 'merged' : 'not merged';
  return `${what}${task}: ${state}${l.removable ? ' → removable' : ''}`;
}
