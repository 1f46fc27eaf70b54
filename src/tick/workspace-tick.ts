// The tick of a workspace as one call: its hooks, under the lock, returning the digest (or the busy skip).
import type { Config } from '../config/schema.js';
import type { OpContext } from '../core/types.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { buildTickHooks, type HookDeps } from './hooks.js';
import { notifiesFor, notifyLogPath, notifyOnce } from './notify.js';
import { isSkipped, runDispatchStep, runTick, type TickSkipped } from './run-tick.js';
import type { DispatchStepResult, TickHooks } from './tick-once.js';

export interface WorkspaceTickDeps {
  workspace: Workspace;
  config: Config;
  store: Store;
  /** Changes the workspace's hooks (e.g. `steward up` draining: no dispatch). */
  adjust?: (hooks: TickHooks) => TickHooks;
  /** Where notify problems are reported. */
  log?: (line: string) => void;
  /** Collects the notify deliveries (the CLI awaits them before it exits). */
  pending?: Array<Promise<void>>;
  /** Whose digest cursor the ticks advance (default the heartbeat). */
  reader?: string;
  /** How dispatch starts a babysitter (default: a fresh detached process). */
  start?: HookDeps['start'];
  /** Who takes the tick lock (default a new owner); the quiet tick hands over the lock it holds under its owner. */
  owner?: string;
}

function hooksOf(deps: WorkspaceTickDeps): TickHooks {
  const base = buildTickHooks({ workspace: deps.workspace, config: deps.config, ...(deps.start ? { start: deps.start } : {}) });
  return deps.adjust ? deps.adjust(base) : base;
}

/**
 * The tick's dispatch step alone, with the same hooks and under the same lock as `workspaceTick` (`steward up` runs it
 * on a wake-up, then the full tick): what it dispatched, or the busy skip.
 */
export function workspaceDispatchStep(deps: WorkspaceTickDeps): (ctx: OpContext) => DispatchStepResult | TickSkipped {
  return (ctx) => runDispatchStep({ store: deps.store, ctx, hooks: hooksOf(deps), config: deps.config, reader: deps.reader });
}

/** Returns the function the CLI, MCP and `steward up` call for one tick; the digest is what it returns. */
export function workspaceTick(deps: WorkspaceTickDeps): (ctx: OpContext) => Record<string, unknown> & { quiet: boolean } {
  return (ctx) => {
    const hooks = hooksOf(deps);
    const result = runTick({ store: deps.store, ctx, hooks, config: deps.config, reader: deps.reader, ...(deps.owner ? { owner: deps.owner } : {}) });
    if (isSkipped(result)) return result as unknown as Record<string, unknown> & { quiet: boolean };
    const digest = result.digest as unknown as Record<string, unknown> & { quiet: boolean };
    if (!digest.quiet && notifiesFor(deps.reader, deps.workspace.stewardDir)) {
      // Sent whether or not someone collects it (`steward up` does not): `pending?.push(notify(…))` skipped the call too.
      const sent = notifyOnce(deps.store, deps.config, ctx.now, deps.reader, digest, deps.log, notifyLogPath(deps.workspace));
      deps.pending?.push(sent);
    }
    return digest;
  };
}

export type { TickSkipped };
