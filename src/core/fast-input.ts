// The worker's two hottest inputs (claim, complete) checked by hand when they are plainly valid; anything else goes
// through zod. zod is the contract: every input the fast check accepts, zod accepts with the same output
// (test/fast-input.test.ts compares the two on valid and invalid inputs), and whatever the fast check is unsure of
// (strings to coerce, JSON payloads, unknown keys, bad values) is zod's to accept or refuse with its messages.
// Why: zod took ~7 µs per call of a ~150 µs claim+complete cycle (docs/BENCHMARKS.md, issue 18).
import { claimInput, type ClaimInput, completeInput, type CompleteArgs, parseInput } from './schemas.js';

/** zName's rule: 1–64 characters, letters, digits and . _ : / - , no surrounding spaces (zod would trim them). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length <= 64 && NAME.test(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** A plain object (what JSON and object literals make); class instances and arrays go to zod. */
function plain(input: unknown): input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return false;
  const proto = Object.getPrototypeOf(input);
  return proto === Object.prototype || proto === null;
}

/** claim's input: `{ agent, lease_seconds? }` checked here, the rest by zod. */
export function parseClaimInput(input: unknown): ClaimInput {
  if (plain(input)) {
    let ok = true;
    let keys = 0;
    for (const key in input) {
      keys++;
      const v = input[key];
      if (key === 'agent') ok = isName(v);
      else if (key === 'lease_seconds') ok = isInt(v, 5, 24 * 3600);
      else ok = false;
      if (!ok) break;
    }
    if (ok && keys === Object.keys(input).length && isName(input.agent)) {
      return input.lease_seconds === undefined ? { agent: input.agent } : { agent: input.agent, lease_seconds: input.lease_seconds as number };
    }
  }
  return parseInput(claimInput, input, 'claim');
}

/** Optional fields of complete the fast check knows (numbers and short strings; JSON payloads go to zod). */
const COMPLETE_FIELDS: Record<string, (v: unknown) => boolean> = {
  run_id: (v) => isInt(v, 1, Number.MAX_SAFE_INTEGER),
  summary: (v) => typeof v === 'string' && v.length <= 100_000,
  cost_usd: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  tokens_in: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  tokens_out: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  turns: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  session_id: (v) => typeof v === 'string' && v.length <= 200,
  exit_code: (v) => isInt(v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
};
/** The order zod's output has its keys in (the schema's). */
const COMPLETE_ORDER = ['run_id', 'summary', 'cost_usd', 'tokens_in', 'tokens_out', 'turns', 'session_id', 'exit_code'] as const;

/** complete's input: run id, summary and the numeric report fields checked here, the rest by zod. */
export function parseCompleteInput(input: unknown): CompleteArgs {
  if (plain(input)) {
    let ok = true;
    let keys = 0;
    for (const key in input) {
      keys++;
      const check = COMPLETE_FIELDS[key];
      ok = check !== undefined && Object.hasOwn(COMPLETE_FIELDS, key) && check(input[key]);
      if (!ok) break;
    }
    if (ok && keys === Object.keys(input).length && input.run_id !== undefined) {
      if (keys === 2 && typeof input.summary === 'string') return { run_id: input.run_id as number, summary: input.summary };
      const out: Record<string, unknown> = { run_id: input.run_id, summary: input.summary ?? '' };
      for (const key of COMPLETE_ORDER) if (key !== 'run_id' && key !== 'summary' && input[key] !== undefined) out[key] = input[key];
      return out as CompleteArgs;
    }
  }
  return parseInput(completeInput, input, 'complete');
}
