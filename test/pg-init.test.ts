// The queue on Postgres named by the workspace's config (`database.url`, no environment variable): `steward init`
// creates it there — its schema, migrated — and no queue.db; a command run before init finds no queue and says so
// (UNAVAILABLE, as for a missing queue.db) without leaving an empty schema behind; after init every command uses it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { cli, tempDir } from './support/helpers.js';
import { freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(async () => {
  if (!('skip' in server)) await server.stop();
});

/** No database in the environment (under test:pg the suite sets one): only the config names it. */
const NO_ENV = { STEWARD_DATABASE_URL: '', STEWARD_DATABASE_SCHEMA: '' };

async function schemaExists(schema: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    await c.end();
  }
}

test('steward init creates the queue in the Postgres database the config names; before it, commands refuse without creating a schema', { skip, timeout: 300_000 }, async () => {
  const ws = tempDir('steward-pg-init-');
  const schema = freshSchema('init');
  // The config first (as a user would write it before init: init keeps an existing config.yaml).
  mkdirSync(join(ws, '.steward'), { recursive: true });
  writeFileSync(join(ws, '.steward/config.yaml'), `database:\n  url: ${url}\n  schema: ${schema}\n`, { mode: 0o600 });

  const before = cli(['list', '--json'], { cwd: ws, env: NO_ENV });
  assert.equal(before.code, 5, before.stderr);
  const error = JSON.parse(before.stderr).error;
  assert.equal(error.code, 'UNAVAILABLE');
  assert.match(error.message, new RegExp(`no steward queue in schema ${schema}`));
  assert.equal(await schemaExists(schema), false, 'a refused command left an empty schema behind');

  const init = cli(['init', '--json'], { cwd: ws, env: NO_ENV });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.json.db, new RegExp(`^postgres://.*\\(schema ${schema}\\)$`));
  assert.equal(await schemaExists(schema), true);
  assert.equal(existsSync(join(ws, '.steward/queue.db')), false, 'init made a SQLite queue the config does not name');

  const added = cli(['add', 'kept in Postgres', '--json'], { cwd: ws, env: NO_ENV });
  assert.equal(added.code, 0, added.stderr);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = await c.query(`SELECT title FROM ${JSON.stringify(schema)}.tasks`);
    assert.deepEqual(rows.rows.map((r) => r.title), ['kept in Postgres']);
  } finally {
    await c.end();
  }
  assert.equal(existsSync(join(ws, '.steward/queue.db')), false);
});
