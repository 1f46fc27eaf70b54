import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StewardError } from '../src/core/errors.js';
import { readFrontMatter, writeFrontMatter } from '../src/files/front-matter.js';
import { tempDir } from './support/helpers.js';

test('executable front matter (---js) is refused and never run', () => {
  const marker = join(tempDir(), 'pwned');
  const payloads = [
    `---js\n{ title: require('fs').writeFileSync(${JSON.stringify(marker)}, 'x') }\n---\nbody`,
    `---javascript\n(function(){ require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); return {}; })()\n---\n`,
    `--- js\n{ a: 1 }\n---\n`,
    `---coffee\na: 1\n---\n`,
  ];
  for (const text of payloads) {
    assert.throws(() => readFrontMatter(text), (e: StewardError) => e.code === 'PARSE_ERROR', text.slice(0, 20));
  }
  assert.equal(existsSync(marker), false, 'the payload ran');
});

test('YAML front matter reads; data is not shared between calls; bad YAML is PARSE_ERROR', () => {
  const a = readFrontMatter('---\ntitle: one\n---\nbody a\n');
  a.data.title = 'changed';
  assert.deepEqual(readFrontMatter('---\ntitle: one\n---\nbody a\n'), { data: { title: 'one' }, body: 'body a\n' });
  assert.deepEqual(readFrontMatter('---yaml\nx: 1\n---\n').data, { x: 1 });
  assert.throws(() => readFrontMatter('---\ntitle: [unclosed\n---\n'), (e: StewardError) => e.code === 'PARSE_ERROR');
  assert.deepEqual(readFrontMatter('no front matter'), { data: {}, body: 'no front matter' });
  assert.match(writeFrontMatter({ generated: true }, 'hello\n'), /^---\ngenerated: true\n---\nhello\n/);
});
