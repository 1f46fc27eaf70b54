#!/usr/bin/env node
// Bundles the `steward` CLI (src/cli/main.ts) with esbuild into dist/src/cli/main.js, over the file tsc wrote: one
// file for what every command needs, plus a chunk per lazily imported part (each command's module, the MCP SDK,
// execa, the tick, the runner…), so `steward list` reads a few files instead of ~160 (zod alone was 95).
// better-sqlite3 stays external (a native addon); every other dependency is bundled. Runs after `tsc` in
// `npm run build`. dist/bundle-meta.json (esbuild's metafile; not packed) says which sources went into which chunk:
// test/cli-startup.test.ts maps the chunks a command loads back to their modules with it.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'dist/src/cli');
const CHUNK_PREFIX = 'chunk-';

/**
 * Keeps `import.meta.url` meaning what it meant in tsc's layout: in a source file src/X/y.ts it becomes the URL of
 * dist/src/X/y.js, computed from the chunk's own URL (every chunk sits in dist/src/cli), so `new URL('../cli/main.js',
 * import.meta.url)` and `new URL('../../../package.json', import.meta.url)` still find their files.
 */
const tscLayoutImportMeta = {
  name: 'tsc-layout-import-meta',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const compiled = join(ROOT, 'dist', relative(ROOT, args.path)).replace(/\.ts$/, '.js');
      const rel = relative(OUT, compiled).split('\\').join('/');
      const url = `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * zod's `z.locales` namespace holds the error messages of ~50 languages (half of zod's bundled size, parsed at every
 * start); steward uses only the English default, which zod imports on its own. Nothing here calls `z.locales.*`.
 */
const withoutZodLocales = {
  name: 'without-zod-locales',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${join('node_modules', 'zod')}`) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

for (const name of readdirSync(OUT)) if (name.startsWith(CHUNK_PREFIX)) rmSync(join(OUT, name));

const result = await build({
  entryPoints: { main: join(ROOT, 'src/cli/main.ts') },
  absWorkingDir: ROOT,
  outdir: OUT,
  chunkNames: `${CHUNK_PREFIX}[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // CommonJS dependencies bundled into ESM call require() for node's built-ins.
  banner: { js: "import { createRequire as __stewardCreateRequire } from 'node:module'; const require = __stewardCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [tscLayoutImportMeta, withoutZodLocales],
});
writeFileSync(join(ROOT, 'dist/bundle-meta.json'), JSON.stringify(result.metafile));
