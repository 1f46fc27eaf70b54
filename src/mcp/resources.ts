// Resources: steward://board (TASKS.md as it is on disk) and steward://task/{id}.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { toStewardError } from '../core/errors.js';
import { readRegularText } from '../files/read-from.js';
import { showTask } from '../ops/index.js';
import type { ToolEnv } from './define.js';
import { boundedTaskView, eventBrief, runBrief } from './present.js';

/** JSON-RPC code for a resource that does not exist (MCP spec). */
const RESOURCE_NOT_FOUND = -32002;

/** TASKS.md as it is on disk, or a note saying why there is none. */
export function readBoard(boardPath: string | undefined): string {
  if (!boardPath) return 'No board: this server was started without a workspace.';
  try {
    // Only a regular file: a FIFO at the board's path would block a plain open, and the whole server with it (`steward up`).
    return readRegularText(boardPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return `TASKS.md does not exist yet (${boardPath}); \`steward tick\` renders it.`;
    }
    throw new McpError(ErrorCode.InternalError, `cannot read ${boardPath}: ${(err as Error).message}`);
  }
}

/** A StewardError as a JSON-RPC error whose data carries the stable code. */
function asMcpError(err: unknown): McpError {
  const e = toStewardError(err);
  const code = e.code === 'NOT_FOUND' ? RESOURCE_NOT_FOUND : e.code === 'VALIDATION' ? ErrorCode.InvalidParams : ErrorCode.InternalError;
  return new McpError(code, e.message, e.toJSON());
}

/** Registers the board and the task template on `server`. */
export function registerResources(server: McpServer, env: ToolEnv, boardPath: string | undefined): void {
  server.registerResource(
    'board',
    'steward://board',
    { title: 'TASKS.md', description: 'The board: every open task by project and state', mimeType: 'text/markdown' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: readBoard(boardPath) }] }),
  );
  server.registerResource(
    'task',
    new ResourceTemplate('steward://task/{id}', { list: undefined }),
    { title: 'A task', description: 'One task with its last runs and events (JSON)', mimeType: 'application/json' },
    (uri, vars) => {
      try {
        const { task, runs, events } = showTask(env.store, { id: vars.id });
        const body = { task: boundedTaskView(task), runs: runs.map(runBrief), events: events.map(eventBrief) };
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
      } catch (err) {
        throw asMcpError(err);
      }
    },
  );
}
