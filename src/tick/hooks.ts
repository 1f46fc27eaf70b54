// Wires the tick's real I/O for a workspace: inbox files, process liveness, dispatch, TASKS.md.
import type { Config } from '../config/schema.js';
import { ingestInbox } from '../inbox/ingest-inbox.js';
import type { Workspace } from '../workspace/workspace.js';
import type { TickHooks } from './tick-once.js';

/** What the real hooks need: where the workspace is, and its config. */
export interface HookDeps {
  workspace: Workspace;
  config: Config;
}

/** The hooks a tick of this workspace uses. Each issue's module adds its own hook here. */
export function buildTickHooks(deps: HookDeps): TickHooks {
  return {
    ingest: (store, ctx) => {
      const inbox = ingestInbox(store, ctx, deps.workspace.inboxDir);
      return { inbox, acted: { ingested: inbox.ingested.length, rejected_files: inbox.rejected.length } };
    },
  };
}
