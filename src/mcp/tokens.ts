// MCP bearer tokens: each decides a role and an actor name. Read from .steward/config.yaml and STEWARD_MCP_TOKENS.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { StewardError } from '../core/errors.js';
import { zName } from '../core/schemas.js';
import { zRole, type McpRole } from './roles.js';

/** What a token grants. */
export interface McpTokenGrant {
  role: McpRole;
  /** The actor recorded on events; `mcp:<role>` when absent. */
  name?: string;
}

/** Token → grant. */
export type McpTokens = Record<string, McpTokenGrant>;

const grantSchema = z.strictObject({ role: zRole, name: zName.optional() });
const tokenSchema = z.string().min(16, 'a token needs at least 16 characters (try: openssl rand -hex 24)').max(512);

/** A token as it may appear in a message: its first four characters. */
function mask(token: string): string {
  return `${token.slice(0, 4)}…`;
}

/** Validates a token map; errors name the place and the masked token, never the token itself. */
function checkTokens(raw: unknown, where: string): McpTokens {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StewardError('VALIDATION', `${where}: expected a map of token → {role, name}`, { where });
  }
  const out: McpTokens = {};
  for (const [token, grant] of Object.entries(raw)) {
    const t = tokenSchema.safeParse(token);
    const g = grantSchema.safeParse(grant);
    const issue = !t.success ? t.error.issues[0] : !g.success ? g.error.issues[0] : undefined;
    if (issue) {
      const path = [where, mask(token), ...issue.path.map(String)].join('.');
      throw new StewardError('VALIDATION', `${path}: ${issue.message}`, { where, token: mask(token) });
    }
    out[token] = g.data as McpTokenGrant;
  }
  return out;
}

function readConfigTokens(configPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StewardError('UNAVAILABLE', `cannot read ${configPath}: ${(err as Error).message}`, { path: configPath });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new StewardError('PARSE_ERROR', `${configPath}: ${(err as Error).message.split('\n')[0]}`, { path: configPath });
  }
  return (doc as { mcp?: { tokens?: unknown } } | null)?.mcp?.tokens;
}

/**
 * The MCP tokens of a workspace: `mcp.tokens` in .steward/config.yaml, then STEWARD_MCP_TOKENS
 * (JSON `{"<token>": {"role": "...", "name": "..."}}`), which adds to and overrides the file.
 * The one place tokens are read until the shared config loader takes it over.
 */
export function loadMcpTokens(workspace: { configPath: string }, env: NodeJS.ProcessEnv = process.env): McpTokens {
  const fromFile = checkTokens(readConfigTokens(workspace.configPath), 'mcp.tokens');
  const json = env.STEWARD_MCP_TOKENS?.trim();
  if (!json) return fromFile;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new StewardError('PARSE_ERROR', `STEWARD_MCP_TOKENS is not JSON: ${(err as Error).message}`, {});
  }
  return { ...fromFile, ...checkTokens(parsed, 'STEWARD_MCP_TOKENS') };
}
