// The worker's hottest inputs (claim, complete, and the babysitter's heartbeat and fail) checked by hand when they are
// plainly valid; anything else goes through zod. zod is the contract: every input the fast check accepts, zod accepts with the same output
// (test/fast-input.test.ts compares the two on valid and invalid inputs), and whatever the fast check is unsure of
// (strings to coerce, JSON payloads, unknown keys, bad values) is zod's to accept or refuse with its messages.
// Why: zod took ~7 µs per call of a ~150 µs claim+complete cycle (docs/BENCHMARKS.md, issue 18), and loading zod
// and building the schemas was most of a `steward list`/`show` start-up: list's and show's inputs are checked here
// too, and zod (schemas.ts) is reached through input-schemas.ts only when the hand check is unsure.
import { schemas } from './input-schemas.js';
import { payloadProblem } from './payload-limits.js';
import { FAILURE_KINDS } from './policy.js';
import type { ClaimInput, CompleteArgs, FailArgs, HeartbeatInput, ListInput } from './schemas.js';
import { TASK_STATES, type TaskState } from './states.js';

/** zName's rule: 1–64 characters, letters, digits and . _ : / - , no surrounding spaces (zod would trim them). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length <= 64 && NAME.test(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** zInt's number: a safe integer in range, or its digits in a string (no sign, no leading 0, no spaces). */
function plainInt(v: unknown, min: number, max: number): number | undefined {
  const n = typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v) ? Number(v) : v;
  return isInt(n, min, max) ? n : undefined;
}

/** A plain object (what JSON and object literals make); class instances and arrays go to zod. */
function plain(input: unknown): input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return false;
  const proto = Object.getPrototypeOf(input);
  return proto === Object.prototype || proto === null;
}

/** A name (zName, e.g. `tick --reader`): a plainly valid one is checked here; anything else is zod's (it trims, or refuses). */
export function parseNameInput(input: unknown, label: string): string {
  return isName(input) ? input : schemas().parseInput(schemas().zName, input, label);
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
      else if (key === 'lease_seconds') ok = plainInt(v, 5, 24 * 3600) !== undefined;
      else ok = false;
      if (!ok) break;
    }
    if (ok && keys === Object.keys(input).length && isName(input.agent)) {
      return input.lease_seconds === undefined ? { agent: input.agent } : { agent: input.agent, lease_seconds: plainInt(input.lease_seconds, 5, 24 * 3600)! };
    }
  }
  return schemas().parseInput(schemas().claimInput, input, 'claim');
}

/** zBoundedJson (evidence, artifacts): any value within the payload limits, passed on as it is. */
const boundedJson = (v: unknown) => payloadProblem(v) === null;

/** The report fields complete and fail share (runReportShape in schemas.ts). */
const REPORT_FIELDS: Record<string, (v: unknown) => boolean> = {
  evidence: boundedJson,
  cost_usd: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  tokens_in: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  tokens_out: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  turns: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER),
  session_id: (v) => typeof v === 'string' && v.length <= 200,
  exit_code: (v) => isInt(v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
};

/** Optional fields of complete the fast check knows (numbers, short strings, JSON payloads within the limits). */
const COMPLETE_FIELDS: Record<string, (v: unknown) => boolean> = {
  run_id: (v) => plainId(v) !== undefined,
  summary: (v) => typeof v === 'string' && v.length <= 100_000,
  artifacts: boundedJson,
  ...REPORT_FIELDS,
};
/** The order zod's output has its keys in (the schema's). */
const COMPLETE_ORDER = ['run_id', 'summary', 'artifacts', 'evidence', 'cost_usd', 'tokens_in', 'tokens_out', 'turns', 'session_id', 'exit_code'] as const;

/**
 * Whether every own key of `input` is one of `fields` and its value passes the field's check; an optional key may hold
 * undefined (zod keeps such a key, with undefined, in its output). `required` keys must hold a value.
 */
function plainFields(input: Record<string, unknown>, fields: Record<string, (v: unknown) => boolean>, required: readonly string[]): boolean {
  let keys = 0;
  for (const key in input) {
    keys++;
    const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
    const v = input[key];
    if (check === undefined || (v === undefined ? required.includes(key) : !check(v))) return false;
  }
  return keys === Object.keys(input).length && required.every((key) => input[key] !== undefined);
}

/** complete's input: run id, summary, the report fields and artifacts checked here, the rest by zod. */
export function parseCompleteInput(input: unknown): CompleteArgs {
  if (plain(input) && plainFields(input, COMPLETE_FIELDS, ['run_id'])) {
    const runId = plainId(input.run_id)!;
    if (typeof input.summary === 'string' && Object.keys(input).length === 2) return { run_id: runId, summary: input.summary };
    const out: Record<string, unknown> = { run_id: runId, summary: input.summary ?? '' };
    for (const key of COMPLETE_ORDER) if (key !== 'run_id' && key !== 'summary' && Object.hasOwn(input, key)) out[key] = input[key];
    return out as CompleteArgs;
  }
  return schemas().parseInput(schemas().completeInput, input, 'complete');
}

