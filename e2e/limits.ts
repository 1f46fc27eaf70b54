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

<<<<<<< HEAD
const OPENCODE_SILENT_RETRY =
  'opencode 1.18.33 retries the failed model call (its session retry, backing off, honouring Retry-After) and prints nothing on stdout or stderr meanwhile: ' +
  'its retry status is not one of the `run --format json` events, and its log line ("stream error … AI_APICallError: <message>") carries no HTTP status. ' +
  'steward sees silence (60 s in the harness) and stops it as stalled (one strike), so the status is never known';

export const LIMITATIONS: Partial<Record<CliName, Partial<Record<Scenario, Limitation>>>> = {
  opencode: {
    e429: { expect: { kind: 'stalled', attempts: 1 }, why: OPENCODE_SILENT_RETRY },
    e500: { expect: { kind: 'stalled' }, why: OPENCODE_SILENT_RETRY },
=======
const QWEN_SILENT_RETRY =
  'Qwen Code 0.15.10 retries a 429 or 500 for minutes (20 requests in the first 45 s of a 500) and prints nothing meanwhile (no event ' +
  'after its init on stdout, no retry line on stderr: unlike Gemini CLI, which it forks, it does not log "Attempt N failed with status ' +
  '…"); steward sees silence and stops it as stalled after stallSeconds (one strike), so the status is never known';

export const LIMITATIONS: Partial<Record<CliName, Partial<Record<Scenario, Limitation>>>> = {
  qwen: {
    e429: { expect: { kind: 'stalled', attempts: 1 }, why: QWEN_SILENT_RETRY },
    e500: { expect: { kind: 'stalled' }, why: QWEN_SILENT_RETRY },
>>>>>>> 4b9d923 (e2e: workspaces under ~/.cache/steward-e2e (STEWARD_E2E_DIR), not /tmp (Gemini CLI ignores its settings-defaults file under a world-writable folder) nor the checkout (steward took the checkout's repository for the project's and made run worktrees of it); every row's steward runs with GIT_CEILING_DIRECTORIES at the harness folder; opencode e429/e500 are no longer limit cells)
  },
};

export function limitationOf(cli: CliName, scenario: Scenario): Limitation | undefined {
  return LIMITATIONS[cli]?.[scenario];
}
