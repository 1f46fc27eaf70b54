// A prompt larger than the OS argument limit (issue 14): a spawn that fails with E2BIG is a clear error naming the
// limit, not retried and not a "misconfigured profile"; a profile that takes {prompt_file} gets the whole prompt.
// Real processes: the fake CLI script, a >128 KiB goal.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI_KINDS } from '../src/core/adapters/index.js';
import { proposeTask } from '../src/ops/index.js';
import { taskContext } from '../src/ops/queries.js';
import { openStore } from '../src/store/open-store.js';
import { buildPrompt } from '../src/runner/prompt.js';
import { MAX_ARG_BYTES } from '../src/runner/supervise.js';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, depsOf, fakeProfile, runOf, sandbox, taskOf, writeConfig } from './support/runner.js';
import { cli as steward, tempDir } from './support/helpers.js';

// 50,000 characters (under the goal's 100,000-character cap) of 3 UTF-8 bytes: 150 KB, over Linux's 128 KiB per argument.
const BIG_GOAL = `${'字'.repeat(50_000)}END`;
// A 300 KB goal at the 100,000-character cap: shell syntax, quotes, CRLF, an emoji pair, then 3-byte characters.
const HEAD = 'Fix it: $(touch pwned) `touch pwned2` "dq" \'sq\' \\ -p --help\r\nline two 🚀\n';
const GOAL_300K = `${HEAD}${'字'.repeat(100_000 - HEAD.length - 3)}END`;

describe('a prompt over the OS argument limit', () => {
  test('a command profile with {prompt} in argv: E2BIG becomes one clear, non-retried error naming the limit; the profile is not flagged', async () => {
    const sb = sandbox();
    const config = writeConfig(sb, { coder: fakeProfile(sb, 'command', 'ok') }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb, { goal: BIG_GOAL, max_attempts: 3 });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.status, 'failed');
    const after = runOf(sb, run.id);
    assert.equal(after.failure_kind, 'fatal');
    assert.match(after.error ?? '', /argument/i);
    assert.match(after.error ?? '', /128 KiB|131072/);
    assert.match(after.error ?? '', /\{prompt_file\}/);
    const t = taskOf(sb, task.id);
    assert.equal(t.status, 'failed', 'not retried: the same prompt would fail the same way');
    assert.equal(sb.store.agents.misconfigured().length, 0, 'the profile is fine; the prompt is too big for argv');
  });

  test('a command profile with {prompt_file}: the whole >128 KiB prompt reaches the CLI in a 0600 file, removed after the run', async () => {
    const sb = sandbox();
    // A real executable that copies the prompt file it was given and notes its mode.
    const script = join(sb.root, 'agent.mjs');
    const copy = join(sb.root, 'seen-prompt.txt');
    writeFileSync(script, `#!/usr/bin/env node
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
copyFileSync(file, ${JSON.stringify(copy)});
writeFileSync(${JSON.stringify(copy)} + '.meta', JSON.stringify({ file, mode: statSync(file).mode & 0o777 }));
console.log('done');
`);
    chmodSync(script, 0o755);
    const config = writeConfig(sb, { coder: { cli: 'command', command: [script, '{prompt_file}'], leaseSeconds: 30 } }, { dispatch: 'none' });
    const { task, run } = addAndClaim(sb, { goal: BIG_GOAL });
    const r = await workRun(depsOf(sb, config), run.id);
    assert.equal(r.status, 'completed', JSON.stringify(runOf(sb, run.id).error));
    assert.equal(taskOf(sb, task.id).status, 'done');
    const seen = readFileSync(copy, 'utf8');
    assert.ok(seen.includes(BIG_GOAL), 'the whole goal is in the prompt file');
    assert.ok(Buffer.byteLength(seen) > 128 * 1024);
    const meta = JSON.parse(readFileSync(`${copy}.meta`, 'utf8')) as { file: string; mode: number };
    assert.equal(meta.mode, 0o600);
    assert.equal(existsSync(meta.file), false, 'the prompt file is removed after the run');
  });

  for (const cli of CLI_KINDS.filter((c) => c !== 'command')) {
    test(`${cli}: a 300 KB prompt reaches the CLI whole and byte for byte (stdin or a prompt file, never argv)`, async () => {
      const sb = sandbox();
      const config = writeConfig(sb, { coder: fakeProfile(sb, cli, 'echo') }, { dispatch: 'none' });
      const { task, run } = addAndClaim(sb, { goal: GOAL_300K });
      const expected = buildPrompt(taskOf(sb, task.id), taskContext(sb.store, taskOf(sb, task.id)), { workdir: sb.root });
      assert.ok(Buffer.byteLength(expected) > 300_000 && Buffer.byteLength(expected) > 2 * MAX_ARG_BYTES);
      const r = await workRun(depsOf(sb, config), run.id);
      assert.equal(r.status, 'completed', JSON.stringify(runOf(sb, run.id).error));
      const argv = JSON.parse(readFileSync(sb.echoFile, 'utf8')) as string[];
      assert.ok(argv.every((a) => Buffer.byteLength(a) < 4096), 'no long argument');
      // The prompt as this CLI assembles it (test/fixtures/fake-cli.mjs promptSeen): Qwen Code adds a blank line.
      const seen = readFileSync(`${sb.echoFile}.prompt`);
      assert.ok(seen.equals(Buffer.from(cli === 'qwen' ? `${expected}\n\n` : expected)), `${cli}: ${seen.length} bytes seen, ${Buffer.byteLength(expected)} sent`);
      if (cli === 'aider') assert.equal(existsSync(argv[argv.indexOf('--message-file') + 1]!), false, 'the prompt file is removed after the run');
    });
  }
});

