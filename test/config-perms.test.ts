// config.yaml holds bearer tokens: init creates it 0600, and every command warns while it is group/world readable.
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir } from './support/helpers.js';

test('init creates config.yaml 0600; a readable one gets a warning on stderr (the command still works)', () => {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const file = join(ws, '.steward/config.yaml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.doesNotMatch(cli(['list'], { cwd: ws }).stderr, /warning/);
  chmodSync(file, 0o644);
  const r = cli(['list'], { cwd: ws });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /warning: .*config\.yaml holds bearer tokens but is readable by everyone \(mode 0644\); run: chmod 600/);
  chmodSync(file, 0o640);
  assert.match(cli(['list'], { cwd: ws }).stderr, /readable by its group/);
});
