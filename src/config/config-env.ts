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

/** The variables that hold server secrets: bearer tokens for the HTTP/MCP server and the notify webhook (its URL may carry a key). */
export function isServerSecretVar(name: string): boolean {
  return name.startsWith(TOKEN_ENV_PREFIX) || name === 'STEWARD_NOTIFY_WEBHOOK';
}

/**
 * `env` without the server secrets: what a babysitter's config is made from. A babysitter serves no HTTP and sends no
 * notification, so its config needs neither; without them its config can be cached (config-cache.ts never writes a
 * secret to disk), and it starts without a config child process even when `steward up` passes its secrets down.
 */
export function withoutServerSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!isServerSecretVar(name)) out[name] = value;
  return out;
}
