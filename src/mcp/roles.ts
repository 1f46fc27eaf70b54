// Who may call which tool: the four token roles and their tool lists (DESIGN §7).
import { z } from 'zod';

/** The MCP roles. */
export const MCP_ROLES = ['planner', 'worker', 'triage', 'viewer'] as const;
export type McpRole = (typeof MCP_ROLES)[number];

/** A role name, as flags, tokens and config give it. */
export const zRole = z.enum(MCP_ROLES);

/** Every tool steward serves, in the order tools/list shows them. */
export const TOOL_NAMES = ['propose', 'list', 'show', 'claim', 'heartbeat', 'complete', 'fail', 'decide', 'update', 'tick'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The tools each role sees and may call; any other call is refused with FORBIDDEN. */
export const ROLE_TOOLS: Record<McpRole, readonly ToolName[]> = {
  planner: ['propose', 'list', 'show'],
  worker: ['claim', 'heartbeat', 'complete', 'fail', 'propose', 'show', 'list'],
  triage: ['list', 'show', 'decide', 'update', 'tick', 'propose'],
  /** Looks only: for people who may watch the queue (the web board's read-only role). */
  viewer: ['list', 'show'],
};

/** True when `name` is one of steward's tools (of any role). */
export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}
