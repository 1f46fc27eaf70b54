// The CLIs' own retry loops are kept small by default (issue 15 point 8), each through the knob it has, and the profile
// (or the user's own settings) overrides them: codex `-c model_providers.<p>.*_max_retries`, Gemini's settings
// defaults file, Claude's env (runner-child-env.test.ts).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getAdapter } from '../src/core/adapters/index.js';
import { codexRetryArgs } from '../src/core/adapters/codex.js';
import { codexProviderOf, settingsDefaultsEnv, SETTINGS_DEFAULTS } from '../src/runner/retry-knobs.js';
import { workRun } from '../src/runner/work.js';
import { tempDir } from './support/helpers.js';
import { addAndClaim, configOf, depsOf, fakeProfile, sandbox } from './support/runner.js';

const ctx = { prompt: 'fix the bug', taskId: 7, workdir: '/w/proj' };

describe('codex: retry caps on the configured provider', () => {
  test('both knobs as -c overrides; a knob the profile sets itself is left to it', () => {
    assert.deepEqual(codexRetryArgs('mock', []), ['-c', 'model_providers.mock.request_max_retries=1', '-c', 'model_providers.mock.stream_max_retries=1']);
    assert.deepEqual(codexRetryArgs('mock', ['-c', 'model_providers.mock.request_max_retries=6']), ['-c', 'model_providers.mock.stream_max_retries=1']);
    assert.deepEqual(codexRetryArgs(undefined, []), []);
    assert.deepEqual(codexRetryArgs('a.b"c', []), [], 'a name that is not a plain TOML key gets nothing');
  });

  test('the adapter puts them before the profile’s args (a later -c of the profile wins in codex)', () => {
    const args = getAdapter('codex').build({ cli: 'codex', args: ['--foo'] }, { ...ctx, provider: 'mock' }).args;
    assert.deepEqual(args, [
      'exec', '--json', '--skip-git-repo-check', '-s', 'workspace-write', '-C', '/w/proj',
      '-c', 'model_providers.mock.request_max_retries=1', '-c', 'model_providers.mock.stream_max_retries=1', '--foo', '-',
    ]);
    assert.ok(!getAdapter('codex').build({ cli: 'codex' }, ctx).args.some((a) => a.includes('max_retries')), 'no provider, no caps');
  });

  test('codexProviderOf: only a provider config.toml defines and selects at the top level', () => {
    const home = tempDir('steward-codex-home-');
    const write = (text: string) => writeFileSync(join(home, 'config.toml'), text);
    assert.equal(codexProviderOf({ CODEX_HOME: home }), undefined, 'no config.toml');
    write('model = "m"\nmodel_provider = "mock" # local\n\n[model_providers.mock]\nname = "mock"\nbase_url = "http://x"\n');
    assert.equal(codexProviderOf({ CODEX_HOME: home }), 'mock');
    write('model_provider = "openai"\n');
    assert.equal(codexProviderOf({ CODEX_HOME: home }), undefined, 'a built-in provider cannot take the caps');
    write('[profiles.x]\nmodel_provider = "mock"\n[model_providers.mock]\nname = "mock"\n');
    assert.equal(codexProviderOf({ CODEX_HOME: home }), undefined, 'model_provider inside a table is not the selected one');
    write("model_provider = 'mock'\n[model_providers.\"mock\"]\nname = 'mock'\n");
    assert.equal(codexProviderOf({ CODEX_HOME: home }), 'mock');
    const user = tempDir('steward-home-');
    mkdirSync(join(user, '.codex'));
    writeFileSync(join(user, '.codex', 'config.toml'), 'model_provider = "p1"\n[model_providers.p1]\nname = "p1"\n');
    assert.equal(codexProviderOf({ HOME: user }), 'p1', 'CODEX_HOME defaults to ~/.codex');
  });
});

