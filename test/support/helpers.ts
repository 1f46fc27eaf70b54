// Shared test helpers: temp workspaces on real files, a fixed clock, the built CLI.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { syncCapped } from '../helpers/processes.js';
export { onPostgres, sqliteOnly } from './backend.js'; // under test:pg: every store on Postgres
import type { OpContext } from '../../src/core/types.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore, type Store } from '../../src/store/open-store.js';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist/src/cli/steward.cjs');

/** A fresh temp folder. */
export function tempDir(prefix = 'steward-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh store on a real SQLite file. */
export function tempStore(): Store {
  return openStore(join(tempDir(), 'queue.db'));
}

/** A database file in a fresh folder as an older release left it: migrations 1..`version` only. Returns its path and an open handle. */
export function databaseAtVersion(version: number): { path: string; db: Database.Database } {
  const path = join(tempDir(), 'queue.db');
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  MIGRATIONS.slice(0, version).forEach((sql, i) => {
    db.exec(sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(i + 1);
  });
  return { path, db };
}

/** An operation context at a fixed time, with deterministic jitter. */
export function at(now: number, actor = 'test'): OpContext {
  return { now, actor, random: () => 0.5 };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/**
 * Runs the built `steward` binary in `cwd`. With `timeoutMs` (a safety net against a hang, not a speed requirement) a
 * process still running then is killed (SIGKILL) and the result says so in `stderr`, code -1. Without, the wait is
 * capped all the same (syncCapped, CHILD_CAP_MS): a hang throws, naming the command and quoting its stderr.
 */
export function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): CliResult {
  const run = (cap: { timeout: number; killSignal: 'SIGKILL' }): SpawnSyncReturns<string> => spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, STEWARD_DIR: '', ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    ...cap,
  });
  const r = opts.timeoutMs ? run({ timeout: opts.timeoutMs, killSignal: 'SIGKILL' }) : syncCapped(`steward ${args.join(' ')}`, run);
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { code: -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}\n(steward ${args.join(' ')} did not return within ${opts.timeoutMs} ms: killed)`, json: undefined };
  }
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

/** Every row of every table, to prove that an error changed nothing. */
export function snapshot(store: Store): string {
  const tables = ['tasks', 'task_deps', 'runs', 'proposals', 'events', 'meta', 'agents', 'archived_tasks'];
  return JSON.stringify(tables.map((t) => store.db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()));
}

/** Every row of every table, leaving out the meta rows named (e.g. the digest cursor, the tick lock). */
export function snapshotExcept(store: Store, metaKeys: string[]): string {
  const tables = ['tasks', 'task_deps', 'runs', 'proposals', 'events', 'agents', 'archived_tasks'];
  const meta = (store.db.prepare('SELECT * FROM meta ORDER BY 1').all() as Array<{ key: string }>).filter((r) => !metaKeys.includes(r.key));
  return JSON.stringify([...tables.map((t) => store.db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()), meta]);
}

/** What a completion of run `runId` should answer about it and its task (completeRun's `task` and `run`), read as stored. */
export function storedCompletion(store: Store, taskId: number, runId: number): { task: unknown; run: unknown } {
  const t = store.tasks.get(taskId)!;
  const r = store.runs.get(runId)!;
  return {
    task: { id: t.id, title: t.title, status: t.status, priority: t.priority, attempts: t.attempts },
    run: { id: r.id, task_id: r.task_id, outcome: r.outcome, finished_at: r.finished_at, finish_after_event: r.finish_after_event },
  };
}
