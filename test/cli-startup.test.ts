// The CLI loads only the module of the command it runs: `steward claim` must not pay for the MCP
// SDK, execa, the tick or the runner. Checked with a resolve hook that logs every module a real
// `steward` process loads; the bin is esbuild's bundle (scripts/bundle-cli.mjs), so each chunk it loads is
// mapped back to the sources in it with the build's metafile (dist/bundle-meta.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { COMMAND_NAMES, loadCommand } from '../src/cli/commands/index.js';
import { onPostgres } from './support/backend.js';
import { REPO_ROOT, cli, tempDir } from './support/helpers.js';
import { builtinsOf, modulesLoadedBy, sourcesOf } from './support/modules-loaded.js';

describe('CLI start-up', () => {
  let ws: string;
  before(() => {
    ws = tempDir();
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    assert.equal(cli(['add', 'one'], { cwd: ws }).code, 0);
    assert.equal(cli(['list'], { cwd: ws }).code, 0); // writes .steward/config.cache.json
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

  test('claim, complete, list and show load neither the MCP SDK, execa, the tick, the runner, zod, yaml, croner nor pg; mcp loads its own module', () => {
    // zod (src/core/schemas.ts) stays out while the input is plain (core/fast-input.ts) and the config cache is current.
    // croner (schedules) stays out too (a rate limit's "resets 3pm" is read without it: core/clock-time.ts), and so does
    // the Postgres client on a SQLite workspace; of node's own modules, none that opens sockets, workers, processes or
    // hashes (each pulls node:stream in: the Postgres backend's code is in the store's chunk, its built-ins load lazily).
    const heavy = /^node_modules\/(@modelcontextprotocol|execa|gray-matter|zod|yaml|js-yaml|croner|pg|pg-[\w-]+)\/|^src\/(tick|runner|mcp|up|board|web)\/|^src\/core\/(schemas|schedule)\.ts$|^src\/config\/schema\.ts$/;
    const heavyBuiltins = /^(net|crypto|worker_threads|child_process|stream|http|https|dgram|tls)$/;
    for (const args of [['claim', '--agent', 'a', '--json'], ['complete', '1', '--json'], ['list', '--json'], ['show', '1'], ['list', '--status', 'ready,running', '--limit', '5']]) {
      const { code, modules } = modulesLoadedBy(ws, args);
      assert.ok(code === 0 || code === 3, `${args[0]} exit ${code}`);
      const sources = sourcesOf(modules);
      assert.ok(sources.includes('src/cli/commands/read.ts') || sources.includes('src/cli/commands/runs.ts'), `${args[0]}: the hook logged ${modules.length} modules`);
      assert.deepEqual(sources.filter((m) => heavy.test(m)), [], args[0]);
      // On a Postgres queue the bridge needs worker_threads, crypto and sockets: the built-ins check is the SQLite path's.
      if (!onPostgres) assert.deepEqual(builtinsOf(modules).filter((m) => heavyBuiltins.test(m)), [], args[0]);
    }
    // Input the hand check passes on: zod is loaded then, and its message is the answer.
    const odd = modulesLoadedBy(ws, ['show', '01x']);
    assert.equal(odd.code, 2);
    assert.ok(sourcesOf(odd.modules).includes('src/core/schemas.ts'));
    const help = modulesLoadedBy(ws, ['mcp', '--help']);
    assert.equal(help.code, 0);
    assert.ok(sourcesOf(help.modules).includes('src/cli/commands/mcp.ts'));
  });

  test('the bin is the CommonJS bundle: list, show, claim and complete run from the bin alone (their chunks packed into it, better-sqlite3\'s JavaScript bundled; only its addon is another file), no per-file tsc output; --version loads no config, zod or SQLite (the early waiter’s workspace lookup is allowed)', () => {
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/bundle-meta.json'), 'utf8')) as { inputs: object; packed: string[] };
    assert.ok(Object.keys(meta.inputs).some((s) => s.startsWith('node_modules/zod/')), 'zod is bundled');
    assert.ok(Object.keys(meta.inputs).some((s) => s.startsWith('node_modules/better-sqlite3/lib/')), 'better-sqlite3 is bundled');
    for (const args of [['list', '--json'], ['show', '1'], ['claim', '--agent', 'a', '--json'], ['complete', '1', '--json']]) {
      const { code, modules } = modulesLoadedBy(ws, args);
      assert.ok(code === 0 || code === 3 || code === 4, `${args[0]} exit ${code}`);
      const files = modules.filter((m) => m.startsWith('file:')).map((m) => fileURLToPath(m).slice(REPO_ROOT.length).replace(/^\//, ''));
      // On a Postgres queue no SQLite is opened, so its addon is not loaded either (the bridge's worker thread is not
      // this thread's module list).
      const expected = onPostgres ? ['dist/src/cli/steward.cjs'] : ['dist/src/cli/steward.cjs', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'];
      assert.deepEqual(files.filter((f) => !meta.packed.some((p) => f === `dist/src/cli/${p}`)), expected, args[0]);
      assert.ok(files.some((f) => meta.packed.some((p) => f === `dist/src/cli/${p}`)), `${args[0]} ran packed chunks`);
    }
    // A command off the hot path still loads its own chunk files.
    const help = modulesLoadedBy(ws, ['mcp', '--help']);
    assert.ok(help.modules.some((m) => /\/chunk-\w+\.cjs$/.test(m)), help.modules.join(' '));
    const version = modulesLoadedBy(ws, ['--version']);
    assert.equal(version.code, 0);
    const loaded = sourcesOf(version.modules);
    assert.deepEqual(loaded.filter((m) => /^node_modules\/|^src\/(config|store|ops)\//.test(m)), [], loaded.join(' '));
  });

  test('doctor --bench prints the start-up row of every measured command against bare node, and leaves the workspace alone', () => {
    const before = cli(['list', '--json'], { cwd: ws }).stdout;
    const text = cli(['doctor', '--bench', '--rounds', '1'], { cwd: ws });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.match(lines[0]!, /^CLI start-up, 1 rounds, medians, against bare node/);
    for (const label of ['`node -e 0` (baseline)', '`steward --version`', '`steward list`', '`steward show 1`', '`steward claim`', '`steward complete RUN`', '`steward tick` (quiet)', '`steward tick` (after a change)']) {
      assert.ok(lines.some((l) => l.startsWith(label) && /\d+ ms +\d+\.\d\d× .*MB +\d+\.\d\d×/.test(l)), `${label} in:\n${text.stdout}`);
    }
    assert.doesNotMatch(text.stdout, /FAILED/);
    const json = cli(['doctor', '--bench', '--rounds', '1', '--json'], { cwd: tempDir() });
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as { rounds: number; rows: Array<{ label: string; wallRatio: number; rssRatio: number; failures: string[] }> };
    assert.equal(r.rounds, 1);
    assert.equal(r.rows.length, 7);
    assert.ok(r.rows.every((row) => row.wallRatio > 0 && row.rssRatio > 0 && row.failures.length === 0), json.stdout);
    assert.equal(cli(['list', '--json'], { cwd: ws }).stdout, before);
    const bad = cli(['doctor', '--bench', '--rounds', '0'], { cwd: ws });
    assert.deepEqual([bad.code, bad.stderr.trim()], [2, 'error USAGE: --rounds takes a whole number from 1 to 1000, got 0']);
  });
});
