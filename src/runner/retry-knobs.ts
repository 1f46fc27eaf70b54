// The coding CLIs' own retry loops, kept small so steward's backoff and rate-limit pause decide (a CLI that retries a
// 429 or a 500 for minutes hides it from steward: Claude Code ~190 s, Gemini ~275 s). Each CLI takes its knob
// differently (found in the CLIs' bundles; measured with the e2e harness, docs/CLIS.md):
//   claude   env CLAUDE_CODE_MAX_RETRIES=1                            (child-env.ts RETRY_KNOBS)
//   codex    config model_providers.<p>.request_max_retries / stream_max_retries = 1, as `-c` overrides
//            (adapters/codex.ts) — measured: e429 48.5 → 21 s, e500 38.8 → 16.3 s
//   gemini   settings general.maxAttempts = 2, in a system-defaults file (GEMINI_CLI_SYSTEM_DEFAULTS_PATH). It bounds
//            the chat model's retries when its model policy has no count of its own (a model set with -m); with auto
//            model routing (no model set) Gemini's policies keep theirs (router 5, pro 3, flash fallback 10)
//   qwen     none that works: settings model.generationConfig.maxRetries (user settings or system defaults) did not
//            bound the 429 loop of 0.15.10 nor 0.24.4 (28 calls in 45 s with maxRetries 1): its retryWithBackoff keeps its
//            own 7 attempts around the OpenAI SDK's retries. What steward sets instead is QWEN_DEBUG_LOG_FILE=1
//            (child-env.ts), so its retry lines ("Attempt N failed with status 429") land in the session's debug log,
//            which the runner reads after the run (cli-log.ts): a stall while it retried is then classified like Gemini's
//   opencode none: its session retry (5 retries, 2-30 s apart or the Retry-After) has no setting; steward reads its
//            log instead (--print-logs: a "stream error" line per failed call) and its final error event's statusCode
// A system-defaults file has the lowest precedence of Gemini's settings: the user's and the project's settings files
// override it, and so does the profile (its env may name another file).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliKind } from '../core/adapters/index.js';

/** The settings-file knob of Gemini CLI: the env variable naming the file, and the file's content. */
export const SETTINGS_DEFAULTS: Partial<Record<CliKind, { variable: string; settings: Record<string, unknown> }>> = {
  // maxAttempts counts the first call: 2 = one retry, as CLAUDE_CODE_MAX_RETRIES=1.
  gemini: { variable: 'GEMINI_CLI_SYSTEM_DEFAULTS_PATH', settings: { general: { maxAttempts: 2 } } },
};

/**
 * The env entries that point the CLI at steward's defaults file (written under `<stewardDir>/cli-defaults/`), or none
 * when the CLI has no such knob or the babysitter's own environment already names a defaults file (the user's choice).
 */
export function settingsDefaultsEnv(cli: CliKind, stewardDir: string, base: NodeJS.ProcessEnv): Record<string, string> {
  const knob = SETTINGS_DEFAULTS[cli];
  if (!knob || base[knob.variable]) return {};
  const dir = join(stewardDir, 'cli-defaults');
  const path = join(dir, `${cli}-system-defaults.json`);
  if (!holds(path, knob.settings)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, `${JSON.stringify(knob.settings, null, 2)}\n`);
  }
  return { [knob.variable]: path };
}

/** True when the file holds `settings` already: the CLI may add keys of its own (a settings migration adds `$version`). */
function holds(path: string, settings: Record<string, unknown>): boolean {
  try {
    const { $version: _, ...rest } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return JSON.stringify(rest) === JSON.stringify(settings);
  } catch {
    return false;
  }
}

/**
 * The provider codex will use when it is one config.toml defines (`model_provider = "x"` at the top and a
 * `[model_providers.x]` table), from `$CODEX_HOME/config.toml` (default `~/.codex`) of the CLI's environment; undefined
 * for a built-in provider, a missing file, or anything this reading cannot tell for sure.
 */
export function codexProviderOf(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.CODEX_HOME || (env.HOME ? join(env.HOME, '.codex') : undefined);
  if (!home) return undefined;
  const file = join(home, 'config.toml');
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // Top-level keys end at the first table header.
  const top = text.split(/^\s*\[/m)[0] ?? '';
  const name = /^\s*model_provider\s*=\s*["']([A-Za-z0-9_-]+)["']\s*(?:#.*)?$/m.exec(top)?.[1];
  if (!name) return undefined;
  const table = new RegExp(`^\\s*\\[\\s*model_providers\\.(?:${name}|"${name}"|'${name}')\\s*\\]`, 'm');
  return table.test(text) ? name : undefined;
}
