// The board's live streams against steward up's connection cap (real sockets): one token's streams, or all of them,
// never fill it, so the worker API and MCP are still answered; a closed stream frees its slot.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { openStore } from '../src/store/open-store.js';
import { startUp } from '../src/up/up.js';
import { initWorkspace } from '../src/workspace/init-workspace.js';
import { tempDir } from './support/helpers.js';

const TOKENS = { viewer: 'viewer-token-0123456789abcdef', triage: 'triage-token-0123456789abcdef', worker: 'worker-token-0123456789abcdef' };

/** Sends one raw request on a new connection; resolves with the status and the socket (still open for a stream). */
function ask(port: number, head: string, body = ''): Promise<{ status: number; text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, socket });
    socket.on('data', (c) => {
      text += String(c);
      if (text.includes('\r\n\r\n') && /^HTTP\/1\.1 200/.test(text) && /text\/event-stream/.test(text)) done();
    });
    socket.on('close', done);
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? done() : reject(err)));
    socket.write(`${head.replaceAll('\n', '\r\n')}\r\nHost: 127.0.0.1:${port}\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
  });
}

const stream = (port: number, token: string) => ask(port, `GET /events HTTP/1.1\nAuthorization: Bearer ${token}`);

test('one token\'s live streams, or all of them, never fill the connection cap: MCP and the worker API are still answered', { timeout: 120_000 }, async () => {
  const { workspace } = initWorkspace(tempDir());
  const store = openStore(workspace.dbPath);
  const config = defaultConfig();
  config.mcp.tokens = { [TOKENS.viewer]: { role: 'viewer' }, [TOKENS.triage]: { role: 'triage' }, [TOKENS.worker]: { role: 'worker', name: 'w1' } };
  config.mcp.maxConnections = 8; // streams: 2 in all (a quarter), 1 per token
  config.dispatch = 'none';
  const up = await startUp({ workspace, config, store, port: 0, log: () => undefined });
  const port = Number(new URL(up.url).port);
  const open: Socket[] = [];
  try {
    // A viewer token asks for as many streams as there are connections: it gets its share, the rest are refused.
    const tries = [];
    for (let i = 0; i < config.mcp.maxConnections; i++) tries.push(await stream(port, TOKENS.viewer));
    open.push(...tries.map((t) => t.socket));
    assert.deepEqual(tries.map((t) => t.status), [200, ...Array(7).fill(503)]);
    assert.match(tries[1]!.text, /"code":"BUSY".*this token has 1 live streams open already/);
    // Another token still gets a stream; past the cap in all a third is refused.
    const triage = await stream(port, TOKENS.triage);
    open.push(triage.socket);
    assert.equal(triage.status, 200);
    const third = await stream(port, TOKENS.worker);
    assert.equal(third.status, 503);
    assert.match(third.text, /2 live streams are open already \(at most 2\)/);
    // The worker API and MCP are answered while every stream is held.
    const mcp = await ask(port, `POST /mcp HTTP/1.1\nAuthorization: Bearer ${TOKENS.worker}\nContent-Type: application/json\nAccept: application/json, text/event-stream\nConnection: close`, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    assert.equal(mcp.status, 200, mcp.text);
    const claim = await ask(port, `POST /api/worker/claim HTTP/1.1\nAuthorization: Bearer ${TOKENS.worker}\nContent-Type: application/json\nConnection: close`, JSON.stringify({ agent: 'nobody' }));
    assert.equal(claim.status, 400, claim.text); // answered: the claim's own check, not a dropped connection
    assert.match(claim.text, /"code":"VALIDATION"/);
    // A stream that ends frees its slot.
    tries[0]!.socket.destroy();
    let again = 0;
    for (let i = 0; i < 200 && again !== 200; i++) {
      const s = await stream(port, TOKENS.viewer);
      open.push(s.socket);
      again = s.status;
    }
    assert.equal(again, 200);
  } finally {
    for (const s of open) s.destroy();
    await up.drain();
    store.close();
  }
});
