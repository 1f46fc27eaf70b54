// Node built-ins that a short CLI command's modules name only on rare branches, loaded on first use: node:net (a wake
// socket ping, only when `up` runs), node:crypto (a late result's hash, a Postgres test schema's name) and
// node:worker_threads (the Postgres bridge) each pull node:stream in, ~5 % of a `steward claim` start-up on SQLite. A
// static import would load them with the module.
import { createRequire } from 'node:module';

let load: NodeJS.Require | undefined;
const builtin = <T>(name: string): T => (load ??= createRequire(import.meta.url))(name) as T;

export const nodeNet = (): typeof import('node:net') => builtin('node:net');
export const nodeCrypto = (): typeof import('node:crypto') => builtin('node:crypto');
export const nodeWorkerThreads = (): typeof import('node:worker_threads') => builtin('node:worker_threads');
