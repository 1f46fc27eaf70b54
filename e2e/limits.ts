// What a real CLI truly cannot do in a scenario, and what steward records instead. A row that meets the replacement
// expectation passes as "limit" and docs/CLIS.md prints the reason; everything else about the row is still checked.
import type { CliName } from './clis.js';
import type { Scenario } from './mock-model.js';

/** What steward must record in a scenario (see EXPECT in row.ts). */
export interface Expect {
  status: string;
  kind?: string;
  attempts: number;
  result?: RegExp;
  file: boolean;
}

export interface Limitation {
  /** What steward records instead (replaces the scenario's expectation field by field). */
  expect: Partial<Expect>;
  /** Why, from what the real CLI did (its stdout, stderr and logs in the kept row folder). */
  why: string;
}

const OPENCODE_SILENT_RETRY =
  'opencode 1.18.33 retries the failed model call (its session retry, backing off, honouring Retry-After) and prints nothing on stdout or stderr meanwhile: ' +
  'its retry status is not one of the `run --format json` events, and its log line ("stream error … AI_APICallError: <message>") carries no HTTP status. ' +
  'steward sees silence (60 s in the harness) and stops it as stalled (one strike), so the status is never known';

export const LIMITATIONS: Partial<Record<CliName, Partial<Record<Scenario, Limitation>>>> = {
  opencode: {
    e429: { expect: { kind: 'stalled', attempts: 1 }, why: OPENCODE_SILENT_RETRY },
    e500: { expect: { kind: 'stalled' }, why: OPENCODE_SILENT_RETRY },
  },
};

export function limitationOf(cli: CliName, scenario: Scenario): Limitation | undefined {
  return LIMITATIONS[cli]?.[scenario];
}
