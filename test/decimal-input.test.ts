// Numbers typed as text are read as decimal only: Number() would take "0x10" as 16, "0b11" as 3 and "1e1" as 10.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimal } from '../src/core/decimal.js';
import { addInput, idInput, parseInput } from '../src/core/schemas.js';
import { cli, tempDir } from './support/helpers.js';

test('decimal() and the schemas read decimal text and refuse hex, binary, octal and exponents', () => {
  assert.deepEqual(['12', ' 7 ', '+3', '-2', '0.5', '.5', '2.'].map(decimal), [12, 7, 3, -2, 0.5, 0.5, 2]);
  for (const text of ['0x10', '0b11', '0o7', '1e1', 'Infinity', '', ' ', '1_000', '12abc', undefined]) assert.ok(Number.isNaN(decimal(text)), String(text));
  assert.equal(parseInput(addInput, { title: 't', max_tokens: '100', timeout_seconds: ' 60 ', max_cost_usd: '.5' }, 'task').max_tokens, 100);
  for (const [field, text] of [['max_tokens', '0x10'], ['timeout_seconds', '0b11'], ['max_attempts', '1e1'], ['max_cost_usd', '1e3'], ['max_turns', '0o7']]) {
    assert.throws(() => parseInput(addInput, { title: 't', [field!]: text }, 'task'), new RegExp(`${field} must be a number in decimal digits \\(got "${text}"\\)`));
  }
  // zod's int() adds the safe-integer bounds to the schema's own: only the tighter one is named.
  assert.throws(() => parseInput(addInput, { title: 't', timeout_seconds: '999999999999999999999' }, 'task'), (err: Error) => {
    assert.match(err.message, /timeout_seconds must be <= 604800 \(got 1e\+21\)$/);
    assert.doesNotMatch(err.message, /9007199254740991/);
    return true;
  });
  assert.equal(parseInput(idInput, { id: '#12' }, 'show').id, 12);
  assert.throws(() => parseInput(idInput, { id: '0x1' }, 'show'), /id must be a positive whole number/);
});

test('the CLI refuses non-decimal numbers in flags and ids (the real CLI)', () => {
  const dir = tempDir();
  assert.equal(cli(['init'], { cwd: dir }).code, 0);
  assert.equal(cli(['add', 'first'], { cwd: dir }).code, 0);
  const cases: Array<[string[], RegExp]> = [
    [['add', 't', '--max-tokens', '0x10'], /max_tokens must be a number in decimal digits \(got "0x10"\)/],
    [['show', '0x1'], /id must be a positive whole number/],
    [['heartbeat', '1', '--lease', '1e9'], /lease_seconds must be a number in decimal digits \(got "1e9"\)/],
    [['inbox', '--limit', '0x10'], /limit must be a whole number/],
    [['status', '--watch', '--every', '0x2'], /--every takes seconds/],
    [['diff', '0x1'], /expected a task id/],
    [['stats', '--cost', '--days', '1e1'], /--days must be a positive whole number/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args, { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.equal(cli(['show', '1'], { cwd: dir }).code, 0);
});
