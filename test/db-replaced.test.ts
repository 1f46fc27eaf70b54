// The database file deleted or replaced while `steward up` runs: writes refused (UNAVAILABLE), /healthz 503, said loudly;
// and the CLI never creates a queue.db outside `init` (on Postgres: never a queue's schema).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig } from '../src/config/schema.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { quoteIdent } from '../src/store/pg/pg-migrations.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { onPostgres, sqliteOnly } from './support/backend.js';
import { cli, tempDir } from './support/helpers.js';
import { fails, ok } from './support/mcp.js';
import { waitFor } from './helpers/processes.js';

const TOKEN = 'planner-token-0123456789abcdef';

async function upWithClient() {
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  config.mcp.tokens = { [TOKEN]: { role: 'planner' } };
  config.dispatch = 'none';
  const lines: string[] = [];
  const up = await startUp({ workspace, config, store, port: 0, log: (l) => lines.push(l) });
  const transport = new StreamableHTTPClientTransport(new URL(up.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });
  const client = new Client({ name: 'db-test', version: '1.0.0' });
  await client.connect(transport);
  const propose = async (title: string) => (await client.callTool({ name: 'propose', arguments: { title } })) as CallToolResult;
  const stop = async () => {
    await client.close();
    await up.drain();
    store.close();
  };
  return { workspace, store, up, lines, propose, stop };
}

for (const how of ['deleted', 'replaced'] as const) {
  test(`queue.db ${how} while up runs: MCP writes are UNAVAILABLE, /healthz 503, the tick says so loudly`, sqliteOnly(`the database file ${how} under a running process`), async () => {
    const s = await upWithClient();
    ok(await s.propose('before'));
    assert.equal((await fetch(`${s.up.url}/healthz`)).status, 200);
    const db = s.workspace.dbPath;
    if (how === 'deleted') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
    } else {
      copyFileSync(db, `${db}.copy`);
      renameSync(`${db}.copy`, db);
    }
    const err = fails(await s.propose('after'), 'UNAVAILABLE');
    assert.match(err.message, new RegExp(`${how}`));
    const health = await fetch(`${s.up.url}/healthz`);
    assert.equal(health.status, 503);
    const said = await health.text();
    assert.match(said, new RegExp(`queue\\.db was ${how}`));
    assert.ok(!said.includes(s.workspace.root), `/healthz needs no token: it names no path (${said})`);
    // The next tick reports it (waitFor's limit is a safety net against a hang, not a timing assertion).
    s.up.poke('test');
    const lost = () => s.lines.some((l) => /DATABASE LOST/.test(l));
    await waitFor("DATABASE LOST in up's log", () => (lost() ? true : undefined)).catch(() => undefined);
    assert.ok(lost(), s.lines.join('\n'));
    await s.stop();
    if (how === 'deleted') assert.equal(existsSync(db), false, 'nothing recreated the file');
  });
}

test('the CLI never creates a queue.db outside init: a missing database is a clear UNAVAILABLE (exit 5)', sqliteOnly('the queue.db file deleted'), () => {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const db = `${ws}/.steward/queue.db`;
  assert.equal(cli(['add', 'one'], { cwd: ws }).code, 0);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  for (const args of [['add', 'two'], ['list'], ['tick'], ['claim', '--agent', 'a']]) {
    const r = cli(args, { cwd: ws });
    assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error UNAVAILABLE: no database at .*queue\.db.*steward init/);
    assert.equal(existsSync(db), false, `${args[0]} created a new queue.db`);
  }
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  assert.equal(existsSync(db), true, 'init creates it');
  assert.equal(cli(['list'], { cwd: ws }).code, 0);
});

// The same rule on Postgres, where the queue is a schema: dropped, every command but init refuses and creates nothing.
test('on Postgres the CLI never creates a queue outside init: a dropped schema is a clear UNAVAILABLE (exit 5)', { skip: onPostgres ? false : 'Postgres only: the queue as a schema' }, () => {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  assert.equal(cli(['add', 'one'], { cwd: ws }).code, 0);
  const store = openStore(`${ws}/.steward/queue.db`);
  try {
    const schema = store.backend!.schema;
    const schemaExists = () => (store.db.prepare('SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = ?').get(schema) as { n: number }).n === 1;
    assert.ok(schemaExists());
    store.db.exec(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    for (const args of [['add', 'two'], ['list'], ['tick'], ['claim', '--agent', 'a']]) {
      const r = cli(args, { cwd: ws });
      assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^error UNAVAILABLE: no steward queue in schema ${schema} .*steward init`));
      assert.equal(schemaExists(), false, `${args[0]} created the schema again`);
    }
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    assert.equal(schemaExists(), true, 'init creates it');
    const list = cli(['list', '--json'], { cwd: ws });
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /"one"/, 'an empty queue, not the dropped one');
  } finally {
    store.close();
  }
});
