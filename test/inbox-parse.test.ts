import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { splitCommandLine } from '../src/core/adapters/shell-words.js';
import type { ProposeInput } from '../src/core/schemas.js';
import { writeFrontMatter } from '../src/files/front-matter.js';
import {
  INBOX_MAX_BYTES,
  isInboxFileName,
  isSettled,
  parseInboxFile,
  type InboxParseResult,
} from '../src/inbox/parse-inbox-file.js';

function ok(result: InboxParseResult): { proposal: ProposeInput; notes: string[] } {
  assert.ok(result.ok, `expected ok, got reason: ${result.ok ? '' : result.reason}`);
  return result;
}
function reason(result: InboxParseResult): string {
  assert.ok(!result.ok, `expected a refusal, got ${JSON.stringify(result)}`);
  return result.reason;
}
const parse = (content: string | Buffer) => parseInboxFile('proposal.md', content);
/** fast-check builds records without a prototype; the parser returns plain objects. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('inbox file: valid', () => {
  test('every front-matter field and the body as the goal', () => {
    const file = [
      '---',
      'title: Add retry to the fetcher',
      'type: code',
      'project: web',
      'priority: high',
      'agent: claude',
      'after: [3, 4]',
      'key: fetch-retry',
      'review: yes',
      'verify: npm test',
      'max_attempts: "5"',
      'requires: repo, node',
      'timeout_seconds: 600',
      'then:',
      '  - title: Document the retry',
      '    type: docs',
      '---',
      '',
      '  The fetcher gives up on the first 503.',
      '',
      'Retry three times with backoff.  ',
      '',
    ].join('\n');
    const { proposal, notes } = ok(parse(file));
    assert.deepEqual(proposal, {
      title: 'Add retry to the fetcher',
      type: 'code',
      project: 'web',
      priority: 30,
      agent: 'claude',
      after: [3, 4],
      key: 'fetch-retry',
      review: true,
      verify: ['npm test'],
      max_attempts: 5,
      requires: ['repo', 'node'],
      timeout_seconds: 600,
      then: [{ title: 'Document the retry', type: 'docs' }],
      goal: 'The fetcher gives up on the first 503.\n\nRetry three times with backoff.',
    });
    assert.deepEqual(notes, []);
  });

  test('a title alone is enough; an empty body means no goal', () => {
    assert.deepEqual(ok(parse('---\ntitle: Tidy up\n---\n\n   \n')).proposal, { title: 'Tidy up' });
  });

  test('the goal may be in the front matter when the body is empty', () => {
    assert.deepEqual(ok(parse('---\ntitle: T\ngoal: do it\n---\n')).proposal, { title: 'T', goal: 'do it' });
  });

  test('priority words and numbers', () => {
    const cases: [string, number][] = [
      ['urgent', 10],
      ['high', 30],
      ['normal', 50],
      ['low', 80],
      ['HIGH', 30],
      [' Low ', 80],
      ['0', 0],
      ['42', 42],
      ['100', 100],
    ];
    for (const [word, expected] of cases) {
      const file = `---\ntitle: T\npriority: ${JSON.stringify(word)}\n---\n`;
      assert.equal(ok(parse(file)).proposal.priority, expected, word);
    }
    assert.equal(ok(parse('---\ntitle: T\npriority: 7\n---\n')).proposal.priority, 7);
  });

  test('after as a list, a comma string, a single id, "#id" words', () => {
    const cases: [string, number[]][] = [
      ['[1, 2]', [1, 2]],
      ['"1,2"', [1, 2]],
      ['1, 2', [1, 2]],
      ['"#3, #4"', [3, 4]],
      ['5', [5]],
      ['\n  - 6\n  - "7"', [6, 7]],
      ['[]', []],
    ];
    for (const [yaml, expected] of cases) {
      assert.deepEqual(ok(parse(`---\ntitle: T\nafter: ${yaml}\n---\n`)).proposal.after, expected, yaml);
    }
  });

  test('a missing title falls back to the first # heading, and says so', () => {
    const { proposal, notes } = ok(parse('---\ntype: research\n---\nIntro line\n\n# Survey queue libraries #\n\nCompare them.\n'));
    assert.equal(proposal.title, 'Survey queue libraries');
    assert.equal(proposal.goal, 'Intro line\n\n# Survey queue libraries #\n\nCompare them.');
    assert.deepEqual(notes, ['title taken from the first # heading']);
    assert.equal(ok(parse('# Port to C#\n')).proposal.title, 'Port to C#');
    assert.equal(ok(parse('---\ntitle: ""\n---\n# From heading\n')).proposal.title, 'From heading');
  });

  test('a # line inside a code fence is not the heading; ## is not level 1', () => {
    const file = '```sh\n# install deps\nnpm i\n```\n## Sub\n# Real title\n';
    assert.equal(ok(parse(file)).proposal.title, 'Real title');
  });

  test('YAML numbers, booleans and dates become text for text fields', () => {
    const { proposal } = ok(parse('---\ntitle: 2024\nkey: 2024-11-22\nproject: 42\ntype: true\n---\n'));
    assert.deepEqual(proposal, { title: '2024', key: '2024-11-22', project: '42', type: 'true' });
  });

  test('a UTF-8 byte order mark and CRLF line ends', () => {
    const file = Buffer.from('\uFEFF---\r\ntitle: Crlf\r\n---\r\nline one\r\nline two\r\n', 'utf8');
    assert.deepEqual(ok(parse(file)).proposal, { title: 'Crlf', goal: 'line one\nline two' });
  });

  test('a Buffer and a string of the same text parse the same; multi-byte text is kept', () => {
    const text = '---\ntitle: Übersetzung 翻訳 ✓\n---\nZiel: 🚀\n';
    assert.deepEqual(ok(parse(Buffer.from(text, 'utf8'))).proposal, ok(parse(text)).proposal);
    assert.equal(ok(parse(text)).proposal.goal, 'Ziel: 🚀');
  });

  test('exactly 1,048,576 bytes is allowed', () => {
    // The goal itself may hold 100,000 characters; a long YAML comment fills the rest.
    const goal = 'g'.repeat(100_000);
    const head = '---\ntitle: Big\n# ';
    const tail = `\n---\n${goal}`;
    const file = head + 'c'.repeat(INBOX_MAX_BYTES - head.length - tail.length) + tail;
    assert.equal(Buffer.byteLength(file), INBOX_MAX_BYTES);
    assert.deepEqual(ok(parse(file)).proposal, { title: 'Big', goal });
    assert.match(reason(parse(file + 'x')), /^too large: 1048577 bytes/);
  });
});

describe('inbox file: refused, with a reason', () => {
  test('invalid YAML names the line', () => {
    assert.equal(reason(parse('---\ntitle: [unclosed\n---\nbody\n')), 'invalid YAML front matter: unexpected end of the stream within a flow collection at line 3, column 1');
    assert.match(reason(parse('---\ntitle: a\n  bad: indent\n---\n')), /^invalid YAML front matter: .*line 3/);
  });

  test('duplicate keys inside the front matter', () => {
    assert.equal(reason(parse('---\ntitle: One\npriority: 1\ntitle: Two\n---\n')), 'invalid YAML front matter: duplicated mapping key at line 4, column 1');
  });

  test('front matter that is not a mapping', () => {
    assert.match(reason(parse('---\n- a\n- b\n---\n')), /not a YAML mapping/);
    assert.match(reason(parse('---\njust a sentence\n---\n')), /not a YAML mapping/);
  });

  test('front matter that is never closed', () => {
    assert.equal(reason(parse('---\ntitle: T\n\nbody\n')), 'front matter is not closed: add a line "---" after it');
  });

  test('front matter in another language is refused and never run', () => {
    const g = globalThis as { inboxPwned?: number };
    for (const lang of ['js', 'javascript', ' js', 'coffee', 'json']) {
      const file = `---${lang}\n{ title: (globalThis.inboxPwned = 1, "x") }\n---\n`;
      assert.match(reason(parse(file)), /^front matter must be YAML, not "---/, lang);
    }
    assert.equal(g.inboxPwned, undefined);
    assert.equal(ok(parse('---yaml\ntitle: Y\n---\n')).proposal.title, 'Y');
  });

  test('missing title', () => {
    assert.equal(reason(parse('---\ntype: code\n---\nno heading here\n')), 'missing title: add "title: ..." to the front matter or a "# heading" to the body');
    assert.match(reason(parse('')), /^missing title/);
    assert.match(reason(parse('---\ntitle:\n---\n')), /^missing title/);
    assert.match(reason(parse('\n---\ntitle: T\n---\n')), /^missing title: .*front matter must start on the first line/);
  });

  test('too large: over 1 MB, counted in bytes, with the size', () => {
    const big = '---\ntitle: Big\n---\n' + 'x'.repeat(INBOX_MAX_BYTES);
    const size = Buffer.byteLength(big);
    assert.equal(reason(parse(big)), `too large: ${size} bytes (the limit is 1048576 bytes, 1 MB)`);
    assert.equal(reason(parse(Buffer.from(big))), `too large: ${size} bytes (the limit is 1048576 bytes, 1 MB)`);
    const wide = 'é'.repeat(INBOX_MAX_BYTES / 2 + 1); // under 1 M characters, over 1 MB
    assert.equal(reason(parse(wide)), `too large: ${INBOX_MAX_BYTES + 2} bytes (the limit is 1048576 bytes, 1 MB)`);
  });

  test('binary content', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    assert.equal(reason(parse(png)), 'binary file: NUL byte at offset 8');
    assert.equal(reason(parse('---\ntitle: T\n---\nab\0c')), 'binary file: NUL character at offset 19');
  });

  test('text that is not UTF-8', () => {
    assert.equal(reason(parse(Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]))), 'not valid UTF-8 text: save the file as UTF-8'); // latin-1 "café"
    assert.equal(reason(parse(Buffer.from('\uFEFF# T\n', 'utf16le'))), 'UTF-16 text: save the file as UTF-8');
    assert.equal(reason(parse('# T \uD800 lone surrogate')), 'not valid UTF-8 text');
  });

  test('unknown front-matter keys, with a suggestion', () => {
    assert.equal(reason(parse('---\ntitel: T\n---\n')), 'unknown front-matter key "titel" (did you mean title?)');
    assert.equal(reason(parse('---\ntitle: T\nmaxAttempts: 2\n---\n')), 'unknown front-matter key "maxAttempts" (did you mean max_attempts?)');
    assert.match(reason(parse('---\ntitle: T\nowner: me\n---\n')), /^unknown front-matter key "owner" \(expected title, goal, type, project/);
  });

  test('bad field values name the field', () => {
    const cases: [string, string | RegExp][] = [
      ['priority: asap', 'priority: must be 0–100 or one of urgent, high, normal, low, got "asap"'],
      ['verify: ["make && make install"]', /^verify\[0\]: must be a command without shell syntax: unquoted shell operator "&"/],
      ['priority: 101', 'priority: must be 0–100 or one of urgent, high, normal, low, got 101'],
      ['priority: -1', 'priority: must be 0–100 or one of urgent, high, normal, low, got -1'],
      ['after: [x]', 'after[0]: must be a positive whole number (12 or #12), got "x"'],
      ['after: [0]', 'after[0]: must be a positive whole number (12 or #12), got 0'],
      ['after: "1,two"', 'after[1]: must be a positive whole number (12 or #12), got "two"'],
      ['project: has space', /^project: letters, digits/],
      ['type: "-x"', /^type: letters, digits/],
      ['max_attempts: 0', 'max_attempts: must be >= 1, got 0'],
      ['max_attempts: lots', 'max_attempts: expected a number, got "lots"'],
      ['review: maybe', 'review: expected true or false, got "maybe"'],
      ['timeout_seconds: 1.5', 'timeout_seconds: expected an integer, got 1.5'],
      ['key: {a: 1}', 'key: expected a string, got a mapping'],
      ['verify: [""]', 'verify[0]: must not be empty'],
      ['requires: [ok, "bad one"]', /^requires\[1\]: letters, digits/],
      ['then: [{type: code}]', 'then[0].title: required: expected a string'],
      ['then: "not json"', 'then: expected a list, got "not json"'],
      [`title: ${'x'.repeat(301)}`, 'title: title is longer than 300 characters'],
    ];
    for (const [line, expected] of cases) {
      const field = line.split(':')[0]!;
      const file = field === 'title' ? `---\n${line}\n---\n` : `---\ntitle: T\n${line}\n---\n`;
      const why = reason(parse(file));
      if (typeof expected === 'string') assert.equal(why, expected, line);
      else assert.match(why, expected, line);
    }
  });

  test('several bad fields are all named', () => {
    const why = reason(parse('---\ntitle: T\npriority: asap\nmax_attempts: 0\n---\n'));
    assert.equal(why, 'priority: must be 0–100 or one of urgent, high, normal, low, got "asap"; max_attempts: must be >= 1, got 0');
  });

  test('the goal given twice', () => {
    assert.equal(reason(parse('---\ntitle: T\ngoal: a\n---\nb\n')), 'goal is given twice, in the front matter and as the body: keep one');
  });

  test('YAML aliases that expand past the file limit (a 2 KB "billion laughs") are refused before anything walks them', () => {
    // Each level of `then` holds 20 copies of the level below: depth 4 is 160,000 follow-ups from a 2 KB file (depth 6,
    // 2.8 KB, took a tick 48 s and 1.6 GB, and was retried on every tick).
    const level = (d: number): string => {
      if (d === 0) return '[{title: leaf}]';
      const rest = Array.from({ length: 19 }, () => `{title: a, then: *L${d - 1}}`);
      return `[{title: a, then: &L${d - 1} ${level(d - 1)}}, ${rest.join(', ')}]`;
    };
    const bomb = `---\ntitle: Bomb\nthen: ${level(4)}\n---\n`;
    assert.ok(bomb.length < 2500);
    assert.equal(
      reason(parse(bomb)),
      'front matter too large once its YAML aliases (*name) are expanded (over 1048576 characters): write the values out',
    );
    assert.match(reason(parse('---\ntitle: T\nthen: &x [{title: a, then: *x}]\n---\n')), /^front matter too large once its YAML aliases/);
    // A few aliases that stay small are fine.
    const small = ok(parse('---\ntitle: T\nthen: [{title: a, requires: &r [gpu, big]}, {title: b, requires: *r}]\n---\n'));
    assert.deepEqual(small.proposal.then?.[1]?.requires, ['gpu', 'big']);
  });

  test('a reason names at most 10 problems and counts the rest (100,000 unknown keys made an 18 MB reason)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n');
    const why = reason(parse(`---\ntitle: T\n${keys}\n---\n`));
    assert.match(why, /^unknown front-matter key "k0" \(did you mean key\?\); .*unknown front-matter key "k9" .*; and 99990 more unknown keys$/);
    assert.ok(why.length < 2000, `${why.length} characters`);
    const long = reason(parse(`---\ntitle: T\n${'x'.repeat(5000)}: 1\n---\n`));
    assert.match(long, /^unknown front-matter key "x{60}…" \(expected title, /);
    const priorities = Array.from({ length: 15 }, () => '{title: a, priority: asap}').join(', ');
    assert.match(reason(parse(`---\ntitle: T\nthen: [${priorities}]\n---\n`)), /then\[9\]\.priority: .*; and 5 more problems$/);
  });

  test('file names that are not inbox files', () => {
    assert.match(reason(parseInboxFile('.hidden.md', '# T\n')), /^not an inbox file name: "\.hidden\.md"/);
    assert.match(reason(parseInboxFile('notes.txt', '# T\n')), /^not an inbox file name/);
    assert.equal(ok(parseInboxFile('/abs/inbox/Fix-It.MD', '# T\n')).proposal.title, 'T');
  });

  test('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc.string({ maxLength: 200 }).map((s) => `---\n${s}\n---\n${s}`),
          fc.dictionary(fc.constantFrom('title', 'priority', 'after', 'then', 'verify', 'key', 'x'), fc.jsonValue({ maxDepth: 2 })).map(
            (d) => `---\n${JSON.stringify(d)}\n---\nbody`,
          ),
        ),
        (content) => {
          const result = parse(content);
          assert.equal(typeof result.ok, 'boolean');
          if (!result.ok) assert.ok(result.reason.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('inbox file: round trip', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,15}$/);
  /** Text as a person types it: no NUL, no carriage return, no space at the ends. */
  const text = (maxLength: number) =>
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength })
      .map((s) => s.replace(/[\0\r]/g, '').trim())
      .filter((s) => s.length > 0);
  const then = fc.record(
    { title: text(30), type: name, priority: fc.integer({ min: 0, max: 100 }), review: fc.boolean() },
    { requiredKeys: ['title'] },
  );
  const proposal: fc.Arbitrary<ProposeInput> = fc.record(
    {
      title: text(40),
      goal: text(200),
      type: name,
      project: name,
      priority: fc.integer({ min: 0, max: 100 }),
      agent: name,
      after: fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 5 }),
      then: fc.array(then, { maxLength: 2 }),
      key: text(60),
      review: fc.boolean(),
      // verify commands must split into argv words (no unquoted shell operators, no open quotes)
      verify: fc.array(text(30).filter((c) => { try { splitCommandLine(c); return true; } catch { return false; } }), { maxLength: 3 }),
      max_attempts: fc.integer({ min: 1, max: 100 }),
      requires: fc.array(name, { maxLength: 3 }),
      timeout_seconds: fc.integer({ min: 1, max: 7 * 24 * 3600 }),
    },
    { requiredKeys: ['title'] },
  );

  test('any valid proposal written as a file parses back to the same proposal', () => {
    fc.assert(
      fc.property(proposal, (p) => {
        const { goal, ...front } = p;
        const file = writeFrontMatter(front, '') + (goal ?? '') + '\n';
        const result = parseInboxFile('p.md', file);
        assert.deepEqual(result, { ok: true, proposal: plain(p), notes: [] }, file);
      }),
      { numRuns: 300 },
    );
  });

  test('the same property through a Buffer', () => {
    fc.assert(
      fc.property(proposal, (p) => {
        const { goal, ...front } = p;
        const file = Buffer.from(writeFrontMatter(front, '') + (goal ?? ''), 'utf8');
        assert.deepEqual(parseInboxFile('p.md', file), { ok: true, proposal: plain(p), notes: [] });
      }),
      { numRuns: 100 },
    );
  });
});

