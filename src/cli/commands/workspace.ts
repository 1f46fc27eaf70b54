// Workspace commands: init, tick.
import { openStore } from '../../store/open-store.js';
import { boardHooks, buildTickHooks } from '../../tick/hooks.js';
import { tickOnce } from '../../tick/tick-once.js';
import { createWorkspaceDirs } from '../../workspace/workspace.js';
import type { Command } from '../command.js';

export const init: Command = {
  name: 'init',
  summary: 'create a workspace (.steward/ with the queue database) here or at --dir',
  usage: 'steward init [--dir PATH]',
  run(ctx) {
    const { workspace, created } = createWorkspaceDirs(ctx.dir ?? ctx.env.STEWARD_DIR ?? ctx.cwd);
    openStore(workspace.dbPath).close();
    const text = created.length ? `initialised ${workspace.root}` : `${workspace.root} is already a workspace (nothing changed)`;
    return { json: { workspace: workspace.root, db: workspace.dbPath, created }, text };
  },
};

export const tick: Command = {
  name: 'tick',
  summary: 'run one triage pass: reap lost runs, promote ready work',
  usage: 'steward tick',
  run(ctx) {
    const hooks = buildTickHooks({ workspace: ctx.workspace(), config: ctx.config() });
    const result = tickOnce({ store: ctx.store(), ctx: ctx.op(), hooks });
    const parts = [
      result.reaped.length ? `reaped ${result.reaped.length}` : '',
      result.promoted.length ? `promoted ${result.promoted.length}` : '',
      result.blocked.length ? `blocked ${result.blocked.length}` : '',
      result.unblocked.length ? `unblocked ${result.unblocked.length}` : '',
    ].filter(Boolean);
    return { json: result, text: parts.length ? parts.join(', ') : 'nothing to do' };
  },
};

export const render: Command = {
  name: 'render',
  summary: 'apply edits made in TASKS.md, then render it from the queue',
  usage: 'steward render',
  run(ctx) {
    const board = boardHooks({ workspace: ctx.workspace(), config: ctx.config() });
    const store = ctx.store();
    const op = { ...ctx.op(), actor: 'human' };
    const read = board.ingest(store, op).board as { applied: unknown[]; unreadable: unknown[]; removed: unknown[] };
    const written = board.render(store, op).board as { written: boolean; tasks: number; reason?: string };
    const text = [
      written.written ? `rendered ${written.tasks} tasks to TASKS.md` : `TASKS.md not written: ${written.reason}`,
      read.applied.length ? `applied ${read.applied.length} edits` : '',
      read.unreadable.length ? `${read.unreadable.length} lines could not be read (kept under "Could not read")` : '',
    ].filter(Boolean);
    return { json: { read, render: written }, text: text.join('\n') };
  },
};