describe('gemini: a settings-defaults file', () => {
  test('written under .steward/cli-defaults and named in the env; the babysitter’s own choice is kept', () => {
    const dir = tempDir('steward-knobs-');
    const gemini = settingsDefaultsEnv('gemini', dir, {});
    assert.deepEqual(Object.keys(gemini), ['GEMINI_CLI_SYSTEM_DEFAULTS_PATH']);
    assert.deepEqual(JSON.parse(readFileSync(gemini.GEMINI_CLI_SYSTEM_DEFAULTS_PATH!, 'utf8')), { general: { maxAttempts: 2 } });
    assert.deepEqual(settingsDefaultsEnv('gemini', dir, { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: '/etc/mine.json' }), {});
    assert.deepEqual(settingsDefaultsEnv('claude', dir, {}), {});
    assert.deepEqual(settingsDefaultsEnv('opencode', dir, {}), {});
    assert.deepEqual(settingsDefaultsEnv('qwen', dir, {}), {}, 'no setting of Qwen Code bounds its 429 loop (measured)');
    assert.deepEqual(Object.keys(SETTINGS_DEFAULTS), ['gemini']);
  });
});

describe('a babysat run gets the knobs', () => {
  test('gemini: the CLI sees the defaults file; the profile’s env overrides it', async () => {
    const sb = sandbox();
    const envFile = join(sb.root, 'env.json');
    const config = configOf({ coder: fakeProfile(sb, 'gemini', 'success', {}, { FAKE_ENV_FILE: envFile }) });
    const { run } = addAndClaim(sb);
    assert.equal((await workRun(depsOf(sb, config), run.id)).status, 'completed');
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    assert.equal(seen.GEMINI_CLI_SYSTEM_DEFAULTS_PATH, join(sb.ws.stewardDir, 'cli-defaults', 'gemini-system-defaults.json'));
    assert.deepEqual(JSON.parse(readFileSync(seen.GEMINI_CLI_SYSTEM_DEFAULTS_PATH!, 'utf8')), { general: { maxAttempts: 2 } });

    const sb2 = sandbox();
    const own = join(sb2.root, 'own.json');
    const config2 = configOf({ coder: fakeProfile(sb2, 'gemini', 'success', {}, { FAKE_ENV_FILE: envFile, GEMINI_CLI_SYSTEM_DEFAULTS_PATH: own }) });
    const { run: run2 } = addAndClaim(sb2);
    assert.equal((await workRun(depsOf(sb2, config2), run2.id)).status, 'completed');
    assert.equal((JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>).GEMINI_CLI_SYSTEM_DEFAULTS_PATH, own);
  });

  test('codex: the provider of the CLI’s CODEX_HOME gets the -c caps on its command line', async () => {
    const sb = sandbox();
    const codexHome = join(sb.root, 'codex-home');
    mkdirSync(codexHome);
    writeFileSync(join(codexHome, 'config.toml'), 'model_provider = "mock"\n[model_providers.mock]\nname = "mock"\nbase_url = "http://127.0.0.1:9/v1"\n');
    const config = configOf({ coder: fakeProfile(sb, 'codex', 'echo', {}, { CODEX_HOME: codexHome }) });
    const { run } = addAndClaim(sb);
    await workRun(depsOf(sb, config), run.id);
    const argv = JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[];
    assert.ok(argv.includes('model_providers.mock.request_max_retries=1'), JSON.stringify(argv));
    assert.ok(argv.includes('model_providers.mock.stream_max_retries=1'), JSON.stringify(argv));
  });
});

test('the defaults file is not rewritten when the CLI only added its own $version (a settings migration)', () => {
  const dir = tempDir('steward-knobs-');
  const path = settingsDefaultsEnv('gemini', dir, {}).GEMINI_CLI_SYSTEM_DEFAULTS_PATH!;
  const migrated = `${JSON.stringify({ general: { maxAttempts: 2 }, $version: 4 }, null, 2)}\n`;
  writeFileSync(path, migrated);
  settingsDefaultsEnv('gemini', dir, {});
  assert.equal(readFileSync(path, 'utf8'), migrated);
  writeFileSync(path, '{"general":{"maxAttempts":9}}');
  settingsDefaultsEnv('gemini', dir, {});
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { general: { maxAttempts: 2 } }, 'a changed value is put back');
});
