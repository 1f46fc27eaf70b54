// Space for one outbox entry taken before a run starts, so its outcome can be written when the disk fills up.
import { closeSync, mkdirSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxEntry } from './outbox.js';
import { processGone } from './process-group.js';

/** Bytes reserved per run: a tiny entry (verb, kind, a clipped summary or error) always fits. */
export const OUTBOX_RESERVE_BYTES = 8 * 1024;
const RESERVE_NAME = /^(\d+)\.json\.(\d+)\.reserve$/;
const outboxPath = (dir: string, runId: number) => join(dir, `${runId}.json`);

/** The reserve file of run `runId`, held by the babysitter with pid `pid`. */
export function reservePath(dir: string, runId: number, pid = process.pid): string {
  return `${outboxPath(dir, runId)}.${pid}.reserve`;
}

/** Allocates the reserve (blanks, fsynced); false when it cannot (the disk is full already). */
export function reserveOutboxEntry(dir: string, runId: number): boolean {
  const path = reservePath(dir, runId);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, Buffer.alloc(OUTBOX_RESERVE_BYTES, 0x20));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    try {
      unlinkSync(path);
    } catch {
      /* nothing was created */
    }
    return false;
  }
}

/**
 * Takes run `runId`'s reserve at the first call (later calls do nothing): as its CLI starts (the fsync is not on the way
 * to the start), and again before the outcome of a run whose CLI never started. `say` tells when the disk is full already.
 */
export function reserveOnce(dir: string, runId: number, say: (line: string) => void): () => void {
  let reserved = false;
  return () => {
    if (reserved) return;
    reserved = true;
    if (!reserveOutboxEntry(dir, runId)) say(`run ${runId}: could not reserve space in the outbox (disk full?)`);
  };
}

/** Drops run `runId`'s reserve (the entry went the normal way, or was not needed). */
export function releaseOutboxReserve(dir: string, runId: number): void {
  try {
    unlinkSync(reservePath(dir, runId));
  } catch {
    /* gone already */
  }
}

/**
 * The entry cut down to what must survive: the verdict, its kind, clipped text (`keep` characters of each, at most 500 of
 * the log notes), the exit code and the log note.
 */
export function tinyEntry(entry: OutboxEntry, keep = 1500): OutboxEntry {
  const clip = (v: unknown, n: number) => (typeof v === 'string' && v.length > Math.min(n, keep) ? `${v.slice(0, Math.min(n, keep))}…` : v);
  const { summary, error, kind, retry_after, question, exit_code, evidence } = entry.input as Record<string, unknown>;
  const ev = (evidence ?? {}) as Record<string, unknown>;
  const input: Record<string, unknown> = { summary: clip(summary, 1500), error: clip(error, 1500), kind, retry_after, question: clip(question, 1500), exit_code };
  input.evidence = { exit_code: ev.exit_code, log: clip(ev.log, 500), log_truncated: clip(ev.log_truncated, 500), outbox: 'cut down to fit the reserved space' };
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
  return { ...entry, input };
}

/**
 * Writes `entry` into the space reserved for its run, over the blanks (no new blocks needed), and
 * renames it to `<run>.json`. A too-big entry is cut down first (tinyEntry). Returns the entry's path.
 */
export function writeIntoReserve(dir: string, entry: OutboxEntry): string {
  const from = reservePath(dir, entry.run_id);
  let text = `${JSON.stringify(entry)}\n`;
  // Clipped by characters, text can still be past the space as JSON (a character is up to 6 bytes there: "\u001b"):
  // clipped shorter until it fits, never cut mid-JSON by the write below (an unreadable entry, set aside).
  for (let keep = 1500; Buffer.byteLength(text) > OUTBOX_RESERVE_BYTES && keep > 0; keep = Math.floor(keep / 4)) {
    text = `${JSON.stringify(tinyEntry(entry, keep))}\n`;
  }
  if (Buffer.byteLength(text) > OUTBOX_RESERVE_BYTES) throw new Error(`run ${entry.run_id}'s outcome does not fit the ${OUTBOX_RESERVE_BYTES} bytes reserved for it`);
  const body = Buffer.alloc(OUTBOX_RESERVE_BYTES, 0x20);
  body.write(text, 0, 'utf8');
  const fd = openSync(from, 'r+');
  try {
    writeSync(fd, body, 0, body.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const to = outboxPath(dir, entry.run_id);
  renameSync(from, to);
  return to;
}

/** Removes the reserves of babysitters that are gone (they died before using or dropping them). */
export function dropOrphanedReserves(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = RESERVE_NAME.exec(name);
    if (!m || !processGone(Number(m[2]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another tick took it */
    }
  }
}
