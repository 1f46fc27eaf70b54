// better-sqlite3's addon as every steward opener names it (src/store/native-binding.ts): the CLI bundle holds
// better-sqlite3's JavaScript, whose own search for the addon would start from the bundle's directory.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { nativeBindingIn, sqliteNativeBinding } from '../src/store/native-binding.js';
import { tempDir } from './support/helpers.js';

const main = createRequire(import.meta.url).resolve('better-sqlite3');
const root = join(dirname(main), '..');

test('the addon is named by its path in better-sqlite3’s build, and a database opens with it', () => {
  const path = sqliteNativeBinding();
  assert.equal(path, join(root, 'build', 'Release', 'better_sqlite3.node'));
  const db = new Database(':memory:', { nativeBinding: path });
  assert.deepEqual(db.prepare('SELECT 1 AS one').get(), { one: 1 });
  db.close();
});

test('without build/Release (a debug build), the addon bindings finds from the package’s own directory is used', () => {
  const pkg = tempDir('steward-addon-');
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'better-sqlite3', main: 'lib/index.js' }));
  mkdirSync(join(pkg, 'build', 'Debug'), { recursive: true });
  copyFileSync(join(root, 'build', 'Release', 'better_sqlite3.node'), join(pkg, 'build', 'Debug', 'better_sqlite3.node'));
  const addon = nativeBindingIn(pkg, main) as unknown as { Database?: unknown };
  assert.equal(typeof addon, 'object');
  assert.equal(typeof addon.Database, 'function');
  const db = new Database(':memory:', { nativeBinding: addon as unknown as string });
  assert.deepEqual(db.prepare('SELECT 2 AS two').get(), { two: 2 });
  db.close();
  const empty = tempDir('steward-addon-');
  assert.throws(() => nativeBindingIn(empty, main), /Could not locate the bindings file/);
});
