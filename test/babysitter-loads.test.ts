// What a babysitter (`steward work --run N --here`, as `steward up` starts one) loads beside the CLI it supervises
// (issue 18 goal 4: its resident memory is its cost, for hours). Neither zod (its inputs are checked by hand:
// core/fast-input.ts), the YAML parser and the config schema (the config comes from .steward/config.cache.json, or
// from a short-lived child process when the cache does not hold it: config/config-apart.ts), croner, nor the ops
// barrel's schedules. Checked with the module list of the real babysitter process (support/modules-loaded.ts), in
// a fresh workspace (no cache), with a current cache, for a failing run and with server secrets in the environment.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FAKE_CLI_PATH } from './helpers/fixtures.js';
import { cli, tempDir } from './support/helpers.js';
import { modulesLoadedBy, sourcesOf } from './support/modules-loaded.js';

/** What a babysitter must not hold: zod, yaml, croner, the config schema and layers, the input schemas, the ops barrel's schedules. */
const HEAVY = /^node_modules\/(zod|yaml|js-yaml|croner|gray-matter|@modelcontextprotocol)\/|^src\/config\/(schema|config-layers|load-config)\.ts$|^src\/core\/(schemas|schedule|schedule-schema)\.ts$|^src\/ops\/(index|schedules)\.ts$/;

const CACHE = join('.steward', 'config.cache.json');

/** A workspace whose config.yaml (real YAML) has one profile `coder` running the fake CLI in `mode`; one task claimed. */
function claimedRun(mode: string): { ws: string; runId: number } {
  const ws = tempDir('steward-babysitter-loads-');
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  writeFileSync(
    join(ws, '.steward', 'config.yaml'),
    [
      '# written by a person',
      'agents:',
      '  coder:',
      '    cli: claude',
      `    bin: ${JSON.stringify(FAKE_CLI_PATH)}`,
      '    leaseSeconds: 30',
      '    env:',
      '      FAKE_CLI: claude',
      `      FAKE_MODE: ${mode}`,
    ].join('\n'),
    { mode: 0o600 },
  );
  assert.equal(cli(['add', 'babysat task'], { cwd: ws }).code, 0);
  const claim = cli(['claim', '--agent', 'coder', '--json'], { cwd: ws });
  assert.equal(claim.code, 0, claim.stderr);
  return { ws, runId: (JSON.parse(claim.stdout) as { run: { id: number } }).run.id };
}

function runOf(ws: string, runId: number): { outcome: string | null } {
  const show = cli(['show', '1', '--json'], { cwd: ws });
  const runs = (JSON.parse(show.stdout) as { runs: Array<{ id: number; outcome: string | null }> }).runs;
  return runs.find((r) => r.id === runId)!;
}

function babysit(ws: string, runId: number, env: NodeJS.ProcessEnv = {}) {
  const r = modulesLoadedBy(ws, ['work', '--run', String(runId), '--here'], env);
  return { ...r, heavy: sourcesOf(r.modules).filter((m) => HEAVY.test(m)) };
}

