// Which modules a real `steward` process loads: a preload lists every CommonJS module it loaded as it exits, and the bundle's metafile
// (dist/bundle-meta.json, written by scripts/bundle-cli.mjs) maps each chunk back to the sources in it.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncCapped } from '../helpers/processes.js';
import { CLI, REPO_ROOT, tempDir } from './helpers.js';

/** The global the bin lists its packed chunks that ran in (PACK_LOADED in scripts/pack-chunks.mjs). */
const PACK_LOADED = '__stewardPackedLoaded';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/** The sources (repository-relative: src/…, node_modules/…) behind the module URLs a bundled CLI process loaded. */
export function sourcesOf(urls: string[]): string[] {
  const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/bundle-meta.json'), 'utf8')) as Metafile;
  const out: string[] = [];
  for (const url of urls) {
    if (!url.startsWith('file:')) continue; // node: built-ins
    const rel = fileURLToPath(url.replace(/#packed$/, '')).slice(REPO_ROOT.length).replace(/^\//, '');
    const chunk = meta.outputs[rel];
    if (chunk) out.push(...Object.keys(chunk.inputs));
    else out.push(rel); // loaded outside the bundle (an external such as better-sqlite3, or a stray unbundled file)
  }
  return out;
}

// The bin is CommonJS (scripts/bundle-cli.mjs): every file it loads is in require.cache when it exits (the build
// turns each import() of a chunk into a require(); an ES module would not be listed). The chunks packed into the bin
// (scripts/pack-chunks.mjs) are no files: the bin lists those that ran in a global, here made the URLs their files
// would have (the metafile still names them).
const PRELOAD = `
const { appendFileSync, realpathSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
process.on('exit', () => {
  const urls = Object.keys(require.cache).filter((f) => f !== __filename).map((f) => pathToFileURL(f).href);
  for (const name of globalThis.${PACK_LOADED} ?? []) urls.push(pathToFileURL(join(dirname(realpathSync(process.argv[1])), name)).href + '#packed');
  // Node's own modules, as node:<name> (what the process loaded beyond node's bootstrap, e.g. node:net for a socket).
  for (const m of process.moduleLoadList) if (m.startsWith('NativeModule ') && !m.includes('internal/')) urls.push('node:' + m.slice(13));
  appendFileSync(process.env.STEWARD_TEST_IMPORTS, urls.map((u) => u + '\\n').join(''));
});
`;
/** The Node built-ins (node:net, node:crypto…) among the URLs `modulesLoadedBy` gave. */
export function builtinsOf(urls: string[]): string[] {
  return urls.filter((u) => u.startsWith('node:')).map((u) => u.slice(5));
}

/** The URLs of every module `steward args…` loads, its exit code and its stdout (`env` adds to the environment). */
export function modulesLoadedBy(ws: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; modules: string[]; stdout: string } {
  const dir = tempDir('steward-imports-');
  const preload = join(dir, 'preload.cjs');
  const log = join(dir, 'imports.log');
  writeFileSync(preload, PRELOAD);
  writeFileSync(log, '');
  const r = syncCapped(`steward ${args.join(' ')} (modules logged)`, (cap) => spawnSync(process.execPath, ['--require', preload, CLI, ...args], {
    cwd: ws,
    env: { ...process.env, STEWARD_DIR: '', ...env, STEWARD_TEST_IMPORTS: log },
    encoding: 'utf8',
    ...cap,
  }));
  return { code: r.status, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout: r.stdout };
}

