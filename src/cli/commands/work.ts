// `steward work`: babysit coding CLIs to the end (logs and doctor are doctor.ts). Its babysitter paths (`--run N --here`,
// `--spare`) load no zod, config schema, YAML parser or ops barrel: a babysitter waits beside its CLI for hours, and
// its resident memory is what it costs (issue 18; test/cli-startup.test.ts checks what it loads).
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { StewardError } from '../../core/errors.js';
import { parseIdInput } from '../../core/fast-input.js';
import { loadSchemas } from '../../core/input-schemas.js';
import { resolveWorkdir } from '../../config/config-policy.js';
import { rememberRepoRoot } from '../../git/repo-root-cache.js';
import type { BabysitDeps, BabysitResult } from '../../runner/babysit.js';
import { profileFits } from '../../tick/stuck.js';
import { waitRun, type WaitResult } from '../../runner/wait-run.js';
import { earlyWaiter } from '../early-waiter.js';
import { withStopSignals, workAgent, workRun } from '../../runner/work.js';
import type { CliContext, Command } from '../command.js';
import { noLongerLive } from '../format.js';
import { decimal } from '../../core/decimal.js';

/** `--poll-seconds N`: a whole number of seconds from 1 to 86400 (one day). */
function pollSecondsOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 86_400) throw new StewardError('VALIDATION', `--poll-seconds takes a whole number of seconds from 1 to 86400, got ${value}`, { field: 'poll-seconds' });
  return n;
}

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
      return `${head}: LEASE_LOST — ${noLongerLive(r.error)}; its CLI was stopped and any result is kept on the run`;
    case 'deferred':
      return `${head}: database unavailable; the outcome is saved in ${r.outbox_path} and the next tick applies it`;
    case 'interrupted':
      return `${head}: stopped by ${r.signal}; the CLI was killed and the run recorded as lost → task ${r.task_status}`;
    default:
      return `${head}: ${r.status}${r.kind ? ` (${r.kind})` : ''} → task ${r.task_status}${error}   log: ${r.log_path}`;
  }
}

/**
 * Why `work --agent A` found nothing while tasks are ready: the ready tasks profile A does not take (another type, agent
 * or capability), so a person is not left guessing (tick's stuck signal says it only when no profile takes them).
 */