describe('the babysitter loads no zod, YAML parser or config schema', () => {
  test('first steward process of a workspace (no config cache): the config comes from a child process, which writes the cache', () => {
    const { ws, runId } = claimedRun('success');
    rmSync(join(ws, CACHE));
    const r = babysit(ws, runId);
    assert.equal(r.code, 0);
    assert.deepEqual(r.heavy, []);
    assert.equal(runOf(ws, runId).outcome, 'completed');
    // The child loaded config.yaml and cached it: the next babysitter reads the cache.
    const cached = JSON.parse(readFileSync(join(ws, CACHE), 'utf8')) as { config: { agents: Record<string, { env: Record<string, string> }> } };
    assert.equal(cached.config.agents.coder!.env.FAKE_MODE, 'success');
  });

  test('config cache current (as under steward up), and a failing run (the fail path with its evidence): no zod either', () => {
    const { ws, runId } = claimedRun('error');
    assert.ok(existsSync(join(ws, CACHE)));
    const r = babysit(ws, runId);
    assert.equal(r.code, 0);
    assert.deepEqual(r.heavy, []);
    assert.equal(runOf(ws, runId).outcome, 'failed');
  });

  test('server secrets in the environment (as `steward up` passes them down): the babysitter\'s config is made without them, cached, and the next one reads the cache', () => {
    const token = 'tok-babysitter-loads-0123456789';
    const webhook = 'https://hooks.example.invalid/key-babysitter-loads';
    const { ws, runId } = claimedRun('success');
    rmSync(join(ws, CACHE));
    const r = babysit(ws, runId, { STEWARD_MCP_TOKEN_WORKER: token, STEWARD_NOTIFY_WEBHOOK: webhook });
    assert.equal(r.code, 0);
    assert.deepEqual(r.heavy, []);
    // Cached by the babysitter's own config child (a config made with the secrets never is); neither secret on disk.
    const text = readFileSync(join(ws, CACHE), 'utf8');
    assert.ok(!text.includes(token) && !text.includes('key-babysitter-loads'));
    assert.equal(runOf(ws, runId).outcome, 'completed');
    // The next babysitter, with other secrets, reads that cache: one changed by hand (same key, the fake CLI told to
    // fail) makes its run fail, where config.yaml — a miss, loaded in a child — would make it complete.
    const cache = JSON.parse(readFileSync(join(ws, CACHE), 'utf8')) as { config: { agents: Record<string, { env: Record<string, string> }> } };
    cache.config.agents.coder!.env.FAKE_MODE = 'error';
    writeFileSync(join(ws, CACHE), JSON.stringify(cache));
    assert.equal(cli(['add', 'second babysat task'], { cwd: ws }).code, 0);
    const claim = cli(['claim', '--agent', 'coder', '--json'], { cwd: ws });
    assert.equal(claim.code, 0, claim.stderr);
    const second = (JSON.parse(claim.stdout) as { run: { id: number }; task: { id: number } });
    const r2 = babysit(ws, second.run.id, { STEWARD_MCP_TOKEN_WORKER: `${token}-other`, STEWARD_NOTIFY_WEBHOOK: `${webhook}-other` });
    assert.equal(r2.code, 0);
    assert.deepEqual(r2.heavy, []);
    const show = cli(['show', String(second.task.id), '--json'], { cwd: ws });
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { runs: Array<{ id: number; outcome: string | null }> };
    assert.equal(shown.runs.find((x) => x.id === second.run.id)!.outcome, 'failed', 'the second babysitter read the (edited) cache');
  });

  test('a bad config is reported by the babysitter with the code and message any command gives', () => {
    const { ws, runId } = claimedRun('success');
    writeFileSync(join(ws, '.steward', 'config.yaml'), `${readFileSync(join(ws, '.steward', 'config.yaml'), 'utf8')}\n    timeoutSeconds: soon\n`);
    const list = cli(['list'], { cwd: ws });
    assert.equal(list.code, 2);
    assert.match(list.stderr, /^error VALIDATION: invalid config: .*agents\.coder\.timeoutSeconds/);
    rmSync(join(ws, CACHE), { force: true });
    const r = babysit(ws, runId);
    assert.equal(r.code, 2);
    const sitter = cli(['work', '--run', String(runId), '--here'], { cwd: ws });
    assert.deepEqual([sitter.code, sitter.stderr], [2, list.stderr]);
    assert.deepEqual(r.heavy, []);
    // A file that is not YAML at all: PARSE_ERROR, with its line, as before.
    writeFileSync(join(ws, '.steward', 'config.yaml'), 'agents: [unclosed\n');
    const parse = cli(['work', '--run', String(runId), '--here', '--json'], { cwd: ws });
    assert.equal(parse.code, 2);
    assert.equal((JSON.parse(parse.stderr) as { error: { code: string } }).error.code, 'PARSE_ERROR');
    assert.deepEqual(JSON.parse(parse.stderr), JSON.parse(cli(['list', '--json'], { cwd: ws }).stderr));
  });
});
