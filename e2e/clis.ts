// How each real coding CLI is pointed at the mock model: its binary, a fresh HOME, env and config files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLI_NAMES = ['claude', 'codex', 'opencode', 'gemini', 'qwen'] as const;
export type CliName = (typeof CLI_NAMES)[number];

/** The npm package of each CLI (pinned in e2e/package.json). */
export const PACKAGES: Record<CliName, string> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  opencode: 'opencode-ai',
  gemini: '@google/gemini-cli',
  qwen: '@qwen-code/qwen-code',
};

export const E2E_DIR = new URL('../../e2e/', import.meta.url).pathname;
export const BIN_DIR = join(E2E_DIR, 'node_modules', '.bin');

/** The installed version of a CLI's package, or undefined when it is not installed. */
export function installedVersion(cli: CliName): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(E2E_DIR, 'node_modules', PACKAGES[cli], 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return undefined;
  }
}

/** What goes into the steward agent profile for one CLI (bin, env; model where the CLI needs one). */
export interface CliSetup {
  profile: { cli: CliName; bin: string; model?: string; env: Record<string, string> };
}

/**
 * Writes the CLI's config under `home` (a fresh HOME for this row) and returns the profile that points it at `mockUrl`.
 * Nothing of the user's own HOME or keys is used.
 */
export function setupCli(cli: CliName, home: string, mockUrl: string): CliSetup {
  mkdirSync(home, { recursive: true });
  const bin = join(BIN_DIR, cli);
  const base = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), XDG_CACHE_HOME: join(home, '.cache'), NO_COLOR: '1' };
  switch (cli) {
    case 'claude': {
      const env: Record<string, string> = {
        ...base,
        ANTHROPIC_BASE_URL: mockUrl,
        ANTHROPIC_API_KEY: 'e2e-dummy-key',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      };
      if (process.getuid?.() === 0) env.IS_SANDBOX = '1';
      return { profile: { cli, bin, env } };
    }
    case 'codex': {
      const codexHome = join(home, '.codex');
      mkdirSync(codexHome, { recursive: true });
      writeFileSync(
        join(codexHome, 'config.toml'),
        [
          'model = "gpt-mock"',
          'model_provider = "mock"',
          '[model_providers.mock]',
          'name = "mock"',
          `base_url = "${mockUrl}/v1"`,
          'wire_api = "responses"',
          'env_key = "E2E_MOCK_API_KEY"',
          '',
        ].join('\n'),
      );
      return { profile: { cli, bin, env: { ...base, CODEX_HOME: codexHome, E2E_MOCK_API_KEY: 'e2e-dummy-key' } } };
    }
    case 'opencode': {
      const file = join(home, 'opencode.json');
      const config = {
        $schema: 'https://opencode.ai/config.json',
        provider: {
          mock: { npm: '@ai-sdk/openai-compatible', name: 'Mock', options: { baseURL: `${mockUrl}/v1`, apiKey: 'e2e-dummy-key' }, models: { 'mock-model': { name: 'Mock' } } },
        },
        model: 'mock/mock-model',
        permission: { edit: 'allow', bash: 'allow', webfetch: 'allow' },
        autoupdate: false,
        share: 'disabled',
      };
      writeFileSync(file, JSON.stringify(config, null, 2));
      return { profile: { cli, bin, model: 'mock/mock-model', env: { ...base, OPENCODE_CONFIG: file, OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1' } } };
    }
    case 'gemini': {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }, null, 2));
      // A model set (-m): with auto routing Gemini keeps its model policies' retry counts and ignores maxAttempts.
      return { profile: { cli, bin, model: 'gemini-2.5-flash', env: { ...base, GOOGLE_GEMINI_BASE_URL: mockUrl, GEMINI_API_KEY: 'e2e-dummy-key' } } };
    }
    case 'qwen': {
      mkdirSync(join(home, '.qwen'), { recursive: true });
      writeFileSync(join(home, '.qwen', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'openai' } } }, null, 2));
      return { profile: { cli, bin, env: { ...base, OPENAI_BASE_URL: `${mockUrl}/v1`, OPENAI_API_KEY: 'e2e-dummy-key', OPENAI_MODEL: 'mock-model' } } };
    }
  }
}
