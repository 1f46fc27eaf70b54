// A Postgres server for a test file: the one the test runner started (STEWARD_TEST_POSTGRES_URL, `npm run test:pg`),
// else a throwaway cluster of its own (scripts/pg-cluster.mjs through ./pg-cluster.ts). Without PostgreSQL installed
// the tests skip, saying why (CI sets STEWARD_REQUIRE_POSTGRES=1: there it fails instead). Each test takes a fresh
// schema, so tests never see each other's tables.
import { randomBytes } from 'node:crypto';
import { pgSkipReason, startPgCluster } from './pg-cluster.js';

export interface PgServer {
  url: string;
  stop(): Promise<void>;
}

/** The server, or the reason there is none (then the caller skips). */
export async function pgServer(): Promise<PgServer | { skip: string }> {
  const fromEnv = process.env.STEWARD_TEST_POSTGRES_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => undefined };
  const reason = await pgSkipReason();
  if (reason) return { skip: reason };
  const c = await startPgCluster({ maxConnections: 100 });
  return { url: c.url, stop: () => c.stop() };
}

/** A schema name no other test uses. */
export function freshSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/**
 * A role name no other test uses, for a test that creates roles (dropped when it ends). Roles belong to the whole
 * cluster, not to a database: the name starts with the test database's name, so several people's runs against one
 * shared cluster (STEWARD_TEST_POSTGRES_URL pointing at each one's own database) can tell their roles apart.
 */
export function freshRole(url: string, kind: string): string {
  const db = decodeURIComponent(new URL(url).pathname.slice(1)).toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30) || 'postgres';
  return `${/^[a-z_]/.test(db) ? db : `r_${db}`}_${kind}_${randomBytes(4).toString('hex')}`;
}
