import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_KINDS, getAdapter } from '../src/core/adapters/index.js';
import { FAKE_CLI_PATH, loadCases, readSample, runOutputOf } from './helpers/fixtures.js';
import { capped, exited, killChildren, pidsIn, syncCapped, tracked, waitFor } from './helpers/processes.js';
import { hostilePrompt } from './helpers/prompts.js';

afterEach(killChildren);

const cases = loadCases();
const tmp = (): string => mkdtempSync(join(tmpdir(), 'steward-fake-'));

/** The fake CLI run to its end; with `timeout` (ms) killed then (a hang on purpose), else capped (syncCapped). */
function runFake(env: Record<string, string>, args: string[] = [], timeout?: number): SpawnSyncReturns<string> {
  const run = (cap: { timeout: number; killSignal: 'SIGKILL' }) => spawnSync(process.execPath, [FAKE_CLI_PATH, ...args], {
    env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...cap,
  });
  return timeout === undefined ? syncCapped(`the fake CLI with ${JSON.stringify(env)}`, run) : run({ timeout, killSignal: 'SIGKILL' });
}

const EXPECTED_KIND: Record<string, string | undefined> = {
  success: undefined, error: 'transient', auth: 'fatal', rate_limit: 'rate_limit', needs_input: 'needs_input',
};

for (const cli of CLI_KINDS) {
  test(`fake ${cli}: replays every case byte for byte, and the adapter reads it`, () => {
    for (const mode of Object.keys(EXPECTED_KIND)) {
      const r = runFake({ FAKE_CLI: cli, FAKE_MODE: mode });
      const want = runOutputOf(cases[cli][mode]);
      assert.equal(r.status, want.exitCode, `${cli}/${mode} exit`);
      assert.equal(r.stdout, want.stdout, `${cli}/${mode} stdout`);
      assert.equal(r.stderr, want.stderr, `${cli}/${mode} stderr`);
      const v = getAdapter(cli).parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status });
      assert.equal(v.ok, mode === 'success', `${cli}/${mode} ok`);
      assert.equal(v.kind, EXPECTED_KIND[mode], `${cli}/${mode} kind`);
    }
  });

  test(`fake ${cli}: echo mode sees the adapter's argv intact through a real exec`, () => {
    const dir = tmp();
    const echo = join(dir, 'argv.json');
    const prompt = hostilePrompt();
    const profile = cli === 'command'
      ? { cli, command: [FAKE_CLI_PATH, '--task', '{task_id}', '{prompt}'] }
      : { cli, bin: FAKE_CLI_PATH, model: 'm-1' };
    const inv = getAdapter(cli).build(profile, { prompt, taskId: 5, workdir: dir, promptFile: join(dir, 'prompt.md') });
    if (inv.promptFile) writeFileSync(inv.promptFile, prompt);
    const r = syncCapped(`the fake ${cli} in echo mode`, (cap) => spawnSync(inv.file, inv.args, {
      env: { ...process.env, FAKE_CLI: cli, FAKE_MODE: 'echo', FAKE_ECHO_FILE: echo }, encoding: 'utf8', ...cap,
      ...(inv.stdin !== undefined ? { input: inv.stdin } : { stdio: ['ignore', 'pipe', 'pipe'] as const }),
    }));
    assert.equal(r.status, 0, r.stderr);
    const argv = JSON.parse(readFileSync(echo, 'utf8')) as string[];
    assert.deepEqual(argv, inv.args);
    if (inv.stdin !== undefined) assert.equal(readFileSync(`${echo}.stdin`, 'utf8'), prompt);
    else if (inv.promptFile === undefined) assert.equal(argv.filter((a) => a === prompt).length, 1);
    // What the CLI makes of it: the prompt whole (Qwen Code adds a blank line after stdin).
    if (cli !== 'command') assert.equal(readFileSync(`${echo}.prompt`, 'utf8'), cli === 'qwen' ? `${prompt}\n\n` : prompt);
    assert.equal(getAdapter(cli).parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status }).ok, true);
  });
}

