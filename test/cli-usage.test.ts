// `steward <command> --help` names every flag the command takes: a flag left out of its usage line is one nobody finds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCommands } from '../src/cli/commands/index.js';
import { cli, tempDir } from './support/helpers.js';

/** Flags a command takes but does not show, each for a stated reason. */
const UNSHOWN: Record<string, string[]> = {
  work: ['spare'], // started by `steward up` only (src/runner/spare.ts)
  propose: ['verify'], // taken only to be refused with its reason: a proposal never carries a command
  schedule: ['key'], // taken only to be refused with its reason: a schedule keys each task by its slot
};

test('every command\'s usage names each of its flags', async () => {
  const missing: string[] = [];
  for (const command of await loadCommands()) {
    for (const flag of Object.keys(command.options ?? {})) {
      if (UNSHOWN[command.name]?.includes(flag)) continue;
      if (!new RegExp(`--${flag}\\b`).test(command.usage)) missing.push(`${command.name} --${flag}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('add --help, propose --help and schedule --help show --complexity (the real CLI)', () => {
  const dir = tempDir();
  for (const name of ['add', 'propose', 'schedule']) {
    const r = cli([name, '--help'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--complexity low\|normal\|high/, `${name} --help`);
    // `steward help add` answers as `steward add --help` does (git's and npm's reading), not with the general help.
    const viaHelp = cli(['help', name], { cwd: dir });
    assert.equal(viaHelp.code, 0, viaHelp.stderr);
    assert.equal(viaHelp.stdout, r.stdout);
  }
  const unknown = cli(['help', 'frobnicate'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command frobnicate/);
});

test('steward help names the global flags, --actor among them; --actor names who did it in the audit events', () => {
  const dir = tempDir();
  const help = cli(['help'], { cwd: dir });
  assert.equal(help.code, 0, help.stderr);
  for (const flag of ['--json', '--dir PATH', '--actor NAME']) assert.ok(help.stdout.includes(flag), flag);
  assert.equal(cli(['init'], { cwd: dir }).code, 0);
  const added = cli(['add', 'x', '--actor', 'alice', '--json'], { cwd: dir });
  assert.equal(added.code, 0, added.stderr);
  const shown = cli(['show', String(added.json.task.id), '--json'], { cwd: dir });
  assert.deepEqual([...new Set(shown.json.events.map((e: { actor: string }) => e.actor))], ['alice']);
});
