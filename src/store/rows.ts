// Row ↔ record mapping: JSON columns, 0/1 booleans, nothing else.
import type { Proposal, Run, StewardEvent, Task } from '../core/types.js';

type Row = Record<string, unknown>;

function json<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  if (text === '[]') return [] as T;
  return JSON.parse(text) as T;
}
function bool(v: unknown): boolean | null {
  return v === null || v === undefined ? null : v === 1 || v === true;
}

/** Columns whose record field is stored as `<name>_json`. */
const JSON_FIELDS = new Set(['after', 'then', 'requires', 'verify', 'evidence', 'artifacts', 'late', 'data']);
const BOOL_FIELDS = new Set(['review']);

/** How a `<name>_json` column stores a value: JSON text, or NULL for none. */
export function jsonColumn(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** The column name and stored value for one record field. */
export function toColumn(field: string, value: unknown): [string, unknown] {
  if (JSON_FIELDS.has(field)) return [`${field}_json`, jsonColumn(value)];
  if (BOOL_FIELDS.has(field)) return [field, value === null || value === undefined ? null : value ? 1 : 0];
  return [field, value === undefined ? null : value];
}

// Hot tables are read as raw arrays in a fixed column order (half the cost of row objects)
// and mapped by position with explicit object literals (monomorphic, no spreads).

/** The task columns, in the order every task SELECT returns them. */
export const TASK_COLUMNS = [
  'id', 'project', 'title', 'goal', 'type', 'agent', 'priority', 'status', 'after_json', 'then_json',
  'requires_json', 'verify_json', 'review', 'max_attempts', 'attempts', 'timeout_seconds', 'key', 'source',
  'created_by', 'result', 'error', 'question', 'answer', 'feedback', 'blocked_kind', 'run_after', 'parent_id',
  'proposal_id', 'current_run_id', 'created_at', 'updated_at', 'finished_at', 'complexity',
] as const;

/** The run columns, in the order every run SELECT returns them. */
export const RUN_COLUMNS = [
  'id', 'task_id', 'agent', 'status', 'outcome', 'failure_kind', 'lease_ms', 'lease_expires_at', 'heartbeat_at',
  'started_at', 'finished_at', 'host', 'pid', 'pgid', 'exit_code', 'error', 'summary', 'evidence_json',
  'artifacts_json', 'late_json', 'cost_usd', 'tokens_in', 'tokens_out', 'session_id', 'log_path', 'proc_start',
  'claimed_by', 'claim_after_event', 'finished_by', 'finish_after_event', 'turns', 'model',
] as const;

/**
 * What a completion reads of its run: every column but the ones finishing writes. Those (outcome … finish_after_event)
 * are null while a run is running (only finish, cancel and reap write them, each ending the run) and the completion
 * overwrites every one of them, so reading them would only build values to throw away.
 */
export const LIVE_RUN_COLUMNS = [
  'id', 'task_id', 'agent', 'status', 'lease_ms', 'lease_expires_at', 'heartbeat_at', 'started_at', 'host', 'pid', 'pgid',
  'late_json', 'log_path', 'proc_start', 'claimed_by', 'claim_after_event', 'model',
] as const;

/** What a completion reads of its task: every column but the four its transition overwrites (result, error, finished_at, updated_at). */
export const COMPLETING_TASK_COLUMNS = TASK_COLUMNS.filter((c) => c !== 'result' && c !== 'error' && c !== 'finished_at' && c !== 'updated_at');

/**
 * The packed task layout of the hot reads (a claim's task, a completion's task; SQLite only). better-sqlite3 on Node 20
 * builds each value it hands to JavaScript through the generic `v8::Object::Set`, ~1.1k instructions per value
 * (docs/BENCHMARKS.md), so the columns a claimed or running task usually has empty travel as ONE value: NULL when all
 * of them are null (one value instead of 13), else a JSON array of them (`json_array`, parsed here). The other columns
 * come as they are.
 */
export const PACKED_TASK_COLUMNS = [
  'id', 'project', 'title', 'goal', 'type', 'agent', 'priority', 'status', 'after_json', 'then_json', 'requires_json',
  'verify_json', 'review', 'max_attempts', 'attempts', 'source', 'created_by', 'run_after', 'created_at', 'updated_at',
] as const;
/** The task columns packed into one value (see PACKED_TASK_COLUMNS), in the JSON array's order. */
export const RARE_TASK_COLUMNS = [
  'key', 'timeout_seconds', 'result', 'error', 'question', 'answer', 'feedback', 'blocked_kind', 'parent_id', 'proposal_id',
  'current_run_id', 'finished_at', 'complexity',
] as const;
/** The live-run layout of a completion's read (SQLite only): LIVE_RUN_COLUMNS with the often-empty ones packed as one value. */
export const PACKED_RUN_COLUMNS = [
  'id', 'task_id', 'agent', 'status', 'lease_ms', 'lease_expires_at', 'heartbeat_at', 'started_at', 'claimed_by', 'claim_after_event',
] as const;
/** The run columns packed into one value (see PACKED_RUN_COLUMNS), in the JSON array's order. */
export const RARE_RUN_COLUMNS = ['host', 'pid', 'pgid', 'late_json', 'log_path', 'proc_start', 'model'] as const;

/** `a.x, …, CASE WHEN a.r1 IS NULL AND … THEN NULL ELSE json_array(a.r1, …) END`: a packed layout's select list (SQLite). */
export function packedList(columns: readonly string[], rare: readonly string[], alias: string): string {
  const r = rare.map((c) => `${alias}.${c}`);
  return `${selectList(columns, alias)}, CASE WHEN ${r.map((c) => `${c} IS NULL`).join(' AND ')} THEN NULL ELSE json_array(${r.join(', ')}) END`;
}

const NO_RARE_TASK: readonly unknown[] = RARE_TASK_COLUMNS.map(() => null);
const NO_RARE_RUN: readonly unknown[] = RARE_RUN_COLUMNS.map(() => null);

/** The packed value at `at`: its JSON array, or all nulls. */
function unpack(v: unknown, none: readonly unknown[]): readonly unknown[] {
  return typeof v === 'string' ? (JSON.parse(v) as unknown[]) : none;
}

/** Maps a raw row in packed task layout (PACKED_TASK_COLUMNS, then the packed value), from `at`, to a Task. */
export function taskFromPacked(a: unknown[], at = 0): Task {
  const r = unpack(a[at + 20], NO_RARE_TASK);
  // Back into TASK_COLUMNS order (r is in RARE_TASK_COLUMNS order): one small array, then the one mapping.
  return taskFromArray([
    a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10],
    a[at + 11], a[at + 12], a[at + 13], a[at + 14], r[1], r[0], a[at + 15], a[at + 16], r[2], r[3], r[4], r[5], r[6], r[7],
    a[at + 17], r[8], r[9], r[10], a[at + 18], a[at + 19], r[11], r[12],
  ]);
}

