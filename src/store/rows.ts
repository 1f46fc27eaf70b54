// Row ↔ record mapping: JSON columns, 0/1 booleans, nothing else.
import type { Proposal, Run, StewardEvent, Task } from '../core/types.js';

type Row = Record<string, unknown>;

function json<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  return JSON.parse(text) as T;
}
function bool(v: unknown): boolean | null {
  return v === null || v === undefined ? null : v === 1 || v === true;
}

/** Columns whose record field is stored as `<name>_json`. */
const JSON_FIELDS = new Set(['after', 'then', 'requires', 'verify', 'evidence', 'artifacts', 'late', 'data']);
const BOOL_FIELDS = new Set(['review']);

/** The column name and stored value for one record field. */
export function toColumn(field: string, value: unknown): [string, unknown] {
  if (JSON_FIELDS.has(field)) return [`${field}_json`, value === undefined || value === null ? null : JSON.stringify(value)];
  if (BOOL_FIELDS.has(field)) return [field, value === null || value === undefined ? null : value ? 1 : 0];
  return [field, value === undefined ? null : value];
}

export function toTask(row: Row): Task {
  const { after_json, then_json, requires_json, verify_json, review, ...rest } = row;
  return {
    ...(rest as unknown as Task),
    after: json(after_json, []),
    then: json(then_json, []),
    requires: json(requires_json, []),
    verify: json(verify_json, []),
    review: bool(review) ?? false,
  };
}

export function toRun(row: Row): Run {
  const { evidence_json, artifacts_json, late_json, ...rest } = row;
  return {
    ...(rest as unknown as Run),
    evidence: json(evidence_json, null),
    artifacts: json(artifacts_json, null),
    late: json(late_json, null),
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
