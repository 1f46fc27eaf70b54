import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quoteWord, splitCommandLine } from '../src/core/adapters/index.js';
import { StewardError } from '../src/core/errors.js';

test('splitCommandLine: table', () => {
  const table: [string, string[]][] = [
    ['npm test', ['npm', 'test']],
    ['  npm   run\tbuild \n', ['npm', 'run', 'build']],
    ['', []],
    ['   ', []],
    [`echo 'a b' "c d" e\\ f`, ['echo', 'a b', 'c d', 'e f']],
    [`a'b'"c"d`, ['abcd']],
    [`'' ""`, ['', '']],
    [`'it'\\''s'`, [`it's`]],
    [`"say \\"hi\\" \\\\ \\$HOME \\\`x\\\`"`, ['say "hi" \\ $HOME `x`']],
    [`"keep \\n and \\a"`, ['keep \\n and \\a']],
    [`'no \\escapes "here"'`, ['no \\escapes "here"']],
    ['echo $HOME ~ *.ts `id` $PATH', ['echo', '$HOME', '~', '*.ts', '`id`', '$PATH']],
    [`echo '$(touch pwned)' "a | b; c && d > e"`, ['echo', '$(touch pwned)', 'a | b; c && d > e']],
    ['node -e "console.log(1)"', ['node', '-e', 'console.log(1)']],
    ['a\\\nb c', ['ab', 'c']],
    ['"multi\nline"', ['multi\nline']],
    ['ünï 🚀', ['ünï', '🚀']],
    ['pytest -k "not slow" tests/', ['pytest', '-k', 'not slow', 'tests/']],
  ];
  for (const [input, want] of table) assert.deepEqual(splitCommandLine(input), want, JSON.stringify(input));
});

test('splitCommandLine: invalid input is a VALIDATION error naming the problem', () => {
  const table: [string, RegExp][] = [
    [`echo 'open`, /unterminated single quote at position 5/],
    [`echo "open`, /unterminated double quote/],
    [`echo "a\\"`, /unterminated double quote/],
    ['echo oops\\', /trailing backslash/],
    ['npm test && npm run lint', /unquoted shell operator "&"/],
    ['cat x | wc', /operator "\|"/],
    ['a; b', /operator ";"/],
    ['echo > out', /operator ">"/],
    ['echo $(whoami)', /operator "\("/],
  ];
  for (const [input, message] of table) {
    assert.throws(
      () => splitCommandLine(input),
      (err: unknown) => err instanceof StewardError && err.code === 'VALIDATION' && message.test(err.message),
      input,
    );
  }
});

test('quoteWord: plain words stay bare, everything else is single-quoted', () => {
  assert.deepEqual(
    ['npm', '--flag=a,b', 'a b', '', "it's", '$HOME', '*'].map(quoteWord),
    ['npm', '--flag=a,b', "'a b'", "''", `'it'\\''s'`, "'$HOME'", "'*'"],
  );
});

const anyWords = fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 8 });

test('property: joining quoteWord-quoted words and splitting returns the words', () => {
  fc.assert(
    fc.property(anyWords, (words) => {
      assert.deepEqual(splitCommandLine(words.map(quoteWord).join(' ')), words);
    }),
    { numRuns: 500 },
  );
});

// A second quoting style exercises the double-quote and backslash paths.
const doubleQuote = (w: string): string => `"${w.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
const backslashed = (w: string): string => (w === '' ? "''" : w.replace(/[^A-Za-z0-9]/g, (c) => (c === '\n' ? `'\n'` : `\\${c}`)));

test('property: double-quoted and backslash-escaped words split back too', () => {
  fc.assert(
    fc.property(anyWords, fc.constantFrom(' ', '\t', '\n', '  '), (words, sep) => {
      assert.deepEqual(splitCommandLine(words.map(doubleQuote).join(sep)), words);
      assert.deepEqual(splitCommandLine(words.map(backslashed).join(sep)), words);
    }),
    { numRuns: 500 },
  );
});

test('property: splitting never throws anything but a StewardError', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (input) => {
      try {
        const words = splitCommandLine(input);
        assert.ok(words.every((w) => typeof w === 'string'));
      } catch (err) {
        assert.ok(err instanceof StewardError && err.code === 'VALIDATION');
      }
    }),
    { numRuns: 1000 },
  );
});