/**
 * Maps a raw row in packed run layout (PACKED_RUN_COLUMNS, then the packed value) to a Run whose finish fields are
 * null, as liveRunFromArray does. Only for a completion, which writes them all.
 */
export function liveRunFromPacked(a: unknown[]): Run {
  const r = unpack(a[10], NO_RARE_RUN);
  // Back into LIVE_RUN_COLUMNS order (r is in RARE_RUN_COLUMNS order).
  return liveRunFromArray([a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], r[0], r[1], r[2], r[3], r[4], r[5], a[8], a[9], r[6]]);
}

/** `a.id, a.project, …` for a SELECT of all columns of a table under an alias. */
export function selectList(columns: readonly string[], alias: string): string {
  return columns.map((c) => `${alias}.${c}`).join(', ');
}

/** Maps a raw task row (TASK_COLUMNS order) to a Task. */
export function taskFromArray(a: unknown[]): Task {
  return {
    id: a[0] as number,
    project: a[1] as string,
    title: a[2] as string,
    goal: a[3] as string,
    type: a[4] as string,
    agent: a[5] as string,
    priority: a[6] as number,
    status: a[7] as Task['status'],
    after: json(a[8], []),
    then: json(a[9], []),
    requires: json(a[10], []),
    verify: json(a[11], []),
    review: a[12] === 1,
    max_attempts: a[13] as number,
    attempts: a[14] as number,
    timeout_seconds: a[15] as number | null,
    key: a[16] as string | null,
    source: a[17] as string,
    created_by: a[18] as string,
    result: a[19] as string | null,
    error: a[20] as string | null,
    question: a[21] as string | null,
    answer: a[22] as string | null,
    feedback: a[23] as string | null,
    blocked_kind: a[24] as Task['blocked_kind'],
    run_after: a[25] as number,
    parent_id: a[26] as number | null,
    proposal_id: a[27] as number | null,
    current_run_id: a[28] as number | null,
    created_at: a[29] as number,
    updated_at: a[30] as number,
    finished_at: a[31] as number | null,
    complexity: a[32] as Task['complexity'],
  };
}

