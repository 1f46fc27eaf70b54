// A tarball install works: `npm pack` this repository, install the tarball into a temp prefix, and run the installed
// `steward --version` and `steward init` (nothing from the repository's own dist/ or node_modules/.bin is used).
// better-sqlite3 is linked from this repository's node_modules (already built), so the test does not spend minutes
// compiling SQLite; every other dependency installs from the npm cache or registry as a user's would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncCapped } from './helpers/processes.js';
import { onPostgres } from './support/backend.js';
import { REPO_ROOT, tempDir } from './support/helpers.js';

/** npm, capped at 10 minutes (an install from the registry on a loaded machine is slow; a hang still fails, inside the test's limit). */
const npm = (cwd: string, args: string[]) => syncCapped(`npm ${args.slice(0, 2).join(' ')}`, (cap) =>
  spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }, ...cap }), 600_000);

test('npm pack → install the tarball into a temp prefix → steward --version and steward init work', { timeout: 900_000 }, (t) => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const packDir = tempDir('steward-pack-');
  // dist/ is built already (the suite runs from it): pack without running prepare again.
  const pack = npm(REPO_ROOT, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir]);
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = info!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/steward.cjs') && files.includes('dist/src/cli/main.js'), 'the tarball carries the built CLI (and the main.js that runs it)');
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('src/') || f.startsWith('.steward')), 'and not tests, sources or a workspace');
  const tarball = join(packDir, info!.filename);

  const prefix = tempDir('steward-prefix-');
  const sqlite = join(REPO_ROOT, 'node_modules/better-sqlite3');
  const install = npm(prefix, ['install', '--prefix', prefix, '--no-save', '--prefer-offline', '--ignore-scripts', '--no-package-lock', tarball, sqlite]);
  if (install.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(install.stderr)) {
    t.skip(`no npm registry or cache for the dependencies here: ${install.stderr.split('\n').find((l) => /ERR/.test(l)) ?? ''}`);
    return;
  }
  assert.equal(install.status, 0, install.stderr);
  const bin = join(prefix, 'node_modules/.bin/steward');
  assert.ok(existsSync(bin), 'npm linked the bin');
  assert.ok(realpathSync(bin).startsWith(realpathSync(prefix)), 'the bin is the installed copy, not this repository');

  const ws = tempDir('steward-installed-ws-');
  const run = (...args: string[]) => syncCapped(`the installed steward ${args.join(' ')}`, (cap) => spawnSync(bin, args, { cwd: ws, encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' }, ...cap }));
  const v = run('--version');
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, `steward ${version}\n`);
  const init = run('init', '--json');
  assert.equal(init.status, 0, init.stderr);
  const out = JSON.parse(init.stdout) as { workspace: string; mcp_server: { command: string; args: string[] } };
  assert.equal(realpathSync(out.workspace), realpathSync(ws));
  assert.ok(existsSync(join(ws, '.steward/config.yaml')) && existsSync(join(ws, 'TASKS.md')));
  // The queue is the SQLite file, or (under test:pg) a schema on the server and no file at all.
  assert.equal(existsSync(join(ws, '.steward/queue.db')), !onPostgres);
  // The MCP command init prints is absolute and runs this installation.
  assert.equal(out.mcp_server.command, process.execPath);
  assert.ok(realpathSync(out.mcp_server.args[0]!).startsWith(realpathSync(prefix)), out.mcp_server.args[0]);
  const viaPrinted = syncCapped('the printed MCP command --version', (cap) => spawnSync(out.mcp_server.command, [out.mcp_server.args[0]!, '--version'], { encoding: 'utf8', ...cap }));
  assert.equal(viaPrinted.stdout, `steward ${version}\n`);
  const add = run('add', 'from the tarball', '--json');
  assert.equal(add.status, 0, add.stderr);
});
