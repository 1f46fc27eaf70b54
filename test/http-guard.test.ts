// The HTTP guard of `steward up` and `steward mcp --http`: Host/Origin (DNS rebinding), no non-loopback bind without
// --allow-remote, slow clients cut (headers, body, idle), a connection cap. Timeouts are set tiny in the config, and the
// waits below are safety bounds far above them (Node's own defaults are a minute or more), never measurements.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { defaultConfig, type Config } from '../src/config/schema.js';
import { checkBindHost, isLoopbackName, requestProblem } from '../src/http/request-guard.js';
import { startMcpHttp } from '../src/mcp/http.js';
import { openStore } from '../src/store/open-store.js';
import { startUp, type UpHandle } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { cli, tempDir } from './support/helpers.js';

const TOKEN = 'triage-token-0123456789abcdef';
const WORKER = 'worker-token-0123456789abcdef';

async function startWith(over: Partial<Config['mcp']> = {}): Promise<{ up: UpHandle; port: number; lines: string[]; stop(): Promise<void> }> {
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  config.mcp = { ...config.mcp, tokens: { [TOKEN]: { role: 'triage' } }, ...over };
  config.dispatch = 'none';
  const lines: string[] = [];
  const up = await startUp({ workspace, config, store, port: 0, log: (l) => lines.push(l) });
  const port = Number(new URL(up.url).port);
  return { up, port, lines, stop: async () => { await up.drain(); store.close(); } };
}

/** A raw GET with the given headers (fetch will not let a test set Host). */
function get(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw request with the given headers; its status, headers and body. */
function send(port: number, path: string, headers: Record<string, string>, method: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with what the server sent once it closes the socket (rejects after a generous safety bound). */
function closedBy(socket: Socket, boundMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open past ${boundMs} ms`)), boundMs);
    socket.on('data', (d) => (got += String(d)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

test('Host and Origin: loopback names pass, any other name is 403 on every route (DNS rebinding)', async () => {
  const s = await startWith();
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`, 'localhost']) {
    assert.equal((await get(s.port, '/healthz', { host })).status, 200, host);
  }
  for (const path of ['/healthz', '/metrics', '/mcp', '/']) {
    const r = await get(s.port, path, { host: `evil.example.com:${s.port}`, ...auth });
    assert.equal(r.status, 403, `${path}: ${r.body}`);
    assert.match(r.body, /DNS rebinding/);
  }
  assert.equal((await get(s.port, '/metrics', { host: `127.0.0.1:${s.port}`, origin: 'http://evil.example.com', ...auth })).status, 403);
  assert.equal((await get(s.port, '/metrics', { host: `127.0.0.1:${s.port}`, origin: 'null', ...auth })).status, 403);
  assert.equal((await get(s.port, '/metrics', { host: `127.0.0.1:${s.port}`, origin: `http://localhost:${s.port}`, ...auth })).status, 200);
  await s.stop();
  // A name the config allows.
  const t = await startWith({ allowedHosts: ['steward.lan'] });
  assert.equal((await get(t.port, '/healthz', { host: `steward.lan:${t.port}` })).status, 200);
  assert.equal((await get(t.port, '/healthz', { host: `other.lan:${t.port}` })).status, 403);
  await t.stop();
});

test('a request target no URL parser takes is a 400, and the server goes on (it used to end the process)', async (t) => {
  const s = await startWith();
  const store = openStore(initWorkspace(tempDir()).workspace.dbPath);
  const mcp = await startMcpHttp({ store, tokens: { [TOKEN]: { role: 'triage' } }, port: 0, log: () => {}, beside: { prefix: '/api/worker/', handle: async (_q, r) => void r.end() } });
  t.after(async () => {
    await mcp.close();
    store.close();
    await s.stop();
  });
  for (const port of [s.port, Number(new URL(mcp.url).port)]) {
    for (const target of ['http://a:b/', 'http://[/mcp', 'http://a:99999/healthz']) {
      const sock = await open(port);
      const answer = closedBy(sock);
      sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      assert.match(await answer, /^HTTP\/1\.1 400 [^]*malformed request target/, target);
    }
  }
  assert.equal((await get(s.port, '/healthz', { host: `127.0.0.1:${s.port}` })).status, 200);
});

