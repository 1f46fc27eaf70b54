// The outbox: a run's outcome on disk before it reaches the database, so no result is ever lost.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularText } from '../files/read-from.js';
import { toStewardError } from '../core/errors.js';
import type { OpContext } from '../core/types.js';
import { recordRunOutcome, type RecordOutcomeResult, type RunOutcomeRecord } from '../ops/run-records.js';
import { logEvent } from '../ops/transition.js';
import type { Store } from '../store/open-store.js';
import { dropOrphanedReserves, writeIntoReserve } from './outbox-reserve.js';
import { processGone } from './process-group.js';

/**
 * `.steward/outbox/<run>.json`: one run's outcome, written atomically (temp file + fsync + rename). Its zod schema (for
 * the remote worker API) is outbox-schema.ts; the babysitter and the tick read entries with parseOutboxEntry, no zod.
 */
export interface OutboxEntry {
  version: 1;
  run_id: number;
  task_id: number;
  verb: 'complete' | 'fail';
  /** completeInput / failInput without run_id. */
  input: Record<string, unknown>;
  /** When the babysitter decided the outcome (ms). */
  decided_at: number;
  host: string;
  pid: number;
}

const isInt = (v: unknown) => Number.isSafeInteger(v);
const ENTRY_FIELDS: ReadonlyArray<[keyof OutboxEntry, (v: unknown) => boolean, string]> = [
  ['version', (v) => v === 1, 'expected 1'],
  ['run_id', (v) => isInt(v) && (v as number) > 0, 'expected a positive integer'],
  ['task_id', (v) => isInt(v) && (v as number) > 0, 'expected a positive integer'],
  ['verb', (v) => v === 'complete' || v === 'fail', 'expected complete or fail'],
  ['input', (v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object'],
  ['decided_at', isInt, 'expected an integer'],
  ['host', (v) => typeof v === 'string', 'expected a string'],
  ['pid', isInt, 'expected an integer'],
];

/** An outbox file's parsed JSON as an entry (unknown keys dropped); throws naming each bad field. */
export function parseOutboxEntry(value: unknown): OutboxEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected an object');
  const v = value as Record<string, unknown>;
  const bad = ENTRY_FIELDS.filter(([key, ok]) => !ok(v[key])).map(([key, , want]) => `${key}: ${want}`);
  if (bad.length) throw new Error(bad.join('; '));
  return Object.fromEntries(ENTRY_FIELDS.map(([key]) => [key, v[key]])) as unknown as OutboxEntry;
}

/** The outbox file of run `runId`. */
export function outboxPath(dir: string, runId: number): string {
  return join(dir, `${runId}.json`);
}

/** True when run `runId` has an outcome waiting in the outbox. */
export function hasOutboxEntry(dir: string, runId: number): boolean {
  return existsSync(outboxPath(dir, runId));
}

/** The temp file a writer with pid `pid` fills before renaming it to `<run>.json`. */
function tempPath(path: string, pid: number): string {
  return `${path}.${pid}.tmp`;
}
const TEMP_NAME = /^(\d+)\.json\.(\d+)\.tmp$/;

/** Writes an entry durably: temp file, fsync, rename over `<run>.json`, fsync the folder. Returns its path. */
export function writeOutboxEntry(dir: string, entry: OutboxEntry): string {
  mkdirSync(dir, { recursive: true });
  const path = outboxPath(dir, entry.run_id);
  const temp = tempPath(path, process.pid);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    // A write cut short (a full disk) leaves no half-written temp file behind, for a later tick to set aside as rejected.
    try {
      unlinkSync(temp);
    } catch {
      /* not created */
    }
    throw err;
  }
  try {
    const dirFd = openSync(dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  }
  return path;
}

/**
 * Writes `entry` to the outbox (writeOutboxEntry) or, when that fails (a full disk), into the space reserved for its
 * run (outbox-reserve.ts). Returns its path; undefined when neither could be written (`say` tells why).
 */
export function writeOutboxOrReserve(dir: string, entry: OutboxEntry, say: (line: string) => void): string | undefined {
  try {
    return writeOutboxEntry(dir, entry);
  } catch (err) {
    try {
      const path = writeIntoReserve(dir, entry);
      say(`run ${entry.run_id}: could not write the outbox (${(err as Error).message}); wrote the outcome into the reserved space`);
      return path;
    } catch (again) {
      say(`run ${entry.run_id}: could not write the outbox (${(err as Error).message}; reserve: ${(again as Error).message})`);
      return undefined;
    }
  }
}

/**
 * Finishes the writes a dead babysitter left half done: a temp file `<run>.json.<pid>.tmp` whose writer
 * (pid) is gone becomes `<run>.json` when it holds a whole entry for that run — the outcome was decided,
 * only the rename was missing — and moves to rejected/ otherwise. `runId` limits it to one run's files.
 * Returns the runs whose entry it completed.
 */
export function adoptOrphanedTemps(dir: string, runId?: number): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const adopted: number[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (runId !== undefined && Number(m[1]) !== runId) || !processGone(Number(m[2]))) continue;
    const run = Number(m[1]);
    try {
      if (hasOutboxEntry(dir, run)) {
        unlinkSync(join(dir, name)); // the finished entry is there: this copy is stale
        continue;
      }
      const json: unknown = JSON.parse(readRegularText(join(dir, name)));
      let entry: OutboxEntry | undefined;
      try {
        entry = parseOutboxEntry(json);
      } catch {
        entry = undefined;
      }
      if (entry?.run_id !== run) throw new Error('not a whole entry for its run');
      renameSync(join(dir, name), outboxPath(dir, run));
      adopted.push(run);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another tick took it meanwhile
      setAsideEntry(dir, name, `incomplete outbox write of a babysitter (pid ${m[2]}) that died: ${(err as Error).message}`);
    }
  }
  return adopted;
}

