// The CLI loads only the module of the command it runs: `steward claim` must not pay for the MCP
// SDK, execa, the tick or the runner. Checked with a resolve hook that logs every module a real
// `steward` process loads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { COMMAND_NAMES, loadCommand } from '../src/cli/commands/index.js';
import { CLI, cli, tempDir } from './support/helpers.js';

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
function modulesLoadedBy(ws: string, args: string[]): { code: number | null; modules: string[] } {
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

describe('CLI start-up', () => {
  let ws: string;
  before(() => {
    ws = tempDir();
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
  });

  test('every registered command loads, under its own name, and help lists them all in order', async () => {
    assert.equal(COMMAND_NAMES.length, new Set(COMMAND_NAMES).size);
    for (const name of COMMAND_NAMES) assert.equal((await loadCommand(name))?.name, name);
    assert.equal(await loadCommand('nope'), undefined);
    assert.equal(await loadCommand('constructor'), undefined);
    const help = cli(['help'], { cwd: ws });
    assert.equal(help.code, 0);
    const listed = help.stdout.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    assert.deepEqual(listed, [...COMMAND_NAMES]);
    const unknown = cli(['nope'], { cwd: ws });
    assert.deepEqual([unknown.code, unknown.stderr.trim()], [2, 'error USAGE: unknown command nope; see steward help']);
  });

  test('claim, complete and list load neither the MCP SDK, execa, the tick nor the runner; mcp loads its own module', () => {
    const heavy = /node_modules\/(@modelcontextprotocol|execa|gray-matter)\/|dist\/src\/(tick|runner|mcp|up|board)\//;
    for (const args of [['claim', '--agent', 'a', '--json'], ['complete', '1', '--json'], ['list', '--json']]) {
      const { code, modules } = modulesLoadedBy(ws, args);
      assert.ok(code === 0 || code === 3, `${args[0]} exit ${code}`);
      assert.ok(modules.some((m) => m.endsWith('/dist/src/cli/commands/tasks.js') || m.endsWith('/dist/src/cli/commands/runs.js')), `${args[0]}: the hook logged ${modules.length} modules`);
      assert.deepEqual(modules.filter((m) => heavy.test(m)), [], args[0]);
    }
    const help = modulesLoadedBy(ws, ['mcp', '--help']);
    assert.equal(help.code, 0);
    assert.ok(help.modules.some((m) => m.includes('/dist/src/cli/commands/mcp.js')));
  });
});
