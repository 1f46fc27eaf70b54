// Packs the CommonJS chunks of the CLI's hot path (what `list`, `show`, `claim` and `complete` load) into the bin,
// dist/src/cli/steward.cjs, instead of one file each: node resolves, stats, reads and wraps every required file (a
// package.json scope lookup included), ~0.6 ms a file on this machine; the ~36 chunks of `steward claim` were ~20 ms
// of CPU. Used by scripts/bundle-cli.mjs after its CommonJS stage.
//
// A packed chunk becomes a function in a table in the bin, run once on its first require (what node's require does
// for a file, with the same module/exports objects); every `require('./chunk-X.cjs')` of a packed chunk, in the bin
// or in a chunk still written as its own file, goes through that table (a global the bin sets before anything runs),
// so each chunk is one module instance whichever way it is reached. The functions are compiled by V8 only when called:
// a packed chunk a command does not need costs its pre-parse, not its compile.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The global the bin sets: `(name) => exports` for a packed chunk (name as in `chunk-X.cjs`). Also read by tests. */
export const PACK_GLOBAL = '__stewardPackedChunk';
/** The global listing the packed chunks that ran, in order (the tests' load check reads it; node's require.cache cannot). */
export const PACK_LOADED = '__stewardPackedLoaded';

/**
 * The chunks to pack: the output chunks of `entries` (source paths, each the target of an `import()`), and every chunk
 * they import statically, transitively. `meta` is esbuild's metafile with .cjs output names.
 */
export function hotChunks(meta, outDirRel, entries) {
  const byEntry = new Map();
  for (const [out, o] of Object.entries(meta.outputs)) if (o.entryPoint) byEntry.set(o.entryPoint, out);
  const todo = entries.map((e) => {
    const out = byEntry.get(e);
    if (!out) throw new Error(`pack-chunks: ${e} is not the entry of a chunk (is it still imported with import()?)`);
    return out;
  });
  const seen = new Set();
  while (todo.length) {
    const out = todo.pop();
    if (seen.has(out)) continue;
    seen.add(out);
    for (const imp of meta.outputs[out]?.imports ?? []) {
      if (imp.kind === 'dynamic-import' || imp.external) continue;
      todo.push(imp.path.replace(/\.js$/, '.cjs'));
    }
  }
  return [...seen].map((out) => out.slice(outDirRel.length + 1)).filter((name) => name.startsWith('chunk-'));
}

const requireOf = /\brequire\((["'])\.\/(chunk-[A-Z0-9]+\.cjs)\1\)/g;

/**
 * Rewrites dir/bin (CommonJS, first line a shebang) to hold `names` (chunk files in dir), deletes those files, and
 * points every other chunk's require of them at the bin's table.
 */
export function packChunks(dir, bin, names, allChunkFiles) {
  const packed = new Set(names);
  const viaTable = (code) => code.replace(requireOf, (whole, _q, name) => (packed.has(name) ? `globalThis.${PACK_GLOBAL}(${JSON.stringify(name)})` : whole));
  for (const name of allChunkFiles) {
    if (packed.has(name)) continue;
    const file = join(dir, name);
    writeFileSync(file, viaTable(readFileSync(file, 'utf8')));
  }
  const table = names.map((name) => `${JSON.stringify(name)}: function (module, exports) {\n${viaTable(readFileSync(join(dir, name), 'utf8'))}\n}`);
  const [shebang, ...rest] = readFileSync(join(dir, bin), 'utf8').split('\n');
  const head = [
    shebang,
    '"use strict";',
    '// The packed chunks of the hot path (scripts/pack-chunks.mjs): each runs once, on its first require.',
    `const __packedDefs = {\n${table.join(',\n')}\n};`,
    'const __packedCache = {};',
    `globalThis.${PACK_LOADED} = [];`,
    `globalThis.${PACK_GLOBAL} = (name) => {`,
    '  let m = __packedCache[name];',
    '  if (m) return m.exports;',
    '  m = __packedCache[name] = { exports: {} };',
    `  globalThis.${PACK_LOADED}.push(name);`,
    '  __packedDefs[name].call(m.exports, m, m.exports);',
    '  return m.exports;',
    '};',
  ];
  // The bin's own code in a block: its top-level names (esbuild's helpers) cannot clash with the table's.
  writeFileSync(join(dir, bin), [...head, '{', viaTable(rest.join('\n').replace(/^"use strict";/, '')), '}', ''].join('\n'));
  for (const name of names) rmSync(join(dir, name));
}
