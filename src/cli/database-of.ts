// Which database a CLI command's queue is in (SQLite file or a Postgres URL and schema), from the environment and config.
import type { CliContext } from './command.js';

/**
 * Where the queue lives: STEWARD_DATABASE_URL, else the config's database.url (then Postgres), else nothing (SQLite at
 * the workspace's queue.db). The config is read only when the environment names no URL (it is loaded anyway by
 * every command that needs it).
 */
export function databaseOf(ctx: Pick<CliContext, 'env' | 'config'>): { url?: string; schema?: string } {
  const env = ctx.env.STEWARD_DATABASE_URL?.trim();
  const envSchema = ctx.env.STEWARD_DATABASE_SCHEMA?.trim() || undefined;
  if (env) return { url: env, ...(envSchema ? { schema: envSchema } : {}) };
  const { url, schema } = ctx.config().database;
  return url ? { url, schema: envSchema ?? schema } : {};
}