test('/healthz and /metrics answer GET and HEAD; any other method is 405 with Allow', async () => {
  const s = await startWith();
  try {
    const host = `127.0.0.1:${s.port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/healthz', '/metrics']) {
      assert.equal((await get(s.port, path, { host, ...auth }, 'HEAD')).status, 200, path);
      for (const method of ['POST', 'DELETE', 'PUT']) {
        const r = await get(s.port, path, { host, ...auth }, method);
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.match(r.body, /GET or HEAD only/);
      }
    }
  } finally {
    await s.stop();
  }
});

test('the board and the worker API: a method a path does not take is 405 with Allow naming the ones it takes', async () => {
  const s = await startWith({ tokens: { [TOKEN]: { role: 'triage' }, [WORKER]: { role: 'worker' } } });
  try {
    const host = `127.0.0.1:${s.port}`;
    const cases: Array<[string, string, string, string]> = [
      ['PUT', '/board', TOKEN, 'GET, HEAD'],
      ['POST', '/tasks/1', TOKEN, 'GET, HEAD'],
      ['DELETE', '/act/approve', TOKEN, 'POST'],
      ['PUT', '/login', TOKEN, 'GET, HEAD, POST'],
      ['GET', '/api/worker/claim', WORKER, 'POST'],
    ];
    for (const [method, path, token, allow] of cases) {
      const r = await send(s.port, path, { host, authorization: `Bearer ${token}` }, method);
      assert.equal(r.status, 405, `${method} ${path}: ${r.body}`);
      assert.equal(r.headers.allow, allow, `${method} ${path}`);
      const body = JSON.parse(r.body) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'USAGE', `${method} ${path}`);
      assert.ok(body.error.message.includes(`${method} ${path}`), body.error.message);
    }
  } finally {
    await s.stop();
  }
});

test('the pure checks: loopback names, malformed Host headers', () => {
  for (const n of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.9.9', '::1', '[::1]', 'app.localhost']) assert.ok(isLoopbackName(n), n);
  for (const n of ['0.0.0.0', '::', '10.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io', 'example.com']) assert.ok(!isLoopbackName(n), n);
  const req = (headers: Record<string, string>) => ({ headers }) as never;
  assert.match(String(requestProblem(req({}))), /Host/);
  assert.match(String(requestProblem(req({ host: 'user@localhost' }))), /Host/);
  assert.equal(requestProblem(req({ host: 'localhost:1' })), null);
});

test('a non-loopback bind is refused without --allow-remote, and warned about with it', async () => {
  assert.equal(checkBindHost('127.0.0.1', false), null);
  assert.throws(() => checkBindHost('0.0.0.0', false), (e: { code: string }) => e.code === 'USAGE');
  assert.match(String(checkBindHost('0.0.0.0', true)), /WARNING/);
  await assert.rejects(startWith({ host: '0.0.0.0' }), (e: { code: string; message: string }) => e.code === 'USAGE' && /--allow-remote/.test(e.message));
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const r = cli(['up', '--host', '0.0.0.0', '--port', '0'], { cwd: ws });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /refusing to serve on 0\.0\.0\.0.*--allow-remote/);
  const m = cli(['mcp', '--http', '--host', '0.0.0.0', '--port', '0'], { cwd: ws });
  assert.equal(m.code, 2, m.stderr);
  assert.match(m.stderr, /refusing to serve on 0\.0\.0\.0/);
});

test('slow clients are cut: headers never finished, a body that trickles, an idle keep-alive', async () => {
  const s = await startWith({ headersTimeoutMs: 150, requestTimeoutMs: 300, idleTimeoutMs: 150 });
  // Headers begun and never finished (slowloris).
  const a = await open(s.port);
  a.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
  assert.match(await closedBy(a), /^$|408/);
  // Headers done, the body never arrives in full.
  const b = await open(s.port);
  b.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":`);
  await closedBy(b);
  // One request answered, then the connection left idle.
  const c = await open(s.port);
  const done = closedBy(c);
  c.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: keep-alive\r\n\r\n`);
  assert.match(await done, /^HTTP\/1\.1 200/);
  await s.stop();
});

test('a connection cap: beyond it new connections are dropped; once some close, service resumes', async () => {
  const s = await startWith({ maxConnections: 3, headersTimeoutMs: 600_000, requestTimeoutMs: 600_000, idleTimeoutMs: 600_000 });
  const held = await Promise.all([open(s.port), open(s.port), open(s.port)]);
  for (const h of held) h.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
  // Each of these is accepted by the kernel and closed by the server at once, without an answer.
  for (let i = 0; i < 3; i++) {
    const extra = await open(s.port);
    const closed = closedBy(extra);
    extra.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
    assert.equal(await closed, '', 'no answer over the cap');
  }
  for (const h of held) {
    const closed = closedBy(h);
    h.destroy();
    await closed;
  }
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) status = (await get(s.port, '/healthz', { host: `127.0.0.1:${s.port}` }).catch(() => ({ status: 0 }))).status;
  assert.equal(status, 200);
  await s.stop();
});

test('connections that never send a byte are cut after the headers timeout, so they cannot hold the connection cap', async () => {
  const s = await startWith({ maxConnections: 3, headersTimeoutMs: 300, requestTimeoutMs: 600_000, idleTimeoutMs: 600_000 });
  const silent = await Promise.all([open(s.port), open(s.port), open(s.port)]);
  // Each is answered 408 and closed by the server (the bound in closedBy is a safety bound, far above 300 ms).
  for (const c of silent) assert.match(await closedBy(c), /^HTTP\/1\.1 408 /);
  assert.equal((await get(s.port, '/healthz', { host: `127.0.0.1:${s.port}` })).status, 200);
  // A connection that sent its request in time is answered.
  const held = await open(s.port);
  held.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
  const answered = await new Promise<string>((resolve) => held.once('data', (d) => resolve(String(d))));
  assert.match(answered, /^HTTP\/1\.1 200/);
  held.destroy();
  await s.stop();
});
