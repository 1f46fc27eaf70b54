// Where better-sqlite3's compiled addon is, so opening a database skips the `bindings` package's search for it (it
// reads a stack trace to find the package and tries ~10 candidate paths: ~2 % of a short CLI command).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let found: string | null | undefined;

/**
 * The addon file at the path better-sqlite3's own build writes it (build/Release/better_sqlite3.node), for
 * `new Database(path, { nativeBinding })`; undefined when it is not there (a debug build, a prebuilt elsewhere), and
 * better-sqlite3 searches as usual. Resolved once per process.
 */
export function sqliteNativeBinding(): string | undefined {
  if (found === undefined) {
    try {
      const main = createRequire(import.meta.url).resolve('better-sqlite3'); // …/better-sqlite3/lib/index.js
      const file = join(dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
      found = existsSync(file) ? file : null;
    } catch {
      found = null;
    }
  }
  return found ?? undefined;
}
