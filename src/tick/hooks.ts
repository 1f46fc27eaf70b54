// Wires the tick's real I/O for a workspace: inbox files, TASKS.md, process liveness, dispatch.
import { resolve } from 'node:path';
import { ingestBoard, renderBoardFile, type BoardIngest } from '../board/board-sync.js';
import type { Config } from '../config/schema.js';
import type { OpContext } from '../core/types.js';
import { makeDispatch, makeIsDead, makeOnLost } from '../runner/tick-hooks.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import type { TickHooks } from './tick-once.js';

export interface HookDeps {
  workspace: Workspace;
  config: Config;
}

/** A short account of what reading TASKS.md did (the full lists go to the digest). */
function boardReport(b: BoardIngest): Record<string, unknown> {
  return { applied: b.applied, unreadable: b.fresh, removed: b.removed };
}

/** TASKS.md's two steps; the render of a tick reuses what its ingest read, so kept lines stay kept. */
export function boardHooks(deps: HookDeps): Required<Pick<TickHooks, 'ingest' | 'render'>> {
  const path = resolve(deps.workspace.root, deps.config.board.path);
  let read: BoardIngest | undefined;
  const opts = (store: Store, ctx: OpContext) => ({ store, ctx, path, config: deps.config });
  return {
    ingest: (store, ctx) => {
      read = ingestBoard(opts(store, ctx));
      return { board: boardReport(read) };
    },
    render: (store, ctx) => {
      const ingest = read ?? ingestBoard(opts(store, ctx));
      read = undefined;
      return { board: renderBoardFile(opts(store, ctx), ingest) };
    },
  };
}

/** The hooks a tick of this workspace uses. Each issue's module adds its own hook here. */
export function buildTickHooks(deps: HookDeps): TickHooks {
  const board = boardHooks(deps);
  return {
    ingest: board.ingest,
    // runner (issue 5): dead babysitters → lost, their orphaned CLIs killed; outbox applied, then dispatch.
    isDead: makeIsDead(deps.workspace),
    onLost: makeOnLost(),
    dispatch: makeDispatch(deps),
    render: board.render,
  };
}
