// A remote worker's claim obeys what the server's own dispatch obeys — wip.global, wip.perProject, scope budgets —
// and passes over a task whose runs need a git worktree of the server's repository (UNSUPPORTED); and `steward mcp
// --http` serves the same worker API as `steward up`, with the same token rules. Real processes throughout.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { cli, tempDir } from './support/helpers.js';
import { makeRepo } from './support/git-repo.js';
import { killStarted, PLANNER_TOKEN, start, TOKENS, until, upJson, VIEWER_TOKEN, WORKER_TOKEN, remoteProfile } from './support/remote.js';

afterEach(killStarted);

/** A workspace whose only profile, `remote`, runs the gated fake claude; dispatch none (only remote workers run). */
function workspace(gate: string, extra: string[]): { ws: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const ws = tempDir('steward-remote-limits-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  writeFileSync(join(ws, '.steward/config.yaml'), [
    'agents:',
    ...remoteProfile(ws, gate),
    '    maxConcurrent: 5',
    '    types: [code, research]',
    'dispatch: none',
    ...extra,
    '',
  ].join('\n'));
  return { ws, run };
}

async function startUp(ws: string): Promise<{ server: string; stop: () => Promise<void> }> {
  const up = start(['up', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const info = await upJson(ws);
  return {
    server: `http://127.0.0.1:${info.port}`,
    stop: async () => {
      up.child.kill('SIGTERM');
      assert.equal(await up.exited, 0, up.err());
    },
  };
}

test('remote claims obey wip.global, wip.perProject and a period budget; a task needing the server\'s git worktree is passed over', { timeout: 600_000 }, async () => {
  const gate = join(tempDir(), 'gate');
  const repo = makeRepo();
  const { ws, run } = workspace(gate, [
    'projects:',
    '  alpha: { workdir: . }',
    '  beta: { workdir: . }',
    '  gamma: { workdir: . }',
    `  app: { workdir: ${JSON.stringify(repo)} }`,
    'wip:',
    '  global: 2',
    '  perProject: { alpha: 1 }',
    'budgets:',
    '  limits:',
    '    - { scope: "project:beta", period: day, maxRuns: 1 }',
  ]);
  const add = (title: string, ...args: string[]) => run('add', title, '--agent', 'remote', '--json', ...args).json.task.id as number;
  const status = (id: number) => run('show', String(id), '--json').json.task.status as string;
  const a1 = add('alpha one', '--project', 'alpha', '--priority', 'high');
  const a2 = add('alpha two', '--project', 'alpha', '--priority', 'high');
  const b1 = add('beta one', '--project', 'beta');
  const b2 = add('beta two', '--project', 'beta');
  const g1 = add('gamma one', '--project', 'gamma', '--priority', 'low');
  const { server, stop } = await startUp(ws);
  const worker = (dir: string, ...args: string[]) => start(['work', '--server', server, '--agent', 'remote', '--json', ...args], dir, { STEWARD_TOKEN: WORKER_TOKEN });

  const w1 = worker(tempDir('steward-remote-w1-'));
  await until('a1 running on the first worker', () => status(a1) === 'running');
  // alpha is at its wip.perProject cap: the second worker skips a2 (same priority as a1) and takes b1.
  const w2 = worker(tempDir('steward-remote-w2-'), '--once');
  await until('b1 running on the second worker', () => status(b1) === 'running');
  assert.equal(status(a2), 'ready', 'a2 waits: alpha is at wip.perProject.alpha = 1');

  // Two runs are running: wip.global = 2 holds a third worker back; it says which cap and claims nothing.
  const held = cli(['work', '--server', server, '--agent', 'remote', '--json'], { cwd: tempDir('steward-remote-w3-'), env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(held.code, 0, held.stderr);
  const heldOut = JSON.parse(held.stdout);
  assert.equal(heldOut.stopped, 'held');
  assert.equal(heldOut.held.cap, 'wip.global');
  assert.match(heldOut.held.reason, /wip\.global: 2 of 2/);
  assert.deepEqual(heldOut.runs, []);
  for (const id of [a2, b2, g1]) assert.equal(status(id), 'ready', `task #${id}`);

  // Let the CLIs finish: the first worker then runs a2 and g1; b2 stays, beta's one run of the day is used up.
  writeFileSync(gate, 'open');
  assert.equal(await w2.exited, 0, w2.err());
  assert.deepEqual(JSON.parse(w2.out()).runs.map((r: { task_id: number; status: string }) => [r.task_id, r.status]), [[b1, 'completed']]);
  assert.equal(await w1.exited, 0, w1.err());
  const out1 = JSON.parse(w1.out());
  assert.equal(out1.stopped, 'empty');
  assert.deepEqual(out1.runs.map((r: { task_id: number; status: string }) => [r.task_id, r.status]), [[a1, 'completed'], [a2, 'completed'], [g1, 'completed']]);
  for (const id of [a1, a2, b1, g1]) assert.equal(status(id), 'done', `task #${id}`);
  assert.equal(status(b2), 'ready', 'b2 waits for the next day: project:beta maxRuns 1');
  assert.equal(run('show', String(b2), '--json').json.runs.length, 0);

  // A code task of a project whose workdir is a git repository runs in a worktree of the server's repository: a
  // remote worker passes it over (UNSUPPORTED) and runs the research task of the same project.
  const code = add('code in the repo', '--project', 'app', '--type', 'code', '--priority', 'high');
  const research = add('research in the repo', '--project', 'app', '--type', 'research');
  const w4 = cli(['work', '--server', server, '--agent', 'remote', '--json'], { cwd: tempDir('steward-remote-w4-'), env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(w4.code, 0, w4.stderr);
  const out4 = JSON.parse(w4.stdout);
  assert.deepEqual(out4.runs.map((r: { task_id: number; status: string }) => [r.task_id, r.status]), [[research, 'completed']]);
  assert.equal(out4.stopped, 'empty');
  assert.deepEqual(out4.refused.map((r: { task_id: number; code: string }) => [r.task_id, r.code]), [[code, 'UNSUPPORTED']]);
  assert.match(out4.refused[0].reason, /git worktree of the server's repository/);
  assert.match(w4.stderr, new RegExp(`task #${code} passed over \\(UNSUPPORTED\\)`));
  assert.equal(status(code), 'ready', 'the code task stays for a local babysitter');
  assert.equal(run('show', String(code), '--json').json.runs.length, 0);
  await stop();
});

test('steward mcp --http serves the worker API too: a remote worker runs a task through it; other roles are refused', { timeout: 600_000 }, async () => {
  const gate = join(tempDir(), 'gate');
  writeFileSync(gate, 'open');
  const { ws, run } = workspace(gate, []);
  const id = run('add', 'served by mcp --http', '--agent', 'remote', '--json').json.task.id as number;
  const mcp = start(['mcp', '--http', '--port', '0', '--dir', ws], ws, { STEWARD_MCP_TOKENS: TOKENS });
  const url = await until('the mcp --http address', () => /streamable HTTP on (http:\/\/\S+)\/mcp/.exec(mcp.err())?.[1]);
  assert.match(mcp.err(), /worker API for remote workers under \/api\/worker\//);

  // The same token rules as on `steward up`: none, a wrong one, and a token of another role are FORBIDDEN.
  for (const token of ['not-the-token-at-all-0123456789', VIEWER_TOKEN, PLANNER_TOKEN]) {
    const refused = cli(['work', '--server', url, '--agent', 'remote', '--json'], { cwd: tempDir(), env: { STEWARD_TOKEN: token } });
    assert.equal(refused.code, 4, refused.stderr);
    assert.equal(JSON.parse(refused.stderr).error.code, 'FORBIDDEN');
  }
  const bare = await fetch(`${url}/api/worker/claim`, { method: 'POST', body: '{}' });
  assert.equal(bare.status, 401);
  assert.equal(run('show', String(id), '--json').json.task.status, 'ready');
  // /mcp is still MCP (a request without a token is refused there, by the MCP handler).
  assert.equal((await fetch(`${url}/mcp`, { method: 'POST', body: '{}' })).status, 401);

  const worker = cli(['work', '--server', url, '--agent', 'remote', '--json'], { cwd: tempDir('steward-mcp-worker-'), env: { STEWARD_TOKEN: WORKER_TOKEN } });
  assert.equal(worker.code, 0, worker.stderr);
  assert.deepEqual(JSON.parse(worker.stdout).runs.map((r: { task_id: number; status: string }) => [r.task_id, r.status]), [[id, 'completed']]);
  const shown = run('show', String(id), '--json').json;
  assert.equal(shown.task.status, 'done');
  assert.equal(shown.task.result, 'OK: mock reply');
  assert.match(shown.runs[0].host, /^remote:/);
  assert.equal(shown.runs[0].claimed_by, 'remote-box');
  assert.match(readFileSync(join(ws, '.steward/logs', `${id}-${shown.runs[0].id}.log`), 'utf8'), /CLI ended: exit, exit 0/);
  mcp.child.kill('SIGTERM');
  assert.equal(await mcp.exited, 0, mcp.err());
});
