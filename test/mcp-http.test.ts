// Streamable HTTP: bearer tokens decide role and actor; 401 without one; bound to 127.0.0.1 by default.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { addTask, showTask } from '../src/ops/index.js';
import { startMcpHttp } from '../src/mcp/http.js';
import { loadMcpTokens } from '../src/mcp/tokens.js';
import type { Store } from '../src/store/open-store.js';
import { capped, exited, killChildren, stderrTail, tracked } from './helpers/processes.js';
import { at, CLI, cli, tempDir, tempStore } from './support/helpers.js';

afterEach(killChildren);
import { fails, ok } from './support/mcp.js';

const PLANNER = 'planner-token-0123456789abcdef';
const WORKER = 'worker-token-0123456789abcdef';
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
const ACCEPT = 'application/json, text/event-stream';

async function clientFor(url: string, token: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return client;
}

async function post(url: string, headers: Record<string, string>, body: unknown = INIT): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: JSON.stringify(body) });
}

describe('MCP over streamable HTTP', () => {
  let store: Store;
  let http: Awaited<ReturnType<typeof startMcpHttp>>;
  before(async () => {
    store = tempStore();
    http = await startMcpHttp({ store, tokens: { [PLANNER]: { role: 'planner' }, [WORKER]: { role: 'worker', name: 'bot-7' } }, port: 0, log: () => {} });
  });
  after(async () => {
    await http.close();
    store.close();
  });

  test('binds 127.0.0.1 by default, and only that address', async () => {
    assert.equal(http.host, '127.0.0.1');
    assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await assert.rejects(
        new Promise((resolve, reject) => {
          const s = tcpConnect(http.port, external.address, () => resolve(s.end()));
          s.on('error', reject);
        }),
        /ECONNREFUSED/,
      );
    }
  });

  test('401 without a token, with a bad token, or with another scheme; the body is a JSON-RPC error', async () => {
    const cases: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-a-real-token-at-all' }, { authorization: `Basic ${PLANNER}` }, { authorization: `Bearer ${PLANNER}x` }];
    for (const headers of cases) {
      const res = await post(http.url, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /unauthorized/);
    }
    assert.equal((await fetch(http.url)).status, 401, 'GET without a token');
  });

  test('a valid token: POST works; GET is 405 (stateless); a missing Accept is 406; another path 404', async () => {
    const res = await post(http.url, { authorization: `Bearer ${PLANNER}` });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name, 'steward');
    assert.equal((await fetch(http.url, { headers: { authorization: `Bearer ${PLANNER}` } })).status, 405);
    const noAccept = await fetch(http.url, { method: 'POST', headers: { authorization: `Bearer ${PLANNER}`, 'content-type': 'application/json' }, body: JSON.stringify(INIT) });
    assert.equal(noAccept.status, 406);
    assert.equal((await post(http.url.replace('/mcp', '/other'), { authorization: `Bearer ${PLANNER}` })).status, 404);
    const bad = await fetch(http.url, { method: 'POST', headers: { authorization: `Bearer ${PLANNER}`, accept: ACCEPT, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(bad.status, 400);
  });

  test('the planner token cannot claim (FORBIDDEN); the worker token claims, and its name is the actor', async () => {
    addTask(store, { title: 'over http' }, at(Date.now() - 1000));
    const planner = await clientFor(http.url, PLANNER);
    assert.deepEqual((await planner.listTools()).tools.map((t) => t.name).sort(), ['list', 'propose', 'show']);
    fails((await planner.callTool({ name: 'claim', arguments: { agent: 'a' } })) as any, 'FORBIDDEN');
    ok((await planner.callTool({ name: 'list', arguments: {} })) as any);
    await planner.close();
    const worker = await clientFor(http.url, WORKER);
    const claimed = ok((await worker.callTool({ name: 'claim', arguments: { agent: 'coder' } })) as any);
    assert.equal(claimed.task.title, 'over http');
    ok((await worker.callTool({ name: 'complete', arguments: { run_id: claimed.run.id, summary: 'ok' } })) as any);
    // The run row records both (the timeline merges it with the events).
    const actors = showTask(store, { id: claimed.task.id }).events.slice(0, 2).map((e) => `${e.kind}:${e.actor}`);
    assert.deepEqual(actors, ['completed:bot-7', 'claimed:bot-7']);
    await worker.close();
  });
});

describe('MCP over HTTP: the largest report', () => {
  test('a complete with every field at its limit is taken; a body past the limit is 413', async () => {
    const store = tempStore();
    const http = await startMcpHttp({ store, tokens: { [WORKER]: { role: 'worker', name: 'bot-7' } }, port: 0, log: () => {} });
    try {
      addTask(store, { title: 'big report' }, at(Date.now() - 1000));
      const worker = await clientFor(http.url, WORKER);
      const claimed = ok((await worker.callTool({ name: 'claim', arguments: { agent: 'coder' } })) as any);
      // JSON writes a control character in six bytes: each field at its limit, the request ~1.1 MB.
      const payload = { text: '\u0001'.repeat(Math.floor((256 * 1024 - 20) / 6)) };
      const args = { run_id: claimed.run.id, summary: '\u0001'.repeat(100_000), artifacts: payload, evidence: payload };
      assert.ok(JSON.stringify(args).length > 1024 * 1024);
      ok((await worker.callTool({ name: 'complete', arguments: args })) as any);
      assert.equal(store.tasks.get(claimed.task.id)!.status, 'done');
      await worker.close();
      const over = await post(http.url, { authorization: `Bearer ${WORKER}` }, { ...INIT, pad: 'x'.repeat(2 * 1024 * 1024) });
      assert.equal(over.status, 413);
    } finally {
      await http.close();
      store.close();
    }
  });
});

describe('loadMcpTokens', () => {
  test('takes mcp.tokens of the config and STEWARD_MCP_TOKENS (env adds and overrides)', () => {
    assert.deepEqual(loadMcpTokens(undefined, {}), {}, 'no config tokens, no env: no tokens');
    const fromConfig = { [PLANNER]: { role: 'planner', name: 'plan-bot' }, [WORKER]: { role: 'worker' } };
    assert.deepEqual(loadMcpTokens(fromConfig, {}), fromConfig);
    const env = { STEWARD_MCP_TOKENS: JSON.stringify({ [WORKER]: { role: 'triage', name: 'tri' } }) };
    assert.deepEqual(loadMcpTokens(fromConfig, env)[WORKER], { role: 'triage', name: 'tri' });
  });

  test('a bad token entry fails with its path, never echoing the token', () => {
    const secret = 'secret-token-abcdefghijklmnop';
    assert.throws(() => loadMcpTokens({ [secret]: { role: 'admin' } }, {}), (e: any) => {
      assert.equal(e.code, 'VALIDATION');
      assert.match(e.message, /^mcp\.tokens\.secr….role: /);
      assert.ok(!e.message.includes(secret) && !JSON.stringify(e.details).includes(secret));
      return true;
    });
    assert.throws(() => loadMcpTokens(undefined, { STEWARD_MCP_TOKENS: '{"short": {"role": "worker"}}' }), /at least 16 characters/);
    assert.throws(() => loadMcpTokens(undefined, { STEWARD_MCP_TOKENS: '{oops' }), (e: any) => e.code === 'PARSE_ERROR');
  });
});

test('steward mcp --http serves until SIGTERM, with tokens from STEWARD_MCP_TOKENS', async () => {
  const bare = tempDir();
  mkdirSync(join(bare, '.steward'));
  assert.equal(cli(['mcp', '--http', '--dir', bare], { cwd: bare }).code, 2, 'no tokens: a usage error');
  const dir = tempDir();
  cli(['init', '--dir', dir], { cwd: dir });
  const env = { ...process.env, STEWARD_DIR: '', STEWARD_MCP_TOKENS: JSON.stringify({ [WORKER]: { role: 'worker' } }) };
  const child = tracked(spawn(process.execPath, [CLI, 'mcp', '--http', '--port', '0', '--dir', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  const url = await capped(new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
      const m = /streamable HTTP on (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`exited early: ${err}`)));
  }), 'steward mcp --http to say where it serves', child);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  const client = await clientFor(url, WORKER);
  assert.deepEqual(ok((await client.callTool({ name: 'claim', arguments: { agent: 'a' } })) as any), { task: null });
  await client.close();
  child.kill('SIGTERM');
  assert.deepEqual(await exited(child, 'steward mcp --http to stop on SIGTERM'), [0, null], stderrTail(child));
  assert.equal(stdout, '');
});
