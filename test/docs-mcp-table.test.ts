// docs/MCP.md's tool table says what the server serves: each role's tools, each tool's arguments and which are required.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { z } from 'zod';
import { ROLE_TOOLS, TOOL_NAMES } from '../src/mcp/roles.js';
import { TOOLS } from '../src/mcp/tools.js';
import { REPO_ROOT } from './support/helpers.js';

const table = readFileSync(join(REPO_ROOT, 'docs/MCP.md'), 'utf8')
  .split('\n')
  .filter((l) => /^\| `[a-z]+` \|/.test(l))
  .map((l) => {
    const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const args = /^`\{([^}]*)\}`/.exec(cells[4]!)![1]!;
    const fields = args ? args.split(/,\s*/).map((a) => a.split(':')[0]!.trim()) : [];
    return { name: cells[0]!.slice(1, -1), roles: (['planner', 'worker', 'triage'] as const).filter((_, i) => cells[1 + i] === '✓'), fields };
  });

test('docs/MCP.md lists every tool once', () => {
  assert.deepEqual(table.map((r) => r.name).sort(), [...TOOL_NAMES].sort());
});

for (const row of table) {
  test(`docs/MCP.md: ${row.name} — its roles and arguments are the server's`, () => {
    assert.deepEqual(row.roles, (['planner', 'worker', 'triage'] as const).filter((r) => ROLE_TOOLS[r].includes(row.name as never)));
    const shape = TOOLS[row.name as keyof typeof TOOLS].input.shape;
    const documented = row.fields.map((f) => f.replace(/\?$/, ''));
    assert.deepEqual([...documented].sort(), Object.keys(shape).sort(), `${row.name}: documented arguments`);
    for (const f of row.fields) {
      const optional = (shape[f.replace(/\?$/, '')] as z.ZodType).safeParse(undefined).success;
      assert.equal(f.endsWith('?'), optional, `${row.name}: ${f} is ${optional ? 'optional' : 'required'}`);
    }
  });
}
