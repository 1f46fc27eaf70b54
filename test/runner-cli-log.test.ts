// Qwen Code's retry lines, read from its session's debug log after the run (src/runner/cli-log.ts): where the log is
// for the CLI's environment, what is kept of it, and that a session id is never made into a path outside the log dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliRetryLog, qwenDebugLogPath, qwenRuntimeDir } from '../src/runner/cli-log.js';
import { childEnv } from '../src/runner/child-env.js';
import { SAMPLES_DIR } from './helpers/fixtures.js';

const SESSION = '9f05d49e-b8d3-427e-b7cc-7626fffb8d39';

test('qwen runtime dir: QWEN_RUNTIME_DIR, else QWEN_HOME, else ~/.qwen; ~ and relative paths as Qwen resolves them', () => {
  assert.equal(qwenRuntimeDir({ HOME: '/h' }, '/w'), '/h/.qwen');
  assert.equal(qwenRuntimeDir({ HOME: '/h', QWEN_HOME: '/q' }, '/w'), '/q');
  assert.equal(qwenRuntimeDir({ HOME: '/h', QWEN_HOME: '/q', QWEN_RUNTIME_DIR: '~/rt' }, '/w'), '/h/rt');
  assert.equal(qwenRuntimeDir({ HOME: '/h', QWEN_RUNTIME_DIR: 'rt' }, '/w'), '/w/rt');
  assert.equal(qwenDebugLogPath({ HOME: '/h' }, '/w', SESSION), `/h/.qwen/debug/${SESSION}.txt`);
  for (const bad of ['../../etc/passwd', 'a/b', '', '.hidden']) assert.equal(qwenDebugLogPath({ HOME: '/h' }, '/w', bad), undefined, bad);
});

test('qwen debug log (real, 0.15.10 e500): the retry lines of the run’s session only; none for another CLI or session', () => {
  const home = mkdtempSync(join(tmpdir(), 'steward-clilog-'));
  try {
    mkdirSync(join(home, '.qwen', 'debug'), { recursive: true });
    writeFileSync(join(home, '.qwen', 'debug', `${SESSION}.txt`), readFileSync(`${SAMPLES_DIR}real/qwen-0.15.10-e500.debug.txt`));
    const lines = cliRetryLog('qwen', { HOME: home }, home, SESSION).split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /^Attempt 3 failed with status 500\. Retrying with backoff\.\.\. Error: 500 /);
    assert.equal(cliRetryLog('gemini', { HOME: home }, home, SESSION), '');
    assert.equal(cliRetryLog('qwen', { HOME: home }, home, '11ae6812-53de-4a2a-a479-328c0df8d997'), '');
    assert.equal(cliRetryLog('qwen', { HOME: home }, home, undefined), '');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('qwen child env: its debug log is on by default (0.16+ keeps it off), the profile may turn it off', () => {
  const ids = { root: '/r', runId: 1, taskId: 2 };
  assert.equal(childEnv({}, 'qwen', {}, ids).QWEN_DEBUG_LOG_FILE, '1');
  assert.equal(childEnv({}, 'qwen', { QWEN_DEBUG_LOG_FILE: '0' }, ids).QWEN_DEBUG_LOG_FILE, '0');
  assert.equal(childEnv({}, 'claude', {}, ids).QWEN_DEBUG_LOG_FILE, undefined);
});
