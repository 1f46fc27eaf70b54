// The CLI's environment: steward's secrets stripped, the CLI's own retries kept small, the profile's env on top.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { childEnv, isStewardSecret } from '../src/runner/child-env.js';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, configOf, depsOf, fakeProfile, sandbox } from './support/runner.js';

const SECRETS = {
  STEWARD_MCP_TOKENS: 'stw_aaaaaaaaaaaaaaaaaaaa:planner',
  STEWARD_MCP_TOKEN_PLANNER: 'stw_bbbbbbbbbbbbbbbbbbbb',
  STEWARD_MCP_TOKEN_WORKER: 'stw_cccccccccccccccccccc',
  STEWARD_NOTIFY_WEBHOOK: 'https://hooks.example/T000/secret',
  STEWARD_GITHUB_TOKEN: 'ghp_x',
};

describe('the CLI child environment', () => {
  test('secret-looking STEWARD_ variables are steward’s; the others are not', () => {
    for (const name of Object.keys(SECRETS)) assert.ok(isStewardSecret(name), name);
    for (const name of ['STEWARD_DIR', 'STEWARD_RUN_ID', 'STEWARD_MCP_PORT', 'STEWARD_DEBUG', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN']) assert.ok(!isStewardSecret(name), name);
  });

  test('childEnv: retry knob by CLI kind, profile env wins, run ids last', () => {
    const env = childEnv({ PATH: '/bin', ...SECRETS, STEWARD_RUN_ID: '99' }, 'claude', { FOO: 'bar' }, { root: '/w', runId: 3, taskId: 7 });
    assert.deepEqual(env, { PATH: '/bin', CLAUDE_CODE_MAX_RETRIES: '1', FOO: 'bar', STEWARD_DIR: '/w', STEWARD_RUN_ID: '3', STEWARD_TASK_ID: '7' });
    assert.equal(childEnv({}, 'claude', { CLAUDE_CODE_MAX_RETRIES: '4' }, { root: '/w', runId: 1, taskId: 1 }).CLAUDE_CODE_MAX_RETRIES, '4');
    assert.equal(childEnv({}, 'codex', {}, { root: '/w', runId: 1, taskId: 1 }).CLAUDE_CODE_MAX_RETRIES, undefined);
  });

  test('a real CLI child sees neither the MCP tokens nor the webhook, and gets CLAUDE_CODE_MAX_RETRIES', async () => {
    const sb = sandbox();
    const envFile = join(sb.root, 'env.json');
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success', {}, { FAKE_ENV_FILE: envFile }) });
    const { run } = addAndClaim(sb);
    const r = await workRun(depsOf(sb, config, { env: { ...process.env, ...SECRETS } }), run.id);
    assert.equal(r.status, 'completed');
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    for (const name of Object.keys(SECRETS)) assert.equal(seen[name], undefined, `${name} reached the CLI`);
    assert.equal(seen.CLAUDE_CODE_MAX_RETRIES, '1');
    assert.equal(seen.STEWARD_RUN_ID, String(run.id));
    assert.equal(seen.STEWARD_DIR, sb.root);
  });

  test('a verify command (it runs code the CLI may have written) sees neither the MCP tokens nor the webhook', async () => {
    const sb = sandbox();
    const envFile = join(sb.root, 'verify-env.json');
    const config = configOf({ coder: fakeProfile(sb, 'claude', 'success') });
    const dump = join(sb.root, 'dump-env.cjs');
    writeFileSync(dump, `require('fs').writeFileSync(${JSON.stringify(envFile)}, JSON.stringify(process.env));\n`);
    const { task, run } = addAndClaim(sb, { verify: [`node ${dump}`] });
    const r = await workRun(depsOf(sb, config, { env: { ...process.env, ...SECRETS } }), run.id);
    assert.equal(r.status, 'completed');
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    for (const name of Object.keys(SECRETS)) assert.equal(seen[name], undefined, `${name} reached the verify command`);
    assert.equal(seen.PATH, process.env.PATH);
    // The run's ids, so what it leaves running in another session is found as the run's leftover.
    assert.deepEqual([seen.STEWARD_DIR, seen.STEWARD_RUN_ID, seen.STEWARD_TASK_ID], [sb.root, String(run.id), String(task.id)]);
  });
});