/**
 * Maps a raw row in LIVE_RUN_COLUMNS order to a Run whose finish fields are null (as they are on a running run; see
 * LIVE_RUN_COLUMNS). Only for a completion, which writes them all.
 */
export function liveRunFromArray(a: unknown[]): Run {
  return {
    id: a[0] as number,
    task_id: a[1] as number,
    agent: a[2] as string,
    status: a[3] as Run['status'],
    outcome: null,
    failure_kind: null,
    lease_ms: a[4] as number,
    lease_expires_at: a[5] as number,
    heartbeat_at: a[6] as number,
    started_at: a[7] as number,
    finished_at: null,
    host: a[8] as string | null,
    pid: a[9] as number | null,
    pgid: a[10] as number | null,
    exit_code: null,
    error: null,
    summary: null,
    evidence: null,
    artifacts: null,
    late: json(a[11], null),
    cost_usd: null,
    tokens_in: null,
    tokens_out: null,
    session_id: null,
    log_path: a[12] as string | null,
    proc_start: a[13] as string | null,
    claimed_by: a[14] as string | null,
    claim_after_event: a[15] as number | null,
    finished_by: null,
    finish_after_event: null,
    turns: null,
    model: a[16] as string | null,
  };
}

/**
 * Maps a raw row in COMPLETING_TASK_COLUMNS order to a Task whose result, error, finished_at and updated_at are null
 * (not read). Only for a completion, whose transition writes all four.
 */
export function completingTaskFromArray(a: unknown[]): Task {
  return {
    id: a[0] as number,
    project: a[1] as string,
    title: a[2] as string,
    goal: a[3] as string,
    type: a[4] as string,
    agent: a[5] as string,
    priority: a[6] as number,
    status: a[7] as Task['status'],
    after: json(a[8], []),
    then: json(a[9], []),
    requires: json(a[10], []),
    verify: json(a[11], []),
    review: a[12] === 1,
    max_attempts: a[13] as number,
    attempts: a[14] as number,
    timeout_seconds: a[15] as number | null,
    key: a[16] as string | null,
    source: a[17] as string,
    created_by: a[18] as string,
    result: null,
    error: null,
    question: a[19] as string | null,
    answer: a[20] as string | null,
    feedback: a[21] as string | null,
    blocked_kind: a[22] as Task['blocked_kind'],
    run_after: a[23] as number,
    parent_id: a[24] as number | null,
    proposal_id: a[25] as number | null,
    current_run_id: a[26] as number | null,
    created_at: a[27] as number,
    updated_at: null as unknown as number,
    finished_at: null,
    complexity: a[28] as Task['complexity'],
  };
}

/** Maps a raw run row (RUN_COLUMNS order) to a Run. */
export function runFromArray(a: unknown[]): Run {
  return {
    id: a[0] as number,
    task_id: a[1] as number,
    agent: a[2] as string,
    status: a[3] as Run['status'],
    outcome: a[4] as Run['outcome'],
    failure_kind: a[5] as Run['failure_kind'],
    lease_ms: a[6] as number,
    lease_expires_at: a[7] as number,
    heartbeat_at: a[8] as number,
    started_at: a[9] as number,
    finished_at: a[10] as number | null,
    host: a[11] as string | null,
    pid: a[12] as number | null,
    pgid: a[13] as number | null,
    exit_code: a[14] as number | null,
    error: a[15] as string | null,
    summary: a[16] as string | null,
    evidence: json(a[17], null),
    artifacts: json(a[18], null),
    late: json(a[19], null),
    cost_usd: a[20] as number | null,
    tokens_in: a[21] as number | null,
    tokens_out: a[22] as number | null,
    session_id: a[23] as string | null,
    log_path: a[24] as string | null,
    proc_start: a[25] as string | null,
    claimed_by: a[26] as string | null,
    claim_after_event: a[27] as number | null,
    finished_by: a[28] as string | null,
    finish_after_event: a[29] as number | null,
    turns: a[30] as number | null,
    model: a[31] as string | null,
  };
}

export function toProposal(row: Row): Proposal {
  const { after_json, then_json, requires_json, verify_json, review, ...rest } = row;
  return {
    ...(rest as unknown as Proposal),
    after: json(after_json, []),
    then: json(then_json, []),
    requires: json(requires_json, []),
    verify: json(verify_json, []),
    review: bool(review),
  };
}

export function toEvent(row: Row): StewardEvent {
  const { data_json, ...rest } = row;
  return { ...(rest as unknown as StewardEvent), data: json(data_json, null) };
}
