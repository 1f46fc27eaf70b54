// The environment a coding CLI runs with: the babysitter's, minus steward's own secrets, plus small retry knobs,
// the profile's env, and the run's ids.
import type { CliKind } from '../core/adapters/index.js';

/** Steward's secrets: MCP bearer tokens, the notify webhook (its URL may carry a key), anything token- or key-like. */
const STEWARD_SECRET = /^STEWARD_(?:MCP_TOKENS?(?:_|$)|NOTIFY_WEBHOOK$|.*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL))/i;

/** True for a variable of steward's that no agent should see. */
export function isStewardSecret(name: string): boolean {
  return STEWARD_SECRET.test(name);
}

/** `base` without steward's secrets. */
export function withoutStewardSecrets(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) if (!isStewardSecret(name)) env[name] = value;
  return env;
}

/** The ids of a run, in the variables its processes carry (the leftover sweep finds them by these: leftovers.ts). */
export interface RunIds {
  root: string;
  runId: number;
  taskId: number;
}

const runIdsEnv = (ids: RunIds) => ({ STEWARD_DIR: ids.root, STEWARD_RUN_ID: String(ids.runId), STEWARD_TASK_ID: String(ids.taskId) });

/**
 * What a verify command (it runs code the CLI may have written) gets: `base` without steward's secrets, plus the run's
 * ids, so a process it starts in a new session is found and killed as the run's leftover.
 */
export function verifyEnv(base: NodeJS.ProcessEnv, ids: RunIds): NodeJS.ProcessEnv {
  return { ...withoutStewardSecrets(base), ...runIdsEnv(ids) };
}

/**
 * A CLI's own retry loop hides a 429 or a 500 from steward for minutes (Claude Code retried a 500 for ~190 s);
 * kept small so steward's backoff and rate-limit pause decide. The profile's env overrides these. The knobs that are
 * not env variables (codex, gemini, qwen) are in retry-knobs.ts.
 */
export const RETRY_KNOBS: Partial<Record<CliKind, Record<string, string>>> = {
  claude: { CLAUDE_CODE_MAX_RETRIES: '1' },
  // Not a bound (Qwen Code has none that works, retry-knobs.ts): its retry lines, which it writes only to its debug
  // log, on by default in 0.15 and off from 0.16 on unless this is set (cli-log.ts reads them after the run).
  qwen: { QWEN_DEBUG_LOG_FILE: '1' },
};

/** The whole environment of the CLI of run `runId` for task `taskId`. */
export function childEnv(
  base: NodeJS.ProcessEnv,
  cli: CliKind,
  profileEnv: Record<string, string>,
  ids: RunIds,
): NodeJS.ProcessEnv {
  return { ...withoutStewardSecrets(base), ...RETRY_KNOBS[cli], ...profileEnv, ...runIdsEnv(ids) };
}
