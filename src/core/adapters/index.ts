// The adapter registry: one CliAdapter per CLI kind, looked up by name.
import { StewardError } from '../errors.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { geminiAdapter } from './gemini.js';
import { opencodeAdapter } from './opencode.js';
import { qwenAdapter } from './qwen.js';
import { CLI_KINDS, type CliAdapter, type CliKind } from './types.js';

// Everything adapter-related is imported from this module.
export { CLI_KINDS };
export type { AgentProfileLike, CliAdapter, CliKind, Invocation, InvocationContext, RunOutput, Verdict } from './types.js';
export { findQuestion } from './classify.js';
export { argsConflicts, DEFAULT_PERMISSIONS, describePermissions, PERMISSION_FLAGS, PERMISSION_MODES, type PermissionMode } from './flags.js';
export { cliRetryLines, kindOfErrorType, kindOfStatus, opencodeStreamErrors, parseRetryAfter, qwenDebugRetryLines, readProtocolLine, statusInCliError } from './signals.js';
export { substitutePlaceholders } from './command.js';
export { GEMINI_EXIT } from './gemini.js';
export { quoteWord, splitCommandLine } from './shell-words.js';

/** Every adapter by CLI kind. */
export const ADAPTERS: Readonly<Record<CliKind, CliAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  qwen: qwenAdapter,
  aider: aiderAdapter,
  command: commandAdapter,
};

/** True when `value` names a CLI steward can drive. */
export function isCliKind(value: unknown): value is CliKind {
  return typeof value === 'string' && (CLI_KINDS as readonly string[]).includes(value);
}

/** The adapter for `cli`; throws VALIDATION for an unknown name. */
export function getAdapter(cli: string): CliAdapter {
  if (!isCliKind(cli)) {
    throw new StewardError('VALIDATION', `unknown cli "${cli}" (expected one of: ${CLI_KINDS.join(', ')})`, { cli });
  }
  return ADAPTERS[cli];
}
export { createUsageMeter, metersUsage, type UsageMeter } from './usage-meter.js';
