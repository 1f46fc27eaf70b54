// A CLI's line of a megabyte (blanks or digits, then a word) is read in linear time: the STEWARD_RESULT, NEEDS_INPUT and
// aider token regexes once held the babysitter for hours on one (quadratic backtracking), its lease lost meanwhile.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { readProtocolLine } from '../src/core/adapters/index.js';
import { stdoutOf } from './helpers/processes.js';

const adapters = new URL('../src/core/adapters/index.js', import.meta.url).href;

test('STEWARD_RESULT, NEEDS_INPUT and aider Tokens lines with a megabyte of blanks or digits before a word are read (in a capped child: a sync regex cannot be timed out)', async () => {
  const script = `
    const { readProtocolLine, getAdapter } = await import(${JSON.stringify(adapters)});
    const blanks = ' '.repeat(1 << 20);
    const said = readProtocolLine('STEWARD_RESULT: fatal bad' + blanks + 'key \\t\\n', '');
    const asked = getAdapter('command').parse({ stdout: 'NEEDS_INPUT: which' + blanks + 'db? \\n', stderr: '', exitCode: 0 });
    const aider = getAdapter('aider').parse({ stdout: 'Tokens: 1 sent, ' + '1'.repeat(1 << 20) + 'y\\nTokens: 2k sent, 1.5k cache write, 310 received.\\n', stderr: '', exitCode: 0 });
    console.log(JSON.stringify({ said: [said.kind, said.message.length], asked: [asked.kind, asked.question.length, asked.question.slice(-4)], aider: [aider.tokens_in, aider.tokens_out] }));
  `;
  const out = JSON.parse(await stdoutOf(spawn(process.execPath, ['--input-type=module', '-e', script]), 'parsing lines of a megabyte')) as unknown;
  assert.deepEqual(out, { said: ['fatal', 2000], asked: ['needs_input', 'which'.length + (1 << 20) + 'db?'.length, ' db?'], aider: [2000, 310] });
});

test('the blanks at the end of a STEWARD_RESULT line are still trimmed', () => {
  assert.deepEqual(readProtocolLine('x\nSTEWARD_RESULT: rate_limit retry_after=30  slow down \t \nmore', ''), { kind: 'rate_limit', message: 'slow down', retry_after_seconds: 30 });
  assert.deepEqual(readProtocolLine('STEWARD_RESULT: transient   ', ''), { kind: 'transient', message: '' });
});
