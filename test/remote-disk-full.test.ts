// `steward work --server` on a disk its agent fills: the worker took room for the outcome before the CLI started (as the
// local babysitter does, runner/outbox-reserve.ts), so the outcome is written there, delivered, and the log's truncation
// recorded. Without the reserve the outbox write failed (ENOSPC) and the worker died INTERNAL, the outcome lost.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { FAKE_CLI_PATH } from './helpers/fixtures.js';
import { cli, tempDir } from './support/helpers.js';
import { killStarted, start, TOKENS, upJson, WORKER_TOKEN } from './support/remote.js';
import { mountTmpfs } from './support/tmpfs.js';

afterEach(killStarted);

const fs = mountTmpfs('4m');

test('remote worker: the agent fills the disk; the outcome goes into the space reserved for it and reaches the server', { timeout: 600_000, skip: fs ? false : 'cannot mount a tmpfs here (needs root)' }, async () => {
  const ws = tempDir('steward-remote-server-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const filler = join(fs!, 'filler');
  const profile = { cli: 'command', command: [FAKE_CLI_PATH, '{prompt}'], env: { FAKE_CLI: 'command', FAKE_MODE: 'fill_disk', FAKE_FILL_FILE: filler, FAKE_FILL_LINES: '3000' }, leaseSeconds: 60 };
  writeFileSync(join(ws, '.steward/config.yaml'), JSON.stringify({ dispatch: 'none', agents: { filler: profile } }));
  const id = run('add', 'fill the worker\'s disk', '--agent', 'filler', '--json').json.task.id as number;
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);

  const remote = join(fs!, 'worker');
  mkdirSync(remote);
  const w = cli(['work', '--server', `http://127.0.0.1:${info.port}`, '--agent', 'filler', '--once', '--json'], { cwd: remote, env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(w.code, 0, `${w.stderr}\n${w.stdout}`);
  assert.deepEqual(w.json.runs.map((r: { status: string }) => r.status), ['completed']);
  assert.match(w.stderr, /could not write the outbox \(.*ENOSPC.*\); wrote the outcome into the reserved space/);
  rmSync(filler);

  const shown = run('show', String(id), '--json').json;
  assert.equal(shown.task.status, 'done');
  assert.match(String(shown.runs[0].evidence?.log_truncated), /ENOSPC/, 'the log stopped at the full disk, and the run says so');
  const outbox = join(remote, '.steward-remote/outbox');
  assert.deepEqual(readdirSync(outbox), [], 'nothing left in the outbox: no entry, no reserve, no temp file');
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});
