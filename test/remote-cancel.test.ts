// `steward cancel` of a task a remote worker runs: the worker learns it from its liveness poll (as the local babysitter
// does, every 2 s), not only at its next heartbeat (a third of the lease: 8 hours with this profile's), and stops the CLI.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { cli, tempDir } from './support/helpers.js';
import { gatedClaude, killStarted, start, TOKENS, until, upJson, WORKER_TOKEN } from './support/remote.js';

afterEach(killStarted);

test('remote worker: a task cancelled on the server stops its CLI long before the next heartbeat; nothing is reported', { timeout: 600_000 }, async () => {
  const ws = tempDir('steward-remote-server-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  // The gate never opens: the CLI waits until it is stopped. The lease is a day, so the first heartbeat is 8 hours away.
  const gate = join(tempDir(), 'gate-never-opened');
  const profile = { cli: 'claude', bin: gatedClaude(ws), env: { FAKE_CLI: 'claude', FAKE_MODE: 'success', GATE_FILE: gate }, leaseSeconds: 86_400, timeoutSeconds: 86_400, stallSeconds: 86_400 };
  writeFileSync(join(ws, '.steward/config.yaml'), JSON.stringify({ dispatch: 'none', agents: { remote: profile } }));
  const id = run('add', 'cancelled while it runs remotely', '--agent', 'remote', '--json').json.task.id as number;
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);

  const remote = tempDir('steward-remote-worker-');
  const worker = start(['work', '--server', `http://127.0.0.1:${info.port}`, '--agent', 'remote', '--once', '--json'], remote, { STEWARD_TOKEN: WORKER_TOKEN });
  await until('the CLI started remotely', () => readLog(remote).includes('gated-claude: waiting for the gate'));
  const cancel = run('cancel', String(id), '--json');
  assert.equal(cancel.code, 0, cancel.stderr);

  // Bounded by the worker's exit (the child cap), not by a clock: without the poll it would run for hours.
  assert.equal(await worker.exited, 0, worker.err());
  const out = JSON.parse(worker.out());
  assert.deepEqual(out.runs.map((r: { status: string }) => r.status), ['lease_lost']);
  assert.match(readLog(remote), /CLI ended: aborted.*\n.*no longer live \(the run is finished on the server\)/);
  const shown = run('show', String(id), '--json').json;
  assert.equal(shown.task.status, 'cancelled');
  assert.deepEqual(shown.runs.map((r: { outcome: string }) => r.outcome), ['cancelled']);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.err());
});

/** The worker's own log of its one run ('' before it exists). */
function readLog(remote: string): string {
  const dir = join(remote, '.steward-remote/logs');
  const name = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.log')) : undefined;
  return name ? readFileSync(join(dir, name), 'utf8') : '';
}
