// The config examples in README.md and docs/: each ```yaml block, pasted alone into .steward/config.yaml, is accepted.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../src/config/config-layers.js';
import { REPO_ROOT } from './support/helpers.js';

const DOCS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

for (const doc of DOCS) {
  const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
  const blocks = [...text.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```/gm)].map((m) => m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''));
  blocks.forEach((block, i) => {
    test(`${doc}: yaml example ${i + 1} is a config steward accepts`, () => {
      assert.doesNotThrow(() => parseConfigText(block, `${doc} example ${i + 1}`), (e: Error) => `${e.message}\n${block}`);
    });
  });
}
