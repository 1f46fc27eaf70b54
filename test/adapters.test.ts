import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADAPTERS, CLI_KINDS, getAdapter, isCliKind, substitutePlaceholders } from '../src/core/adapters/index.js';
import type { AgentProfileLike, CliKind } from '../src/core/adapters/index.js';
import { StewardError } from '../src/core/errors.js';
import { hostilePrompt } from './helpers/prompts.js';

const ctx = { prompt: 'fix the bug', taskId: 7, workdir: '/w/proj', promptFile: '/w/logs/7.prompt.md' };
// No permissions: field means acceptEdits — never bypass (issue 15).
const plain: Record<Exclude<CliKind, 'command'>, [string, string[]]> = {
  claude: ['claude', ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits']],
  codex: ['codex', ['exec', '--json', '--skip-git-repo-check', '-s', 'workspace-write', '-C', '/w/proj', '-']],
  gemini: ['gemini', ['-p', '', '-o', 'stream-json', '--skip-trust', '--approval-mode', 'auto_edit']],
  opencode: ['opencode', ['run', '--format', 'json', '--dir', '/w/proj', '--print-logs', '--log-level', 'INFO']],
  qwen: ['qwen', ['-o', 'stream-json', '--approval-mode', 'auto-edit']],
  aider: ['aider', ['--message-file', '/w/logs/7.prompt.md', '--no-auto-commits', '--no-pretty']],
};
const withModel: Record<Exclude<CliKind, 'command'>, string[]> = {
  claude: ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--model', 'sonnet', '--max-turns', '5'],
  codex: ['exec', '--json', '--skip-git-repo-check', '-s', 'workspace-write', '-C', '/w/proj', '-m', 'sonnet', '--max-turns', '5', '-'],
  gemini: ['-p', '', '-o', 'stream-json', '--skip-trust', '--approval-mode', 'auto_edit', '-m', 'sonnet', '--max-turns', '5'],
  opencode: ['run', '--format', 'json', '--dir', '/w/proj', '--print-logs', '--log-level', 'INFO', '-m', 'sonnet', '--max-turns', '5'],
  qwen: ['-o', 'stream-json', '--approval-mode', 'auto-edit', '-m', 'sonnet', '--max-turns', '5'],
  aider: ['--message-file', '/w/logs/7.prompt.md', '--no-auto-commits', '--no-pretty', '--model', 'sonnet', '--max-turns', '5'],
};

/**
 * No built-in adapter puts the prompt in argv (issue 14: a prompt over 128 KiB was E2BIG): stdin (byte-exact; opencode
 * re-quotes its arguments; Gemini appends `-p` to stdin) or, for aider, a prompt file the runner writes.
 */
const onStdin = new Set<CliKind>(['claude', 'codex', 'opencode', 'gemini', 'qwen']);
const inFile = new Set<CliKind>(['aider']);

for (const [cli, [bin, args]] of Object.entries(plain) as [Exclude<CliKind, 'command'>, [string, string[]]][]) {
  const stdin = (prompt: string) => (onStdin.has(cli) ? { stdin: prompt } : inFile.has(cli) ? { promptFile: ctx.promptFile } : {});
  test(`${cli} build: default command line`, () => {
    assert.deepEqual(getAdapter(cli).build({ cli }, ctx), { file: bin, args, ...stdin(ctx.prompt) });
  });
  test(`${cli} build: model, extra args and bin override`, () => {
    const profile: AgentProfileLike = { cli, bin: '/opt/bin/x', model: 'sonnet', args: ['--max-turns', '5'] };
    assert.deepEqual(getAdapter(cli).build(profile, ctx), { file: '/opt/bin/x', args: withModel[cli], ...stdin(ctx.prompt) });
  });
  test(`${cli} build: a hostile prompt is all of stdin (or the prompt file), byte for byte, and never in argv`, () => {
    const prompt = hostilePrompt();
    const inv = getAdapter(cli).build({ cli }, { ...ctx, prompt });
    assert.equal(inv.args.some((a) => a.includes('pwned')), false);
    assert.deepEqual(inv.args, plain[cli][1]);
    if (onStdin.has(cli)) assert.equal(inv.stdin, prompt);
    else assert.equal(inv.promptFile, ctx.promptFile, 'the runner writes the prompt to this file');
  });
}

test('command build: placeholders substituted per element, never re-split', () => {
  const profile: AgentProfileLike = {
    cli: 'command',
    command: ['my-agent', '--task={task_id}', '--in', '{workdir}', '{prompt}', 'pre {prompt} post'],
    args: ['--id', '{task_id}'],
  };
  const got = getAdapter('command').build(profile, { prompt: 'a b  c', taskId: 42, workdir: '/w/p q' });
  assert.deepEqual(got, {
    file: 'my-agent',
    args: ['--task=42', '--in', '/w/p q', 'a b  c', 'pre a b  c post', '--id', '42'],
  });
});

test('command build: a prompt holding placeholders or $& is inserted literally', () => {
  const prompt = 'use {workdir} and {task_id} and $& $1 $$';
  const got = getAdapter('command').build({ cli: 'command', command: ['run', '{prompt}', '{workdir}'] }, { prompt, taskId: 3, workdir: '/w' });
  assert.deepEqual(got.args, [prompt, '/w']);
  assert.equal(substitutePlaceholders('{task_id}{task_id}{nope}', { prompt: '', taskId: 9, workdir: '' }), '99{nope}');
});

test('command build: a hostile prompt stays one element', () => {
  const prompt = hostilePrompt();
  const got = getAdapter('command').build({ cli: 'command', command: ['agent', '--', '{prompt}'] }, { ...ctx, prompt });
  assert.deepEqual(got, { file: 'agent', args: ['--', prompt] });
});

test('command build: missing or empty command is a VALIDATION error', () => {
  for (const command of [undefined, [], ['']]) {
    assert.throws(
      () => getAdapter('command').build({ cli: 'command', command }, ctx),
      (err: unknown) => err instanceof StewardError && err.code === 'VALIDATION' && /command/.test(err.message),
    );
  }
});

test('registry: every CLI kind has its adapter, and unknown names are rejected', () => {
  assert.deepEqual([...CLI_KINDS], ['claude', 'codex', 'gemini', 'opencode', 'qwen', 'aider', 'command']);
  assert.deepEqual(Object.keys(ADAPTERS).sort(), [...CLI_KINDS].sort());
  for (const cli of CLI_KINDS) assert.equal(getAdapter(cli).cli, cli);
  assert.equal(isCliKind('claude'), true);
  assert.equal(isCliKind('cursor'), false);
  assert.throws(() => getAdapter('cursor'), (err: unknown) => err instanceof StewardError && err.code === 'VALIDATION');
});

test('registry: default executables and version probes', () => {
  const bins = Object.fromEntries(CLI_KINDS.map((c) => [c, [getAdapter(c).defaultBin, getAdapter(c).versionArgs]]));
  assert.deepEqual(bins, {
    claude: ['claude', ['--version']],
    codex: ['codex', ['--version']],
    gemini: ['gemini', ['--version']],
    opencode: ['opencode', ['--version']],
    qwen: ['qwen', ['--version']],
    aider: ['aider', ['--version']],
    command: ['', []],
  });
});

test('permissions: each mode maps to the CLI\'s own flags; bypass only when asked for', () => {
  const argsOf = (cli: CliKind, permissions?: 'bypass' | 'acceptEdits' | 'default') =>
    getAdapter(cli).build({ cli, permissions }, ctx).args.filter((a) => a !== 'fix the bug');
  assert.deepEqual(argsOf('claude', 'bypass'), ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions']);
  assert.deepEqual(argsOf('claude', 'default'), ['-p', '--output-format', 'stream-json', '--verbose']);
  assert.deepEqual(argsOf('codex', 'bypass'), ['exec', '--json', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', '-C', '/w/proj', '-']);
  assert.deepEqual(argsOf('codex', 'default'), ['exec', '--json', '--skip-git-repo-check', '-C', '/w/proj', '-']);
  assert.deepEqual(argsOf('gemini', 'bypass'), ['-p', '', '-o', 'stream-json', '--skip-trust', '--approval-mode', 'yolo']);
  assert.deepEqual(argsOf('qwen', 'bypass'), ['-o', 'stream-json', '--yolo']);
  assert.deepEqual(argsOf('aider', 'bypass'), ['--message-file', ctx.promptFile, '--yes-always', '--no-auto-commits', '--no-pretty']);
  for (const cli of CLI_KINDS.filter((c) => c !== 'command')) {
    const args = getAdapter(cli).build({ cli }, ctx).args.join(' ');
    assert.doesNotMatch(args, /bypass|yolo|--yes-always|dangerously/, cli);
  }
});

test('args override the adapter\'s flag for the same setting instead of repeating it', () => {
  const build = (cli: CliKind, args: string[]) => getAdapter(cli).build({ cli, args }, ctx).args;
  // The init template's old examples: codex `-s workspace-write --skip-git-repo-check`, gemini `--approval-mode yolo`.
  assert.deepEqual(build('codex', ['-s', 'read-only', '--skip-git-repo-check']), ['exec', '--json', '-C', '/w/proj', '-s', 'read-only', '--skip-git-repo-check', '-']);
  assert.deepEqual(build('gemini', ['--approval-mode', 'yolo']), ['-p', '', '-o', 'stream-json', '--skip-trust', '--approval-mode', 'yolo']);
  assert.deepEqual(build('gemini', ['--yolo']), ['-p', '', '-o', 'stream-json', '--skip-trust', '--yolo']);
  assert.deepEqual(build('claude', ['--permission-mode=plan', '--model', 'opus']), ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode=plan', '--model', 'opus']);
  const withModelToo = getAdapter('codex').build({ cli: 'codex', model: 'a', args: ['--model', 'b'] }, ctx).args;
  assert.equal(withModelToo.filter((a) => a === '-m' || a === '--model').length, 1);
});

test('opencode build: its log goes to stderr at INFO (start-up progress, its retries); the profile may set another level', () => {
  const args = getAdapter('opencode').build({ cli: 'opencode', args: ['--log-level', 'DEBUG'] }, ctx).args;
  assert.deepEqual(args.filter((a) => a === '--log-level' || a === 'INFO' || a === 'DEBUG'), ['--log-level', 'DEBUG']);
  assert.equal(args.filter((a) => a === '--print-logs').length, 1);
});
