// Advisory-lock keys of one queue (one Postgres schema): the writers' lock every write transaction takes
// (`pg_advisory_xact_lock`, or `_shared` for the narrow transactions of docs/SCALING.md), the migrations' lock and the
// tick's session lock. A key is the first 8 bytes of sha256("steward:<purpose>:<schema>") as a signed bigint: stable
// across processes and releases, distinct per queue. The per-run lock of a narrow transaction uses Postgres's other key
// space, two int4s: (the first 4 bytes of sha256("steward:run:<schema>"), the run id wrapped to int4) — two runs whose
// ids wrap to the same int4 only wait for each other, never less.
import { nodeCrypto } from '../../core/adapters/lazy-builtins.js';

export type LockPurpose = 'write' | 'migrate' | 'tick';

/** The advisory-lock key (decimal text of a signed 64-bit integer, ready to put in SQL) for `purpose` in `schema`. */
export function advisoryKey(purpose: LockPurpose, schema: string): string {
  const digest = nodeCrypto().createHash('sha256').update(`steward:${purpose}:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** The int4 class of the per-run locks of `schema` (the first key of pg_advisory_xact_lock(int4, int4)). */
export function runLockClass(schema: string): number {
  return nodeCrypto().createHash('sha256').update(`steward:run:${schema}`).digest().readInt32BE(0);
}

/** Run `runId`'s second key of pg_advisory_xact_lock(int4, int4): the id wrapped to int4 (bound as a value). */
export function runLockKey(runId: number): number {
  if (!Number.isSafeInteger(runId)) throw new RangeError(`run id ${runId} is not an integer`);
  return Number(BigInt.asIntN(32, BigInt(runId)));
}
