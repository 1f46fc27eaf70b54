// Board sessions (src/web/sessions.ts): one token logging in again and again keeps only its own newest sessions and
// never pushes another token's browser out; idle sessions end; the table stays bounded; a one-time login link expires.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { makeAuthenticator } from '../src/mcp/index.js';
import { startUpHttp } from '../src/up/http-server.js';
import { createWebBoard } from '../src/web/index.js';
import { MAX_SESSIONS_PER_GRANT, ONE_TIME_CODE_TTL_MS, SESSION_IDLE_MS, Sessions } from '../src/web/sessions.js';
import { tempDir, tempStore } from './support/helpers.js';

test('1,000 logins with one token leave another token\'s session and a one-time login alone', () => {
  const sessions = new Sessions(() => 1_000);
  const person = { role: 'triage' as const, name: 'human' };
  const viewer = { role: 'viewer' as const, name: 'dash' };
  const mine = sessions.open(person);
  const once = sessions.open({ role: 'triage', name: 'human' });
  const theirs = Array.from({ length: 1_000 }, () => sessions.open(viewer));
  assert.equal(sessions.get(mine)?.grant, person);
  assert.ok(sessions.get(once));
  // The viewer token keeps its newest MAX_SESSIONS_PER_GRANT; its older ones are gone.
  assert.equal(theirs.filter((id) => sessions.get(id)).length, MAX_SESSIONS_PER_GRANT);
  assert.ok(sessions.get(theirs.at(-1)!));
  assert.equal(sessions.get(theirs[0]!), undefined);
});

test('many tokens still meet the table\'s cap, oldest first; an idle session ends', () => {
  let now = 0;
  const sessions = new Sessions(() => now);
  const first = sessions.open({ role: 'viewer', name: 'v0' });
  const ids = Array.from({ length: 1_000 }, (_, i) => sessions.open({ role: 'viewer', name: `v${i + 1}` }));
  assert.equal(sessions.get(first), undefined, 'the oldest of 1,001 went');
  assert.ok(sessions.get(ids[0]!));
  now = SESSION_IDLE_MS + 1;
  const fresh = sessions.open({ role: 'viewer', name: 'late' });
  assert.ok(sessions.get(fresh));
  assert.equal(sessions.get(ids[1]!), undefined, 'idle past SESSION_IDLE_MS');
});

test('a one-time code works within ONE_TIME_CODE_TTL_MS and not after; an expired one is forgotten', () => {
  let now = 5_000;
  const sessions = new Sessions(() => now);
  const grant = { role: 'triage' as const, name: 'human' };
  const fresh = sessions.oneTimeCode(grant);
  const stale = sessions.oneTimeCode(grant);
  now += ONE_TIME_CODE_TTL_MS;
  assert.equal(sessions.redeem(fresh), grant, 'at its last moment it still works');
  now += 1;
  assert.equal(sessions.redeem(stale), undefined, 'past it, the code is refused');
  now = 5_000;
  assert.equal(sessions.redeem(stale), undefined, 'and forgotten: a clock that goes back does not revive it');
});

test('the board answers an expired one-time link as it answers a used one (401, the login page, no cookie)', async () => {
  let clock = 1_000_000;
  const store = tempStore();
  const board = createWebBoard({ store, checkBearer: makeAuthenticator({}), profiles: null, agents: {}, logsDir: tempDir(), now: () => clock, log: () => undefined });
  const http = await startUpHttp({ store, tokens: {}, boardPath: '', host: '127.0.0.1', port: 0, loop: { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, web: board, log: () => undefined });
  const get = (path: string) =>
    new Promise<{ status: number; cookie: unknown; body: string }>((resolve, reject) => {
      const req = request(`${http.url}${path}`, (res) => {
        let body = '';
        res.on('data', (c) => (body += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie'], body }));
      });
      req.on('error', reject);
      req.end();
    });
  const at = (link: string) => new URL(link).pathname + new URL(link).search;
  try {
    const used = at(board.oneTimeLink(http.url));
    assert.equal((await get(used)).status, 303);
    const again = await get(used);
    const late = at(board.oneTimeLink(http.url));
    clock += ONE_TIME_CODE_TTL_MS + 1;
    const expired = await get(late);
    assert.equal(expired.status, 401);
    assert.equal(expired.cookie, undefined);
    assert.match(expired.body, /has expired/);
    assert.deepEqual({ ...expired, body: expired.body.replace(/nonce-[^']+|nonce="[^"]+"/g, '') }, { ...again, body: again.body.replace(/nonce-[^']+|nonce="[^"]+"/g, '') });
  } finally {
    await http.close();
    store.close();
  }
});
