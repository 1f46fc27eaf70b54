// Advisory-lock keys of one queue (one Postgres schema): the writers' lock every write transaction takes
// (`pg_advisory_xact_lock`), the migrations' lock and the tick's session lock. A key is the first 8 bytes of
// sha256("steward:<purpose>:<schema>") as a signed bigint: stable across processes and releases, distinct per queue.
import { nodeCrypto } from '../../core/adapters/lazy-builtins.js';

export type LockPurpose = 'write' | 'migrate' | 'tick';

/** The advisory-lock key (decimal text of a signed 64-bit integer, ready to put in SQL) for `purpose` in `schema`. */
export function advisoryKey(purpose: LockPurpose, schema: string): string {
  const digest = nodeCrypto().createHash('sha256').update(`steward:${purpose}:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}