describe('at the door: a task too big for a profile that passes the prompt in argv', () => {
  // 42,000 three-byte characters: 126,000 bytes, under the 128 KiB steward's own argv takes for --goal, over the
  // 120 KiB (128 KiB less 8 KiB for the prompt around it) a {prompt} profile can take.
  const GOAL = '字'.repeat(42_000);
  test('add, propose and edit refuse it (VALIDATION, a stable reason); a file or stdin profile, or no profile, takes it', () => {
    const ws = tempDir();
    const run = (...args: string[]) => steward([...args, '--json'], { cwd: ws });
    assert.equal(steward(['init'], { cwd: ws }).code, 0);
    const cfg = (agents: Record<string, unknown>) => writeFileSync(join(ws, '.steward', 'config.yaml'), JSON.stringify({ agents }));
    cfg({
      argv: { cli: 'command', command: ['my-agent', '--prompt', '{prompt}'] },
      file: { cli: 'command', command: ['my-agent', '--prompt-file={prompt_file}'] },
      claude: { cli: 'claude' },
    });
    const refused = (r: ReturnType<typeof run>) => {
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const err = JSON.parse(r.stderr || r.stdout) as { error: { code: string; message: string; details: { reason: string; bytes: number } } };
      assert.equal(err.error.code, 'VALIDATION');
      assert.equal(err.error.details.reason, 'prompt_too_large_for_argv');
      assert.equal(err.error.details.bytes, Buffer.byteLength(GOAL) + 'big'.length);
      assert.match(err.error.message, /\{prompt_file\}/);
    };
    refused(run('add', 'big', '--agent', 'argv', '--goal', GOAL));
    refused(run('propose', 'big', '--agent', 'argv', '--goal', GOAL));
    for (const agent of ['file', 'claude', 'any', 'nobody']) assert.equal(run('add', 'big', '--agent', agent, '--goal', GOAL).code, 0, agent);
    assert.equal(run('add', 'small', '--agent', 'argv', '--goal', 'a short goal').code, 0);
    const small = JSON.parse(run('list').stdout).tasks.find((t: { title: string }) => t.title === 'small').id as number;
    const big = JSON.parse(run('list').stdout).tasks.find((t: { agent: string }) => t.agent === 'file').id as number;
    refused(run('edit', String(small), '--title', 'big', '--goal', GOAL));
    refused(run('edit', String(big), '--agent', 'argv'));
    assert.equal(run('edit', String(small), '--goal', 'still short').code, 0);
    // `any` is refused only when every profile passes the prompt in argv.
    cfg({ argv: { cli: 'command', command: ['my-agent', '{prompt}'] } });
    refused(run('add', 'big', '--goal', GOAL));
  });

  test('a proposal from an inbox file or MCP propose is checked where it becomes a task: accept refuses it, the tick leaves it for a person', () => {
    const ws = tempDir();
    const run = (...args: string[]) => steward([...args, '--json'], { cwd: ws });
    assert.equal(steward(['init'], { cwd: ws }).code, 0);
    const cfg = (extra: Record<string, unknown>) =>
      writeFileSync(join(ws, '.steward', 'config.yaml'), JSON.stringify({ agents: { argv: { cli: 'command', command: ['my-agent', '{prompt}'] } }, dispatch: 'none', ...extra }));
    cfg({});
    // An inbox file (its goal is the body) and an MCP-style proposal (the operation propose calls): neither is checked yet.
    writeFileSync(join(ws, '.steward', 'inbox', 'new', 'big.md'), `---\ntitle: big from a file\nagent: argv\n---\n${GOAL}\n`);
    assert.equal(run('tick').code, 0);
    const store = openStore(join(ws, '.steward', 'queue.db'));
    const mcp = proposeTask(store, { title: 'big from mcp', agent: 'argv', goal: GOAL }, { now: Date.now(), actor: 'mcp:planner' }, 'mcp:planner').proposal;
    store.close();
    const proposals = JSON.parse(run('inbox').stdout).proposals as Array<{ id: number; title: string; status: string }>;
    const fromFile = proposals.find((p) => p.title === 'big from a file');
    assert.ok(fromFile, JSON.stringify(proposals));
    for (const id of [fromFile.id, mcp.id]) {
      const r = run('accept', String(id));
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const err = JSON.parse(r.stderr || r.stdout) as { error: { code: string; details: { reason: string; proposal_id: number } } };
      assert.deepEqual([err.error.code, err.error.details.reason, err.error.details.proposal_id], ['VALIDATION', 'prompt_too_large_for_argv', id]);
    }
    // The tick's own accept (sources on auto) refuses it the same way and goes on: the small one becomes a task.
    cfg({ triage: { accept: 'auto', sources: { file: 'auto', 'mcp:planner': 'auto', cli: 'auto' } } });
    assert.equal(run('propose', 'small one', '--agent', 'argv').code, 0);
    const tick = run('tick');
    assert.equal(tick.code, 0, tick.stderr);
    const titles = (JSON.parse(run('list').stdout).tasks as Array<{ title: string }>).map((t) => t.title);
    assert.deepEqual(titles, ['small one']);
    const left = (JSON.parse(run('inbox').stdout).proposals as Array<{ id: number; status: string }>).filter((p) => p.status === 'new').map((p) => p.id);
    assert.deepEqual(left.sort(), [fromFile.id, mcp.id].sort(), 'both are kept for a person, nothing lost');
  });
});

