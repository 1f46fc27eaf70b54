// The environment variables that change the config (read by config-layers.ts; part of config-cache.ts's key).

/** STEWARD_* environment variables and the config key each one sets. */
export const CONFIG_ENV_VARS = {
  STEWARD_HEARTBEAT_SECONDS: ['heartbeat', 'everySeconds'],
  STEWARD_TRIAGE_ACCEPT: ['triage', 'accept'],
  STEWARD_DISPATCH: ['dispatch'],
  STEWARD_WIP_GLOBAL: ['wip', 'global'],
  STEWARD_MCP_HOST: ['mcp', 'host'],
  STEWARD_MCP_PORT: ['mcp', 'port'],
  STEWARD_NOTIFY_WEBHOOK: ['notify', 'webhook'],
  STEWARD_BOARD_PATH: ['board', 'path'],
} as const satisfies Record<string, readonly string[]>;

/** STEWARD_MCP_TOKEN_<ROLE> adds a bearer token for that role (config-layers.ts's TOKEN_ENV_VARS). */
export const TOKEN_ENV_PREFIX = 'STEWARD_MCP_TOKEN_';