describe('inbox helpers', () => {
  test('isSettled: only files unchanged for a second', () => {
    const now = 1_700_000_000_000;
    const cases: [number, number, boolean][] = [
      [now, now, false],
      [now - 999, now, false],
      [now - 1000, now, true],
      [now - 60_000, now, true],
      [now + 500, now, false], // slightly ahead: treat as being written
      [now + 120_000, now, true], // far in the future: a copied timestamp, not a writer
      [Number.NaN, now, false],
      [now, Number.POSITIVE_INFINITY, false],
    ];
    for (const [mtime, at, expected] of cases) assert.equal(isSettled(mtime, at), expected, `${mtime - now}`);
  });

  test('isInboxFileName', () => {
    const cases: [string, boolean][] = [
      ['fix-it.md', true],
      ['FIX.MD', true],
      ['2024-11-22 idea.md', true],
      ['.hidden.md', false],
      ['.#fix-it.md', false],
      ['#fix-it.md#', false],
      ['fix-it.md~', false],
      ['fix-it.md.swp', false],
      ['~fix.md', false],
      ['notes.txt', false],
      ['.md', false],
      ['sub/fix.md', false],
    ];
    for (const [fileName, expected] of cases) assert.equal(isInboxFileName(fileName), expected, fileName);
  });
});
