// Workspace commands: init, tick, stats.
import { collectStats } from '../../ops/index.js';
import { openStore } from '../../store/open-store.js';
import { digestText } from '../../tick/digest-text.js';
import { buildTickHooks } from '../../tick/hooks.js';
import { isSkipped, runTick } from '../../tick/run-tick.js';
import { agentClisOnPath, initWorkspace } from '../../workspace/init-workspace.js';
import type { Command } from '../command.js';

/** `steward init`: the workspace folders and starter files. */
export const init: Command = {
  name: 'init',
  summary: 'create a workspace here or at --dir: .steward/ (queue, config, inbox, logs), TASKS.md, HEARTBEAT.md',
  usage: 'steward init [--dir PATH]',
  needsConfig: false,
  run(ctx) {
    const { workspace, created } = initWorkspace(ctx.dir ?? ctx.env.STEWARD_DIR ?? ctx.cwd, { agents: agentClisOnPath(ctx.env) });
    openStore(workspace.dbPath).close();
    const text = created.length
      ? `initialised ${workspace.root}: created ${created.join(', ')}`
      : `${workspace.root} is already a workspace (nothing changed)`;
    return { json: { workspace: workspace.root, db: workspace.dbPath, created }, text };
  },
};

/** `steward tick`: one pass under the lock; prints the digest. */
export const tick: Command = {
  name: 'tick',
  summary: 'run one triage pass (ingest, reap, decide, promote, dispatch, render) and print the digest',
  usage: 'steward tick [--json]',
  run(ctx) {
    const config = ctx.config();
    const hooks = buildTickHooks({ workspace: ctx.workspace(), config });
    const result = runTick({ store: ctx.store(), ctx: ctx.op(), hooks, config });
    const digest = isSkipped(result) ? result : result.digest;
    return { json: digest, text: digestText(digest) };
  },
};

/** `steward stats`: the queue's numbers. */
export const stats: Command = {
  name: 'stats',
  summary: 'queue statistics: tasks by state, throughput, failures by kind, cost and tokens, proposals',
  usage: 'steward stats [--json]',
  run(ctx) {
    const s = collectStats(ctx.store(), Date.now());
    const failures = Object.entries(s.failures).map(([k, n]) => `${k} ${n}`).join(' · ') || 'none';
    const proposals = Object.entries(s.proposals).map(([k, n]) => `${k} ${n}`).join(' · ') || 'none';
    const text = [
      `tasks      ${Object.entries(s.tasks).map(([k, n]) => `${k} ${n}`).join(' · ')}`,
      `done       ${s.throughput.done_24h} in the last 24 h (${s.throughput.per_hour}/h)`,
      `failures   ${failures}`,
      `runs       ${s.runs.runs} · cost $${s.runs.cost_usd.toFixed(4)} · tokens in ${s.runs.tokens_in} out ${s.runs.tokens_out}`,
      `proposals  ${proposals}`,
    ];
    return { json: s, text: text.join('\n') };
  },
};