/** Removes run `runId`'s entry (gone already is fine). */
export function removeOutboxEntry(dir: string, runId: number): void {
  try {
    unlinkSync(outboxPath(dir, runId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Records an entry's outcome in the store (exactly once, see recordRunOutcome). The lease is judged at the entry's
 * `decided_at`: an outcome the babysitter decided while its lease held counts even when the lease ran out before
 * it reached the database (the tick applies the outbox before it reaps, see tick-once.ts).
 */
export function applyOutboxEntry(store: Store, entry: OutboxEntry, ctx: OpContext): RecordOutcomeResult {
  const record: RunOutcomeRecord = { run_id: entry.run_id, verb: entry.verb, input: entry.input, task_id: entry.task_id };
  return recordRunOutcome(store, record, { ...ctx, decidedAt: entry.decided_at });
}

/** What applyOutbox did, by run id. */
export interface OutboxReport {
  applied: number[];
  duplicate: number[];
  late: number[];
  /** Unreadable entries, moved to outbox/rejected/ with the reason beside them. */
  rejected: string[];
  /** Entries left for the next tick (database busy). */
  waiting: number[];
}

/** Moves outbox file `name` aside to `rejected/`, with the reason beside it (`<name>.reason.txt`); the remote worker's outbox too. */
export function setAsideEntry(dir: string, name: string, reason: string): void {
  const to = join(dir, 'rejected');
  mkdirSync(to, { recursive: true });
  renameSync(join(dir, name), join(to, name));
  writeFileSync(join(to, `${name}.reason.txt`), `${reason}\n`);
}

/**
 * A rejected entry is a run's outcome that never reached the queue: an `outbox_rejected` event puts it in the next
 * digest (the file stays in rejected/). Its run is named when the queue has a run of that id.
 */
function recordRejected(store: Store, ctx: OpContext, name: string, reason: string): void {
  const run = /^\d+\.json$/.test(name) ? store.runs.get(parseInt(name, 10)) : undefined;
  store.tx(() => logEvent(store, ctx, 'outbox_rejected', { task_id: run?.task_id ?? null, run_id: run?.id ?? null }, reason, { file: name, moved_to: `rejected/${name}` }));
}

/** Applies every outcome waiting in the outbox, oldest run first; each file is removed once its outcome is recorded. */
export function applyOutbox(store: Store, dir: string, ctx: OpContext): OutboxReport {
  const report: OutboxReport = { applied: [], duplicate: [], late: [], rejected: [], waiting: [] };
  adoptOrphanedTemps(dir);
  dropOrphanedReserves(dir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return report;
  }
  names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  for (const name of names) {
    let entry: OutboxEntry;
    try {
      entry = parseOutboxEntry(JSON.parse(readRegularText(join(dir, name))));
      if (`${entry.run_id}.json` !== name) throw new Error(`file name does not match run_id ${entry.run_id}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // its babysitter applied it meanwhile
      const reason = `unreadable outbox entry: ${(err as Error).message}`;
      setAsideEntry(dir, name, reason);
      recordRejected(store, ctx, name, reason);
      report.rejected.push(name);
      continue;
    }
    try {
      const result = applyOutboxEntry(store, entry, ctx);
      report[result.status === 'applied' ? 'applied' : result.status === 'duplicate' ? 'duplicate' : 'late'].push(entry.run_id);
      removeOutboxEntry(dir, entry.run_id);
    } catch (err) {
      const e = toStewardError(err);
      if (e.code === 'BUSY' || e.code === 'UNAVAILABLE') {
        report.waiting.push(entry.run_id);
        continue;
      }
      setAsideEntry(dir, name, `${e.code}: ${e.message}`);
      recordRejected(store, ctx, name, `${e.code}: ${e.message}`);
      report.rejected.push(name);
    }
  }
  return report;
}
