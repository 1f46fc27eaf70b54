// The coding CLIs' own retry loops, kept small so steward's backoff and rate-limit pause decide (a CLI that retries a
// 429 or a 500 for minutes hides it from steward: Claude Code ~190 s, Gemini ~275 s, Qwen Code 10 times from 60 s up).
// Each CLI takes its knob differently (verified in the CLIs' bundles, see docs/CLIS.md):
//   claude   env CLAUDE_CODE_MAX_RETRIES                              (child-env.ts RETRY_KNOBS)
//   codex    config model_providers.<p>.request_max_retries / stream_max_retries, as `-c` overrides (adapters/codex.ts)
//   gemini   settings general.maxAttempts, in a system-defaults file (GEMINI_CLI_SYSTEM_DEFAULTS_PATH)
//   qwen     settings model.generationConfig.maxRetries, likewise (QWEN_CODE_SYSTEM_DEFAULTS_PATH)
//   opencode none: its session retry (5 attempts) has no setting
// A system-defaults file has the lowest precedence of those CLIs' settings: the user's and the project's settings files
// override it, and so does the profile (its env may name another file).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliKind } from '../core/adapters/index.js';

/** The settings-file knob of Gemini CLI and Qwen Code: the env variable naming the file, and the file's content. */
export const SETTINGS_DEFAULTS: Partial<Record<CliKind, { variable: string; settings: Record<string, unknown> }>> = {
  // maxAttempts counts the first call: 2 = one retry, as CLAUDE_CODE_MAX_RETRIES=1.
  gemini: { variable: 'GEMINI_CLI_SYSTEM_DEFAULTS_PATH', settings: { general: { maxAttempts: 2 } } },
  qwen: { variable: 'QWEN_CODE_SYSTEM_DEFAULTS_PATH', settings: { model: { generationConfig: { maxRetries: 1 } } } },
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
  const content = `${JSON.stringify(knob.settings, null, 2)}\n`;
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== content) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, content);
  }
  return { [knob.variable]: path };
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
