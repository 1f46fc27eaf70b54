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

// None left: opencode's and Qwen Code's silent retries are read from their own logs now (signals.ts).
export const LIMITATIONS: Partial<Record<CliName, Partial<Record<Scenario, Limitation>>>> = {};

export function limitationOf(cli: CliName, scenario: Scenario): Limitation | undefined {
  return LIMITATIONS[cli]?.[scenario];
}
