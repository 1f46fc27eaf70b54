// The validated config is cached in .steward/config.cache.json (src/config/config-cache.ts): a CLI command with a
// current cache loads neither yaml nor the config schema, and any change to what the config is made from (the
// file's text, a STEWARD_* variable) is a miss that reads and validates the file again.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CONFIG_CACHE_FILE } from '../src/config/config-cache.js';
import { loadConfig } from '../src/config/load-config.js';
import { cli, tempDir } from './support/helpers.js';
import { modulesLoadedBy, sourcesOf } from './support/modules-loaded.js';

function workspace(): string {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  return ws;
}
const configFile = (ws: string) => join(ws, '.steward', 'config.yaml');
const cacheFile = (ws: string) => join(ws, CONFIG_CACHE_FILE);

/** Marks the cached config so a read that comes from the cache is told apart from a full load. */
function markCache(ws: string, everySeconds: number): void {
  const cached = JSON.parse(readFileSync(cacheFile(ws), 'utf8')) as { config: { heartbeat: { everySeconds: number } } };
  cached.config.heartbeat.everySeconds = everySeconds;
  writeFileSync(cacheFile(ws), JSON.stringify(cached));
}

describe('config cache', () => {
  test('loadConfig writes the cache (0600) and reads it back while config.yaml, the variables and the build are unchanged', () => {
    const ws = workspace();
    const full = loadConfig({ root: ws, env: {} });
    assert.ok(existsSync(cacheFile(ws)));
    assert.equal(statSync(cacheFile(ws)).mode & 0o777, 0o600);
    markCache(ws, 4242);
    assert.equal(loadConfig({ root: ws, env: {} }).heartbeat.everySeconds, 4242, 'a current cache is used');
    assert.equal(loadConfig({ root: ws, env: { STEWARD_HEARTBEAT_SECONDS: '7' } }).heartbeat.everySeconds, 7, 'a variable changes the key');
    assert.equal(loadConfig({ root: ws, env: {}, flags: { heartbeat: { everySeconds: 9 } } }).heartbeat.everySeconds, 9, 'flags bypass it');
    // Same length, same clock tick: the text is the key, not the mtime.
    markCache(ws, 4242);
    const text = readFileSync(configFile(ws), 'utf8');
    writeFileSync(configFile(ws), `${text}\n# a`);
    assert.equal(loadConfig({ root: ws, env: {} }).heartbeat.everySeconds, full.heartbeat.everySeconds);
    markCache(ws, 4242);
    writeFileSync(configFile(ws), `${text}\n# b`);
    assert.equal(loadConfig({ root: ws, env: {} }).heartbeat.everySeconds, full.heartbeat.everySeconds);
  });

  test('secrets in the environment are never cached; a torn cache file is a miss', () => {
    const ws = workspace();
    const token = 'stw_envtoken_0123456789abcdefghijklmnop';
    const withToken = loadConfig({ root: ws, env: { STEWARD_MCP_TOKEN_VIEWER: token } });
    assert.ok(Object.keys(withToken.mcp.tokens).includes(token));
    assert.ok(!existsSync(cacheFile(ws)) || !readFileSync(cacheFile(ws), 'utf8').includes(token));
    loadConfig({ root: ws, env: {} });
    writeFileSync(cacheFile(ws), '{"key": ');
    assert.equal(loadConfig({ root: ws, env: {} }).heartbeat.everySeconds, withToken.heartbeat.everySeconds);
  });

  test('the CLI with a current cache loads no yaml and no config schema; an edit to config.yaml is validated again', () => {
    const ws = workspace();
    assert.equal(cli(['list'], { cwd: ws }).code, 0); // writes the cache
    const { code, modules } = modulesLoadedBy(ws, ['list', '--json']);
    assert.equal(code, 0);
    const sources = sourcesOf(modules);
    assert.ok(sources.includes('src/config/config-cache.ts'));
    assert.deepEqual(sources.filter((s) => /^node_modules\/(yaml|js-yaml|gray-matter)\/|^src\/config\/(schema|config-layers|load-config)\.ts$/.test(s)), []);
    writeFileSync(configFile(ws), 'heartbeat:\n  everySeconds: -1\n');
    const bad = cli(['list'], { cwd: ws });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^error VALIDATION: invalid config: .*heartbeat\.everySeconds/);
  });
});