test('fake: writes its pid to FAKE_PID_FILE', async () => {
  const pidFile = join(tmp(), 'pid');
  const child = tracked(spawn(process.execPath, [FAKE_CLI_PATH], { env: { ...process.env, FAKE_PID_FILE: pidFile }, stdio: ['ignore', 'ignore', 'pipe'] }));
  const [code] = await exited(child, 'the fake CLI (claude, ok) to exit');
  assert.equal(code, 0);
  assert.equal(readFileSync(pidFile, 'utf8'), `${child.pid}\n`);
});

test('fake: midstream prints half the stream then exits 1; the adapter calls it truncated', () => {
  const r = runFake({ FAKE_CLI: 'claude', FAKE_MODE: 'midstream' });
  const full = readSample('claude-p-stream.jsonl');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, full.slice(0, Math.floor(full.length / 2)));
  const v = getAdapter('claude').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status });
  assert.equal(v.kind, 'transient');
  assert.match(v.error ?? '', /truncated/);
});

test('fake: midstream with FAKE_MIDSTREAM=kill dies by SIGKILL after the half', () => {
  const r = runFake({ FAKE_CLI: 'codex', FAKE_MODE: 'midstream', FAKE_MIDSTREAM: 'kill' });
  assert.equal(r.status, null);
  assert.equal(r.signal, 'SIGKILL');
  const full = readSample('codex-exec.jsonl');
  assert.equal(r.stdout, full.slice(0, Math.floor(full.length / 2)));
  assert.equal(getAdapter('codex').parse({ stdout: r.stdout, stderr: '', exitCode: null, signal: r.signal }).error, 'killed by signal SIGKILL');
});

test('fake: slow prints a tick every interval, then succeeds', () => {
  const started = Date.now();
  const r = runFake({ FAKE_CLI: 'codex', FAKE_MODE: 'slow', FAKE_INTERVAL_MS: '50', FAKE_DURATION_MS: '400' });
  const elapsed = Date.now() - started;
  assert.equal(r.status, 0);
  // Bounded by work, not by the machine's speed: the first tick is due long before the end, so it always comes; a
  // loaded machine may fire fewer, never more than duration ÷ interval, and they count up one by one.
  const ticks = r.stdout.split('\n').filter((l) => l.startsWith('fake-cli: tick '));
  assert.ok(ticks.length >= 1 && ticks.length <= 8, `ticks: ${ticks.length}`);
  assert.deepEqual(ticks, ticks.map((_, i) => `fake-cli: tick ${i + 1}`));
  assert.ok(elapsed >= 400, `elapsed ${elapsed}`);
  assert.ok(r.stdout.endsWith(readSample('codex-exec.jsonl')));
  assert.deepEqual(getAdapter('codex').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: 0 }).summary, 'OK: mock reply');
});

test('fake: flaky is deterministic per seed and varies across seeds', () => {
  // The draw is read from the fake's own stderr line, so a slow start on a busy machine never looks like a hang.
  const outcome = (seed: number): string => {
    const env = { FAKE_CLI: 'claude', FAKE_MODE: 'flaky', FAKE_SEED: String(seed), FAKE_SHOW_PICK: '1' };
    const draw = (ms: number) => /fake-cli pick: (\w+)/.exec(runFake(env, [], ms).stderr)?.[1];
    const drawn = draw(800) ?? draw(60_000) ?? 'none'; // killed before it drew (a slow start): once more, patiently
    return drawn === 'hang' ? 'hang' : String(EXPECTED_KIND[drawn] ?? 'ok');
  };
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const first = seeds.map(outcome);
  assert.deepEqual(seeds.map(outcome), first);
  assert.ok(new Set(first).size >= 3, first.join(','));
  assert.ok(first.every((o) => ['ok', 'transient', 'rate_limit', 'hang'].includes(o)), first.join(','));
});

