// `steward work --server URL --token T --agent A`: the remote babysitter (src/remote/remote-work.ts), no workspace needed.
import { resolve } from 'node:path';
import { StewardError } from '../../core/errors.js';
import { zName, parseInput } from '../../core/schemas.js';
import { remoteDirs, remoteWork, waitingOutcomes, type RemoteRunResult } from '../../remote/remote-work.js';
import { WorkerClient } from '../../remote/worker-client.js';
import { withStopSignals } from '../../runner/work.js';
import type { CliContext, CommandOutput, Values } from '../command.js';
import { noLongerLive } from '../format.js';

function describe(r: RemoteRunResult): string {
  const head = `run ${r.run_id} task #${r.task_id}`;
  const error = r.error ? `: ${r.error.split('\n')[0]!.slice(0, 200)}` : '';
  if (r.status === 'deferred') return `${head}: server unreachable; the outcome waits in the outbox and is delivered when it is back`;
  if (r.status === 'lease_lost') return `${head}: LEASE_LOST — ${noLongerLive(r.error)}`;
  if (r.status === 'rejected') return `${head}: the server refused its outcome${error} (kept in the outbox's rejected/ folder)   log: ${r.log_path}`;
  return `${head}: ${r.status}${r.kind ? ` (${r.kind})` : ''} → task ${r.task_status ?? '?'}${error}   log: ${r.log_path}`;
}

/** Default longest idle gap of a remote worker (`--wait`), seconds: each ask is a long poll the server holds this long. */
export const REMOTE_WAIT_POLL_SECONDS = 5;

/**
 * Runs the remote work loop; exit 0 when everything was delivered, 5 when an outcome still waits in the outbox, 1 when
 * the server refused one outright (set aside in the outbox's rejected/ folder: nothing it ran got lost silently).
 * `waitPollSeconds`: with --wait, the longest an idle worker goes without asking the server again (each ask is a long
 * poll: the server answers at once when a task is claimed for it).
 */
export async function workRemote(ctx: CliContext, values: Values, usage: string, waitPollSeconds = REMOTE_WAIT_POLL_SECONDS): Promise<CommandOutput> {
  if (values.run || values.here) throw new StewardError('USAGE', `--server goes with --agent (a remote worker claims its own runs)\nusage: ${usage}`);
  if (!values.agent) throw new StewardError('USAGE', `--server needs --agent A\nusage: ${usage}`);
  const agent = parseInput(zName, values.agent, 'agent');
  const token = (values.token as string | undefined) ?? ctx.env.STEWARD_TOKEN;
  if (!token) throw new StewardError('USAGE', `--server needs a worker token: --token T or STEWARD_TOKEN (STEWARD_TOKEN keeps it out of the process list)\nusage: ${usage}`);
  const dir = resolve(ctx.cwd, ctx.dir ?? '.');
  const workdir = values.workdir === undefined ? dir : resolve(ctx.cwd, String(values.workdir));
  const client = new WorkerClient({ server: String(values.server), token });
  const waitPollMs = values.wait ? waitPollSeconds * 1000 : undefined;
  const out = await withStopSignals((signal) =>
    remoteWork({
      client, agent, dir, workdir, signal, log: ctx.log, once: Boolean(values.once), tee: process.stdout.isTTY && !ctx.json ? process.stdout : null,
      ...(waitPollMs ? { waitPollMs } : {}),
    }),
  );
  // Stopped with an outcome still in the outbox: one of this session's runs, or one left by an earlier session that the
  // server did not get before the stop.
  const waiting = out.stopped === 'signal' && waitingOutcomes(remoteDirs(dir).outbox).length > 0;
  const tail = out.stopped === 'paused'
    ? `agent ${agent} is paused until ${new Date(out.paused_until!).toISOString()}`
    : out.stopped === 'held' ? `nothing claimed now: ${out.held!.reason}` : out.stopped === 'empty' ? 'nothing (more) to claim'
    : out.stopped === 'stopped' ? 'stopped while waiting for work' : '';
  const refused = (out.refused ?? []).map((r) => `task #${r.task_id} not for remote workers (${r.code}): ${r.reason}`);
  const delivered = out.delivered.length ? `delivered from the outbox: run ${out.delivered.join(', ')}` : '';
  return {
    json: {
      runs: out.results, delivered: out.delivered, stopped: out.stopped, outbox: remoteDirs(dir).outbox,
      ...(out.paused_until ? { paused_until: new Date(out.paused_until).toISOString() } : {}),
      ...(out.held ? { held: out.held } : {}),
      ...(out.refused ? { refused: out.refused } : {}),
    },
    text: [...out.results.map(describe), delivered, ...refused, tail].filter(Boolean).join('\n'),
    exitCode: waiting ? 5 : out.results.some((r) => r.status === 'rejected') ? 1 : 0,
  };
}
