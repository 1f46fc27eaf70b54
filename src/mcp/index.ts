// The MCP adapter: role-scoped steward tools over stdio and streamable HTTP. Only src/mcp imports the SDK.
export { createMcpServer, STEWARD_MCP_VERSION, type McpServerOptions } from './server.js';
export { serveStdio } from './stdio.js';
export { createMcpHttpHandler, makeAuthenticator, startMcpHttp, DEFAULT_MCP_HOST, DEFAULT_MCP_PORT, MCP_PATH, type McpHttpOptions } from './http.js';
export { loadMcpTokens, type McpTokenGrant, type McpTokens } from './tokens.js';
export { MCP_ROLES, ROLE_TOOLS, TOOL_NAMES, zRole, type McpRole, type ToolName } from './roles.js';
export { TOOLS } from './tools.js';
export { PROPOSE_GUIDE } from './prompts.js';