function notTaken(deps: BabysitDeps, agent: string): string {
  const profile = deps.config.agents[agent];
  if (!profile) return '';
  const groups = deps.store.read(() => deps.store.reports.readyGroups(200)).filter((g) => !profileFits(agent, profile, g));
  if (groups.length === 0) return '';
  const n = groups.reduce((sum, g) => sum + g.count, 0);
  const like = groups.slice(0, 3).map((g) => `#${g.first} (type ${g.type}${g.agent === 'any' ? '' : `, agent ${g.agent}`}${g.requires.length ? `, requires ${g.requires.join(',')}` : ''})`);
  const caps = profile.capabilities.length ? `, capabilities ${profile.capabilities.join(', ')}` : '';
  return `; ${n} ready task${n === 1 ? '' : 's'} ${agent} does not take, like ${like.join(', ')}: it takes types ${profile.types.join(', ')}${caps} (agents.${agent} in .steward/config.yaml, or steward edit ID --type T --agent A)`;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = decimal(value);
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
  usage: [
    'steward work (--run RUN [--here] | --agent A [--once] [--wait [--poll-seconds N]] | --server URL [--token T] --agent A [--once] [--wait [--poll-seconds N]] [--workdir DIR])',
    '  --server: the worker token is --token T or STEWARD_TOKEN (which keeps it out of the process list).',
    '  --wait: when nothing is claimable, wait for work instead of exiting (Postgres: LISTEN, woken by the commit that adds it;',
    '  both: a poll every --poll-seconds, default 2 on SQLite, 10 on Postgres; --server: each ask is a long poll the server',
    '  answers as soon as a task is claimed, --poll-seconds (default 5, at most 60 held) the longest idle gap between asks);',
    '  SIGINT/SIGTERM while waiting: exit 0.',
    '  Exit: 0 recorded (or nothing to claim), 4 not ours any more, 5 left in the outbox, 128+n stopped by signal n mid-run.',
  ].join('\n'),
  options: {
    run: { type: 'string' }, agent: { type: 'string' }, once: { type: 'boolean' }, here: { type: 'boolean' }, spare: { type: 'boolean' },
    server: { type: 'string' }, token: { type: 'string' }, workdir: { type: 'string' }, wait: { type: 'boolean' }, 'poll-seconds': { type: 'string' },
  },
  // A remote worker (--server) has no workspace here: its config is the server's.
  needsConfig: (values) => values.server === undefined,
  // The babysitters (a dispatched run, a spare) wait for hours beside their CLI: no YAML parser or config schema in them.
  configApart: (values) => Boolean(values.spare) || Boolean(values.run && values.here),
  async run(ctx, values) {
    if (values['poll-seconds'] !== undefined && !values.wait) throw new StewardError('USAGE', `--poll-seconds goes with --wait\nusage: ${this.usage}`);
    if (values.wait && !values.agent) throw new StewardError('USAGE', `--wait goes with --agent A\nusage: ${this.usage}`);
    const pollSeconds = values['poll-seconds'] === undefined ? undefined : pollSecondsOf(String(values['poll-seconds']));
    if (values.server !== undefined) {
      await loadSchemas();
      if (values.spare) throw new StewardError('USAGE', `--spare is steward up's, not a remote worker's\nusage: ${this.usage}`);
      const remote = await import('./work-remote.js');
      return remote.workRemote(ctx, values, this.usage, pollSeconds);
    }
    if (values.token !== undefined || values.workdir !== undefined) throw new StewardError('USAGE', `--token and --workdir go with --server\nusage: ${this.usage}`);
    if (values.spare) return spare(ctx);
    if (Boolean(values.run) === Boolean(values.agent)) throw new StewardError('USAGE', `give exactly one of --run RUN or --agent A\nusage: ${this.usage}`);
    // `work` is hand-checked (cli.ts loads no zod for it): --run and --spare need none; --agent claims and babysits in
    // a loop, with the schemas loaded as before.
    if (values.agent) await loadSchemas();
    if (values.here && !values.run) throw new StewardError('USAGE', `--here goes with --run\nusage: ${this.usage}`);
    if (values.run && !values.here) {
      // From a shell: a detached babysitter does the work, this process only waits (and may be killed safely). The
      // executable started that babysitter before steward loaded, holding the stop signals until it is detached.
      const early = earlyWaiter();
      try {
        const { id } = parseIdInput({ id: values.run }, 'work');
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
      const { id } = parseIdInput({ id: values.run }, 'work');
      const r = await withStopSignals((signal) => workRun({ ...deps, signal }, id));
      if (r.status === 'lease_lost') ctx.log(describe(r));
      return { json: { run: r }, text: describe(r), exitCode: exitCodeOf(r) };
    }
    const waiter = values.wait
      ? await (await import('../../runner/work-wait.js')).openWorkWaiter(deps.store, { log: ctx.log, ...(pollSeconds ? { pollMs: pollSeconds * 1000 } : {}) })
      : undefined;
    let out: Awaited<ReturnType<typeof workAgent>>;
    try {
      out = await withStopSignals((signal) => workAgent({ ...deps, signal }, String(values.agent), { once: Boolean(values.once), ...(waiter ? { waiter } : {}) }));
    } finally {
      await waiter?.close();
    }
    const last = out.results[out.results.length - 1];
    const code = last && (out.stopped === 'signal' || out.stopped === 'deferred') ? exitCodeOf(last) : 0;
    const tail = out.stopped === 'paused' ? `agent ${values.agent} is paused until ${new Date(out.paused_until!).toISOString()}`
      : out.stopped === 'empty' ? `nothing (more) to claim${notTaken(deps, String(values.agent))}`
      : out.stopped === 'stopped' ? 'stopped while waiting for work' : '';
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
    const [{ loadConfigApart }, { withoutServerSecrets }] = await Promise.all([import('../../config/config-apart.js'), import('../../config/config-env.js')]);
    deps = { ...deps, config: await loadConfigApart(workspace.root, withoutServerSecrets(ctx.env)) };
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
