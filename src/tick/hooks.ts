// Wires the tick's real I/O for a workspace: inbox files, TASKS.md, process liveness, dispatch.
import { join, resolve } from 'node:path';
import { OVERFLOW_FOLDER } from '../board/board-limits.js';
import { ingestBoard, renderBoardFile, type BoardIngest } from '../board/board-sync.js';
import type { Config } from '../config/schema.js';
import type { OpContext } from '../core/types.js';
import { ingestInbox } from '../inbox/ingest-inbox.js';
import type { DispatchDeps } from '../runner/dispatch.js';
import { makeApplyOutbox, makeDispatch, makeIsDead, makeOnLost } from '../runner/tick-hooks.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { isStoreFailure } from '../store/sqlite-errors.js';
import { errorText, type TickHooks } from './tick-once.js';

/** What the real hooks need: where the workspace is, and its config. */
export interface HookDeps {
  workspace: Workspace;
  config: Config;
  /** How dispatch starts a babysitter (`steward up`: a warm spare, src/runner/spare.ts); default a fresh detached one. */
  start?: DispatchDeps['start'];
}

/** What reading TASKS.md did, in the digest's terms: counts under `acted`, lines for its `board` list. */
function boardReport(b: BoardIngest): Record<string, unknown> {
  const removed = b.removed.map((id) => ({ line: 0, text: `#${id}`, reason: `the line of task #${id} was deleted; nothing was deleted, it is shown again` }));
  return {
    board: { applied: b.applied },
    acted: b.applied.length ? { board_edits: b.applied.length } : {},
    unreadable_lines: [...b.fresh, ...removed],
    tasks_added: b.applied.filter((a) => a.kind === 'create' && a.task_id !== undefined).length,
  };
}

/** TASKS.md's two steps; the render of a tick reuses what its ingest read, so kept lines stay kept. */
export function boardHooks(deps: HookDeps): Required<Pick<TickHooks, 'ingest' | 'render'>> {
  const path = resolve(deps.workspace.root, deps.config.board.path);
  let read: BoardIngest | undefined;
  const overflowDir = join(deps.workspace.stewardDir, OVERFLOW_FOLDER);
  const opts = (store: Store, ctx: OpContext) => ({ store, ctx, path, config: deps.config, overflowDir });
  return {
    ingest: (store, ctx) => {
      read = ingestBoard(opts(store, ctx));
      return boardReport(read);
    },
    render: (store, ctx) => {
      const ingest = read ?? ingestBoard(opts(store, ctx));
      read = undefined;
      return { board: renderBoardFile(opts(store, ctx), ingest) };
    },
  };
}

/** The hooks a tick of this workspace uses: inbox files and TASKS.md in, the board out. */
export function buildTickHooks(deps: HookDeps): TickHooks {
  const board = boardHooks(deps);
  return {
    ingest: (store, ctx) => {
      const inbox = ingestInbox(store, ctx, deps.workspace.inboxDir);
      // TASKS.md failing to read (a folder, no permission) never costs the inbox its step.
      let edits: { acted: Record<string, number>; unreadable_lines: unknown[]; board: unknown; tasks_added?: number };
      try {
        edits = board.ingest(store, ctx) as typeof edits;
      } catch (err) {
        if (isStoreFailure(err)) throw err;
        const reason = `TASKS.md could not be read: ${errorText(err)}`;
        edits = { acted: {}, unreadable_lines: [{ line: 0, text: deps.config.board.path, reason }], board: { error: reason } };
      }
      return {
        inbox,
        board: edits.board,
        acted: { ingested: inbox.ingested.length, rejected_files: inbox.rejected.length, inbox_failures: inbox.failed.length, ...edits.acted },
        unreadable_lines: edits.unreadable_lines,
        tasks_added: edits.tasks_added ?? 0,
      };
    },
    // runner (issue 5): the outbox applied first (before the reap, issue 14), dead babysitters → lost, their
    // orphaned CLIs killed, then dispatch.
    outbox: makeApplyOutbox(deps.workspace),
    isDead: makeIsDead(deps.workspace),
    onLost: makeOnLost(deps.workspace),
    dispatch: makeDispatch(deps),
    render: board.render,
  };
}
