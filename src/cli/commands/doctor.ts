// `steward logs` (a run's output) and `steward doctor` (what can run here): beside `steward work` in help, in a module
// of their own so a babysitter (`work`) does not load what they need (the config schema, the ops barrel).
import { hostname } from 'node:os';
import { readRegular } from '../../files/read-from.js';
import { writeOut } from '../write-out.js';
import { defaultConfig, type Config } from '../../config/schema.js';
import { StewardError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import { idInput } from '../../core/schemas.js';
import { pausedAgents, requireTask, type PausedAgent } from '../../ops/index.js';
import { isTerminal } from '../../core/states.js';
import type { Run } from '../../core/types.js';
import { projectWorkdirs } from '../../config/task-targets.js';
import { DOCTOR_TIMEOUT_MS, runDoctor } from '../../runner/doctor.js';
import { closesRun } from '../../runner/closing-line.js';
import { followLog, symlinkLogError } from '../../runner/follow-log.js';
import { processGone } from '../../runner/process-group.js';
import { runLogPath } from '../../runner/run-log.js';
import type { Leftover } from '../../git/gc.js';
import type { CliContext, Command } from '../command.js';
import { decimal } from '../../core/decimal.js';

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
      let log: Buffer;
      try {
        log = readRegular(path, { nofollow: true }); // a FIFO put there would block a plain read forever
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StewardError('NOT_FOUND', `run ${run.id} has no log at ${path}`, view);
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkLogError(path, view);
        throw new StewardError('NOT_FOUND', `run ${run.id}'s log at ${path} cannot be read: ${(err as Error).message}`, view);
      }
      if (ctx.json) return { json: { ...view, log: log.toString('utf8') }, text: '' };
      // The file's bytes as they are (a CLI's output need not be UTF-8: decoding would turn bytes into U+FFFD), ending
      // with one line break, as `--follow` prints them.
      writeOut(1, log.length && log[log.length - 1] === 10 ? log : Buffer.concat([log, Buffer.from('\n')]));
      return { json: { ...view }, text: '', silent: true };
    }
    const isRunning = () => store.read(() => store.runs.get(run.id)?.status === 'running');
    // The babysitter writes its last lines after it recorded the outcome: the run reads finished before they are in the
    // log. They are waited for: this run's closing line, or the babysitter gone (a crash, another host: no wait).
    let tail = '';
    const settled = () => closesRun(tail, run.id) || babysitterGone(store.read(() => store.runs.get(run.id)));
    const write = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-8192);
      if (!ctx.json) process.stdout.write(chunk);
    };
    await followLog({ path, isRunning, write, settled, note: (line) => ctx.log(`steward logs: ${line}`) });
    const finished = store.read(() => store.runs.get(run.id))!;
    const how = `${finished.outcome ?? 'finished'}${finished.failure_kind ? ` (${finished.failure_kind})` : ''}`;
    return { json: { ...view, status: finished.status, outcome: finished.outcome }, text: `=== run ${run.id} ${how}` };
  },
};

/** True unless the run's babysitter is a live process on this host (it may still be writing the run's last lines). */
function babysitterGone(run: Run | undefined): boolean {
  if (!run?.pid || run.host !== hostname() || run.pid === process.pid) return true;
  return processGone(run.pid, run.proc_start);
}

/** `read()`, or `outside()` when doctor runs outside a workspace (it checks the machine there too). */
function inWorkspace<T>(read: () => T, outside: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof StewardError && err.code === 'NO_WORKSPACE') return outside();
    throw err;
  }
}

/** The workspace's paused and misconfigured profiles; none outside a workspace. */
function profileState(ctx: CliContext, now: number): { paused: PausedAgent[]; misconfigured: Array<{ name: string; error: string; at: number }> } {
  return inWorkspace(() => {
    const store = ctx.store();
    return store.read(() => ({ paused: pausedAgents(store, now), misconfigured: store.agents.misconfigured() }));
  }, () => ({ paused: [], misconfigured: [] }));
}

const loadConfigOrDefault = (ctx: CliContext): Config => inWorkspace(() => ctx.config(), defaultConfig);

/** Each configured project's workdir and whether it exists; none outside a workspace. */
const workdirsOf = (ctx: CliContext, config: Config): ReturnType<typeof projectWorkdirs> => inWorkspace(() => projectWorkdirs(config, ctx.workspace().root), () => []);

/** The workspace root (a profile's relative executable path is the workspace's); nothing outside a workspace. */
const rootOf = (ctx: CliContext): { root?: string } => inWorkspace<{ root?: string }>(() => ({ root: ctx.workspace().root }), () => ({}));

/** `steward doctor --bench`: the CLI start-up row of `npm run bench`, measured here in a throw-away workspace. */
async function startupBench(ctx: CliContext, rounds: string | undefined) {
  const n = rounds === undefined ? 10 : decimal(rounds);
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
    const seconds = values.timeout === undefined ? DOCTOR_TIMEOUT_MS / 1000 : decimal(values.timeout as string);
    if (!(seconds > 0 && seconds <= 600)) throw new StewardError('USAGE', `--timeout takes seconds (0 < s ≤ 600), got ${values.timeout}`);
    const config = loadConfigOrDefault(ctx);
    const report = await runDoctor(config, { env: ctx.env, timeoutMs: Math.round(seconds * 1000), ...rootOf(ctx) });
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
    for (const p of projects) lines.push(`  ${p.project.padEnd(w)}  ${p.exists ? 'ok' : (p.problem ?? 'missing')}  ${p.workdir}`);
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
