// Every steward MCP tool by name.
import type { ToolDef } from './define.js';
import type { ToolName } from './roles.js';
import { listTool, proposeTool, showTool } from './tools-read.js';
import { decideTool, tickTool, updateTool } from './tools-triage.js';
import { claimTool, completeTool, failTool, heartbeatTool } from './tools-worker.js';

/** The definitions of all ten tools; a role's server registers only its own. */
export const TOOLS: Record<ToolName, ToolDef> = {
  propose: proposeTool,
  list: listTool,
  show: showTool,
  claim: claimTool,
  heartbeat: heartbeatTool,
  complete: completeTool,
  fail: failTool,
  decide: decideTool,
  update: updateTool,
  tick: tickTool,
};
