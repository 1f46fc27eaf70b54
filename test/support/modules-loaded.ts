// Which modules a real `steward` process loads: a resolve hook logs every module URL, and the bundle's metafile
// (dist/bundle-meta.json, written by scripts/bundle-cli.mjs) maps each chunk back to the sources in it.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI, REPO_ROOT, tempDir } from './helpers.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/** The sources (repository-relative: src/…, node_modules/…) behind the module URLs a bundled CLI process loaded. */
export function sourcesOf(urls: string[]): string[] {
  const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/bundle-meta.json'), 'utf8')) as Metafile;
  const out: string[] = [];
  for (const url of urls) {
    if (!url.startsWith('file:')) continue; // node: built-ins
    const rel = fileURLToPath(url).slice(REPO_ROOT.length).replace(/^\//, '');
    const chunk = meta.outputs[rel];
    if (chunk) out.push(...Object.keys(chunk.inputs));
    else out.push(rel); // loaded outside the bundle (an external such as better-sqlite3, or a stray unbundled file)
  }
  return out;
}

const HOOK = `
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => appendFileSync(process.env.STEWARD_TEST_IMPORTS, url + '\\n'));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(
  'let port; export function initialize(d) { port = d.port }' +
  'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r }'),
  { data: { port: port2 }, transferList: [port2] });
`;

/** The URLs of every module `steward args…` loads, and its exit code. */
export function modulesLoadedBy(ws: string, args: string[]): { code: number | null; modules: string[] } {
  const dir = tempDir('steward-imports-');
  const hook = join(dir, 'hook.mjs');
  const log = join(dir, 'imports.log');
  writeFileSync(hook, HOOK);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, CLI, ...args], {
    cwd: ws,
    env: { ...process.env, STEWARD_DIR: '', STEWARD_TEST_IMPORTS: log },
    encoding: 'utf8',
  });
  return { code: r.status, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

