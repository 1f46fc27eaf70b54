// `steward <command> --help` is what a person (or an agent) reads before a command: it names what the command takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCommands } from '../src/cli/commands/index.js';
import { cli, tempDir } from './support/helpers.js';

/** Options that are steward's own plumbing, never typed by a person. */
const INTERNAL: Record<string, string[]> = { work: ['spare'], schedule: ['key'] };

test('every command\'s usage names each flag it takes', async () => {
  for (const c of await loadCommands()) {
    for (const k of Object.keys(c.options ?? {})) {
      if (INTERNAL[c.name]?.includes(k)) continue;
      assert.ok(c.usage.includes(`--${k}`), `steward ${c.name} --help does not name --${k}`);
    }
  }
});

test('steward work --help: a remote worker\'s token may come from STEWARD_TOKEN (README), not only --token', () => {
  const help = cli(['work', '--help'], { cwd: tempDir() }).stdout;
  assert.match(help, /--server URL \[--token T\]/);
  assert.match(help, /STEWARD_TOKEN/);
});
