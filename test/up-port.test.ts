// Ports: a second workspace's `steward up` finds a free port when the configured one is taken, writes where it
// listens to .steward/up.json (read by `steward status`), and a port asked for by flag that is taken is UNAVAILABLE.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { cli, tempDir } from './support/helpers.js';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('the configured port taken: up serves on a free one, says so, and writes it to .steward/up.json for status', async () => {
  const taken = await occupy();
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  config.dispatch = 'none';
  config.mcp.port = taken.port;
  const lines: string[] = [];
  const up = await startUp({ workspace, config, store, log: (l) => lines.push(l) });
  try {
    const port = Number(new URL(up.url).port);
    assert.notEqual(port, taken.port);
    assert.ok(lines.some((l) => l.includes(`127.0.0.1:${taken.port} is taken`)), lines.join('\n'));
    // The way to insist on a port is --port (a config's mcp.port is the port it just fell back from).
    assert.ok(lines.some((l) => l.includes('steward up --port N insists on one')), lines.join('\n'));
    const file = JSON.parse(readFileSync(join(workspace.stewardDir, 'up.json'), 'utf8'));
    assert.deepEqual([file.pid, file.port, file.url, file.mcp_url], [process.pid, port, up.url, up.mcpUrl]);
    assert.equal(await (await fetch(`${file.url}/healthz`)).text(), 'ok\n');
    const status = cli(['status', '--json'], { cwd: workspace.root });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.json.up.mcp_url, up.mcpUrl);
    assert.equal(status.json.up.alive, true);
    assert.match(cli(['status'], { cwd: workspace.root }).stdout, new RegExp(`MCP ${up.mcpUrl.replace(/[.]/g, '\\.')}`));
  } finally {
    await up.drain();
    store.close();
    taken.server.close();
  }
  assert.equal(existsSync(join(workspace.stewardDir, 'up.json')), false, 'removed when up stops');
  assert.match(cli(['status'], { cwd: workspace.root }).stdout, /^up +not running/m);
});

test('a port given with --port that is taken: UNAVAILABLE (exit 5) naming the fix, nothing left behind', async () => {
  const taken = await occupy();
  const ws = tempDir();
  try {
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    const r = cli(['up', '--port', String(taken.port)], { cwd: ws });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`^error UNAVAILABLE: 127\\.0\\.0\\.1:${taken.port} is already in use .*pass --port 0 for any free port`, 'm'));
    assert.equal(existsSync(join(ws, '.steward/up.json')), false);
    assert.equal(existsSync(join(ws, '.steward/up.lock')), false, 'the instance lock is released');
  } finally {
    taken.server.close();
  }
});
