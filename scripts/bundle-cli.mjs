#!/usr/bin/env node
// Bundles the `steward` CLI (src/cli/main.ts) with esbuild into dist/src/cli/steward.cjs (the bin; CommonJS): one
// file for what every command needs, plus a chunk per lazily imported part (each command's module, the MCP SDK,
// execa, the tick, the runner…), so `steward list` reads a few files instead of ~160 (zod alone was 95).
// Every dependency is bundled, better-sqlite3's JavaScript included (its addon is loaded by path: src/store/native-binding.ts;
// `bindings`, its search for the addon, stays external and unused). The chunks of the hot path are then packed
// into the bin (scripts/pack-chunks.mjs). Runs after `tsc` in
// `npm run build`. dist/bundle-meta.json (esbuild's metafile; not packed) says which sources went into which chunk:
// test/cli-startup.test.ts maps the chunks a command loads back to their modules with it.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { hotChunks, packChunks } from './pack-chunks.mjs';

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

for (const name of readdirSync(OUT)) if (name.startsWith(CHUNK_PREFIX) || name.startsWith('steward.cjs')) rmSync(join(OUT, name));

// Stage 1: esbuild's ESM code splitting (it cannot split CommonJS) — in memory.
const result = await build({
  entryPoints: { steward: join(ROOT, 'src/cli/main.ts') },
  absWorkingDir: ROOT,
  outdir: OUT,
  chunkNames: `${CHUNK_PREFIX}[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['bindings'],
  legalComments: 'none',
  metafile: true,
  write: false,
  logLevel: 'warning',
  plugins: [tscLayoutImportMeta, withoutZodLocales],
});

// Stage 2: each file to CommonJS (.cjs). Node compiles a CommonJS file lazily and without the ESM loader's
// per-module linking: measured here, a 270 kB file costs 13 ms as .cjs and 35 ms as .mjs, 33 small ES modules 20 ms
// more than one. Static imports become require() at the top, `import()` becomes a deferred require(), so each command
// still reads only its own chunks (esbuild leaves `import()` alone in CommonJS: node would then load the chunk through
// the ESM loader, which scans it for its exports first, so each `import('./chunk…')` is rewritten to a require()). `import.meta.url` becomes the file's own URL.
const toCjs = (name) => name.replace(/\.js$/, '.cjs');
const META = '__stewardImportMeta';
for (const file of result.outputFiles) {
  const name = relative(OUT, file.path);
  const code = file.text
    .replace(/\bimport\((["'])\.\/(chunk-[A-Z0-9]+)\.js\1\)/g, "Promise.resolve().then(() => require('./$2.cjs'))")
    .replace(/(["'])\.\/(chunk-[A-Z0-9]+)\.js\1/g, '$1./$2.cjs$1');
  const out = await transform(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': `${META}.url` },
    // Computed when read (pathToFileURL on every chunk's load was ~5 % of `steward list`), and for a plain path
    // (letters, digits, / . _ -: nothing a file URL escapes) without node:url.
    banner: `"use strict";const ${META} = { get url() { return /^[\\w/.-]+$/.test(__filename) ? 'file://' + __filename : require('node:url').pathToFileURL(__filename).href; } };`,
    logLevel: 'warning',
  });
  writeFileSync(join(OUT, toCjs(name)), out.code);
}
// dist/src/cli/main.js (the bin until this bundle became CommonJS; workspaces' MCP configs written before name it):
// an ES module, as every .js file in this package, that runs the CommonJS bin.
writeFileSync(
  join(OUT, 'main.js'),
  "#!/usr/bin/env node\n// The steward CLI is dist/src/cli/steward.cjs (scripts/bundle-cli.mjs); this file runs it for older paths.\nimport { createRequire } from 'node:module';\n\ncreateRequire(import.meta.url)('./steward.cjs');\n",
);
const meta = result.metafile;
meta.outputs = Object.fromEntries(Object.entries(meta.outputs).map(([k, v]) => [toCjs(k), v]));
// What `list`, `show`, `claim` and `complete` import() on their way (test/cli-startup.test.ts checks they load no
// chunk file): packed into the bin with every chunk these import statically. `tick`: the quiet tick's modules (the
// full tick stays a chunk of its own, imported only when a step may act: test/tick-quiet.test.ts).
const HOT = [
  'src/cli/early-waiter.ts',
  'src/cli/cli.ts',
  'src/config/config-cache.ts',
  'src/config/config-file.ts',
  'src/config/config-policy.ts',
  'src/store/open-store.ts',
  'src/workspace/workspace.ts',
  'src/workspace/wake-socket.ts',
  'src/cli/commands/read.ts',
  'src/cli/commands/runs.ts',
  'src/cli/commands/tick.ts',
];
const OUT_REL = relative(ROOT, OUT).split('\\').join('/');
meta.packed = hotChunks(meta, OUT_REL, HOT);
packChunks(OUT, 'steward.cjs', meta.packed, readdirSync(OUT).filter((n) => n.startsWith(CHUNK_PREFIX)));
writeFileSync(join(ROOT, 'dist/bundle-meta.json'), JSON.stringify(meta));
