// Wires the tick's real I/O for a workspace: inbox files, process liveness, dispatch, TASKS.md.
import type { Config } from '../config/schema.js';
import { makeDispatch, makeIsDead, makeOnLost } from '../runner/tick-hooks.js';
import type { Workspace } from '../workspace/workspace.js';
import type { TickHooks } from './tick-once.js';

export interface HookDeps {
  workspace: Workspace;
  config: Config;
}

/** The hooks a tick of this workspace uses. Each issue's module adds its own hook here. */
export function buildTickHooks(deps: HookDeps): TickHooks {
  return {
    // runner (issue 5): dead babysitters → lost, their orphaned CLIs killed; outbox applied, then dispatch.
    isDead: makeIsDead(deps.workspace),
    onLost: makeOnLost(),
    dispatch: makeDispatch(deps),
  };
}
