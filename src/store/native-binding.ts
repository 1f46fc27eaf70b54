// Where better-sqlite3's compiled addon is, given to `new Database(path, { nativeBinding })` by every opener in steward.
// In the CLI bundle better-sqlite3's JavaScript is bundled (scripts/bundle-cli.mjs), so its own search for the addon
// (the `bindings` package: it reads a stack trace to find the package it was called from and tries ~10 candidate
// paths, ~2 % of a short CLI command) would start from the wrong directory: steward always names the addon itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let found: string | undefined;

/**
 * The addon file at the path better-sqlite3's own build writes it (build/Release/better_sqlite3.node); when it is not
 * there (a debug build, a prebuilt elsewhere), the addon `bindings` finds searching from better-sqlite3's own
 * directory, as better-sqlite3 would (the loaded addon object: better-sqlite3 takes one where its types say string).
 * Resolved once per process.
 */
export function sqliteNativeBinding(): string {
  if (found === undefined) {
    const main = createRequire(import.meta.url).resolve('better-sqlite3'); // …/better-sqlite3/lib/index.js
    found = nativeBindingIn(join(dirname(main), '..'), main);
  }
  return found;
}

/** The addon of the better-sqlite3 package at `root` (see sqliteNativeBinding); `bindings` is required from `from`. */
export function nativeBindingIn(root: string, from: string): string {
  const file = join(root, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(file)) return file;
  const bindings = createRequire(from)('bindings') as (o: { bindings: string; module_root: string }) => string;
  return bindings({ bindings: 'better_sqlite3.node', module_root: root });
}