const KINDS: ReadonlySet<unknown> = new Set(FAILURE_KINDS);
/** fail's fields (failInput): the error as zod leaves it (trimmed, 1–100,000 characters), a known kind, the report. */
const FAIL_FIELDS: Record<string, (v: unknown) => boolean> = {
  run_id: (v) => plainId(v) !== undefined,
  error: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 100_000 && v.trim() === v,
  kind: (v) => KINDS.has(v),
  retry_after: (v) => isInt(v, 0, 7 * 24 * 3600),
  question: (v) => typeof v === 'string' && v.length <= 20_000,
  ...REPORT_FIELDS,
};
const FAIL_ORDER = ['run_id', 'error', 'kind', 'retry_after', 'question', 'evidence', 'cost_usd', 'tokens_in', 'tokens_out', 'turns', 'session_id', 'exit_code'] as const;

/** fail's input (what a babysitter reports): checked here when every field is plain, else by zod. */
export function parseFailInput(input: unknown): FailArgs {
  if (plain(input) && plainFields(input, FAIL_FIELDS, ['run_id', 'error'])) {
    const out: Record<string, unknown> = { run_id: plainId(input.run_id)!, error: input.error, kind: input.kind ?? 'transient' };
    for (const key of FAIL_ORDER) if (key !== 'run_id' && key !== 'error' && key !== 'kind' && Object.hasOwn(input, key)) out[key] = input[key];
    return out as FailArgs;
  }
  return schemas().parseInput(schemas().failInput, input, 'fail');
}

/** heartbeat's input `{ run_id, lease_seconds? }` (the babysitter beats every lease/3): checked here when plain. */
export function parseHeartbeatInput(input: unknown): HeartbeatInput {
  const fields = { run_id: (v: unknown) => plainId(v) !== undefined, lease_seconds: (v: unknown) => plainInt(v, 5, 24 * 3600) !== undefined };
  if (plain(input) && plainFields(input, fields, ['run_id'])) {
    const out: Record<string, unknown> = { run_id: plainId(input.run_id)! };
    if (Object.hasOwn(input, 'lease_seconds')) out.lease_seconds = input.lease_seconds === undefined ? undefined : plainInt(input.lease_seconds, 5, 24 * 3600);
    return out as HeartbeatInput;
  }
  return schemas().parseInput(schemas().heartbeatInput, input, 'heartbeat');
}

/** A task id as zId takes it: a positive safe integer, or its digits in a string (optionally after #, no leading 0). */
function plainId(v: unknown): number | undefined {
  if (isInt(v, 1, Number.MAX_SAFE_INTEGER)) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*#?([1-9]\d{0,15})\s*$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `{ id }` (show, task): checked here when the id is plain, else by zod. */
export function parseIdInput(input: unknown, what: string): { id: number } {
  if (plain(input)) {
    const keys = Object.keys(input);
    const id = plainId(input.id);
    if (id !== undefined && keys.length === 1 && keys[0] === 'id') return { id };
  }
  return schemas().parseInput(schemas().idInput, input, what);
}

const STATES: ReadonlySet<string> = new Set(TASK_STATES);
/** list's status: "ready" or "ready,running" (no empty parts, no spaces), or an array of state names. */
function plainStates(v: unknown): TaskState[] | undefined {
  const parts = typeof v === 'string' ? v.split(',') : Array.isArray(v) && v.every((x) => typeof x === 'string' && !x.includes(',')) ? (v as string[]) : undefined;
  return parts && parts.length > 0 && parts.every((p) => STATES.has(p)) ? (parts as TaskState[]) : undefined;
}
const LIST_ORDER = ['status', 'project', 'type', 'agent', 'limit', 'cursor', 'archived'] as const;

/** list's input (CLI flags or MCP arguments): checked here when every field is plain, else by zod. */
export function parseListQuery(input: unknown): ListInput & { archived?: boolean } {
  if (plain(input)) {
    const out: Record<string, unknown> = {};
    let ok = true;
    let keys = 0;
    for (const key in input) {
      keys++;
      const v = input[key];
      if (v === undefined) ok = (LIST_ORDER as readonly string[]).includes(key);
      else if (key === 'status') ok = plainStates(v) !== undefined;
      else if (key === 'project' || key === 'type' || key === 'agent') ok = isName(v);
      else if (key === 'limit') ok = isInt(v, 1, 100) || (typeof v === 'string' && /^[1-9]\d?$|^100$/.test(v));
      else if (key === 'cursor') ok = typeof v === 'string' && v.length <= 200;
      else if (key === 'archived') ok = typeof v === 'boolean';
      else ok = false;
      if (!ok) break;
    }
    if (ok && keys === Object.keys(input).length) {
      for (const key of LIST_ORDER) {
        if (!Object.hasOwn(input, key)) continue;
        const v = input[key];
        out[key] = v === undefined ? undefined : key === 'status' ? plainStates(v) : key === 'limit' ? Number(v) : v;
      }
      return out as ListInput & { archived?: boolean };
    }
  }
  return schemas().parseInput(schemas().listQuery, input, 'list');
}