test('fake: FAKE_FLAKY weights the modes; FAKE_SEED_PER_RUN draws per STEWARD_RUN_ID, the same each time', () => {
  const mode = (run: number, flaky: string): string => {
    const r = runFake({ FAKE_MODE: 'flaky', FAKE_FLAKY: flaky, FAKE_SEED: '5', FAKE_SEED_PER_RUN: '1', STEWARD_RUN_ID: String(run) });
    return r.status === 0 ? 'success' : String(getAdapter('command').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status }).kind);
  };
  const runs = [1, 2, 3, 4, 5, 6, 7, 8];
  const first = runs.map((n) => mode(n, 'success:1,error:1,auth:1'));
  assert.deepEqual(runs.map((n) => mode(n, 'success:1,error:1,auth:1')), first);
  assert.ok(new Set(first).size >= 2, first.join(','));
  assert.deepEqual([1, 2, 3].map((n) => mode(n, 'success:1,error:0')), ['success', 'success', 'success']);
});

test('fake: FAKE_TOKEN_FILE — a success ends with a unique token line and appends that token; a failure appends none', () => {
  const file = join(tmp(), 'tokens');
  const ok1 = runFake({ FAKE_MODE: 'success', FAKE_TOKEN_FILE: file, STEWARD_RUN_ID: '7', STEWARD_TASK_ID: '3' });
  const ok2 = runFake({ FAKE_MODE: 'success', FAKE_TOKEN_FILE: file, STEWARD_RUN_ID: '7', STEWARD_TASK_ID: '3' });
  assert.equal(runFake({ FAKE_MODE: 'error', FAKE_TOKEN_FILE: file }).status, 2);
  const tokens = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.equal(tokens.length, 2);
  assert.notEqual(tokens[0], tokens[1]);
  assert.match(tokens[0]!, /^tok-r7-t3-\d+-[0-9a-f]{8}$/);
  assert.ok(ok1.stdout.endsWith(`token: ${tokens[0]}\n`) && ok2.stdout.endsWith(`token: ${tokens[1]}\n`));
  assert.match(getAdapter('command').parse({ stdout: ok1.stdout, stderr: '', exitCode: 0 }).summary, new RegExp(tokens[0]!));
});

test('fake: FAKE_RETRY_AFTER sets the seconds a rate limit asks for', () => {
  const r = runFake({ FAKE_MODE: 'rate_limit', FAKE_RETRY_AFTER: '3' });
  assert.equal(getAdapter('command').parse({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status }).retry_after_seconds, 3);
});

test('fake: a mode list with FAKE_STATE_FILE takes the next mode on each run', () => {
  const env = { FAKE_CLI: 'command', FAKE_MODE: 'error,rate_limit,success', FAKE_STATE_FILE: join(tmp(), 'state') };
  assert.deepEqual([1, 2, 3, 4].map(() => runFake(env).status), [2, 1, 0, 0]);
});

test('fake: unknown FAKE_CLI or FAKE_MODE exits 2 with a message', () => {
  const a = runFake({ FAKE_CLI: 'cursor' });
  assert.equal(a.status, 2);
  assert.match(a.stderr, /unknown FAKE_CLI "cursor"/);
  const b = runFake({ FAKE_MODE: 'explode' });
  assert.equal(b.status, 2);
  assert.match(b.stderr, /unknown FAKE_MODE "explode"/);
});

test('fake codex: waits for stdin EOF like codex exec, so an open stdin pipe hangs it', async () => {
  // Bound by its answer, not a pause: it answers SIGUSR2 (a handler set before its pid file) only from its event loop,
  // so its whole start is behind it then, and what it prints at once (a fake that did not wait for stdin) went out first.
  const pidFile = join(tmp(), 'pid');
  const child = tracked(spawn(process.execPath, [FAKE_CLI_PATH], { env: { ...process.env, FAKE_CLI: 'codex', FAKE_PID_FILE: pidFile }, stdio: ['pipe', 'pipe', 'pipe'] }));
  const closed = new Promise((resolve) => child.on('close', resolve));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [pid] = await waitFor('the fake codex to start', () => pidsIn(pidFile, 1));
  process.kill(pid!, 'SIGUSR2');
  await waitFor('the fake codex to answer from its event loop', () => (stderr.includes('fake-cli: still here') || child.exitCode !== null ? true : undefined));
  assert.equal(stdout, '');
  child.stdin.end();
  const code = await capped(closed, 'the fake codex to close its output after stdin EOF', child);
  assert.equal(code, 0);
  assert.equal(stdout, readSample('codex-exec.jsonl'));
});
