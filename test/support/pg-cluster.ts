// Typed access to scripts/pg-cluster.mjs (the throwaway PostgreSQL cluster of tests, CI and the bench) from compiled
// TypeScript: dist/test/support/ and dist/bench/ both load it from the repository's scripts/ folder.
import { fileURLToPath } from 'node:url';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth). */
  url: string;
  host: string;
  port: number;
  /** The unix socket's directory (also the cluster's temp dir). */
  socketDir: string;
  dataDir: string;
  binDir: string;
  /** The unprivileged user the server runs as when we are root, else undefined. */
  user: string | undefined;
  urlFor(db: string): string;
  /** CREATE DATABASE name; returns its URL. */
  createDatabase(name: string): string;
  /** Stops the server and deletes its dir (idempotent; also runs on exit and on SIGINT/SIGTERM/SIGHUP). */
  stop(): Promise<void>;
}

export interface PgClusterModule {
  startCluster(options?: { maxConnections?: number; watchdog?: boolean; commandTimeoutMs?: number }): Promise<PgCluster>;
  /** How long initdb, createdb, id and useradd may run before they are killed (ms). */
  COMMAND_CAP_MS: number;
  findPgBin(options?: { env?: NodeJS.ProcessEnv; path?: string; root?: string }): string;
  PgClusterError: new (code: string, message: string) => Error & { code: string };
}

/** The script's path (the repository root is three levels above dist/test/support/). */
export const PG_CLUSTER_SCRIPT = fileURLToPath(new URL('../../../scripts/pg-cluster.mjs', import.meta.url));

/** Loads scripts/pg-cluster.mjs. */
export async function pgClusterModule(): Promise<PgClusterModule> {
  return (await import(PG_CLUSTER_SCRIPT)) as PgClusterModule;
}

/** Starts a throwaway cluster (see scripts/pg-cluster.mjs). */
export async function startPgCluster(options?: { maxConnections?: number; watchdog?: boolean }): Promise<PgCluster> {
  return (await pgClusterModule()).startCluster(options);
}

/**
 * Why a test that needs a PostgreSQL server of its own is skipped, or false: the server binaries are missing and
 * STEWARD_REQUIRE_POSTGRES is not 1 (CI sets it, so there a missing PostgreSQL fails instead of skipping).
 */
export async function pgSkipReason(): Promise<string | false> {
  try {
    (await pgClusterModule()).findPgBin();
    return false;
  } catch (e) {
    if (process.env.STEWARD_REQUIRE_POSTGRES === '1') throw e;
    return (e as Error).message;
  }
}
