// The web board's authorization over real HTTP: each action × each role (viewer, triage, planner, worker, none),
// CSRF on every cookie action, Origin and Host checks, the login page and one-time links; a refusal changes nothing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { McpRole } from '../src/mcp/roles.js';
import { makeAuthenticator } from '../src/mcp/index.js';
import { addTask, cancelTask, claimTask, completeRun, failRun, proposeTask, recordRunProcess } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { startUpHttp } from '../src/up/http-server.js';
import { createWebBoard, WEB_ACTIONS, type WebAction } from '../src/web/index.js';
import { at, snapshot, tempDir, tempStore } from './support/helpers.js';

const TOKENS: Record<McpRole, string> = {
  triage: 'triage-token-0123456789abcdef',
  planner: 'planner-token-0123456789abcdef',
  worker: 'worker-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
};
const ROLES = Object.keys(TOKENS) as McpRole[];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let base = '';
let port = 0;
let store: Store;
let close: () => Promise<void>;
let board: ReturnType<typeof createWebBoard>;
const logsDir = tempDir();

/** One HTTP request with any headers (Host and Origin included, which fetch would not let us set). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (fields: Record<string, string | number>) => new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

/** Logs in with a token; the session cookie and the page's CSRF token. */
async function login(role: McpRole): Promise<{ cookie: string; csrf: string }> {
  const r = await send('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', origin: base }, form({ token: TOKENS[role] }));
  assert.equal(r.status, 303, r.body);
  const setCookie = String(r.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  const page = await send('GET', '/', { cookie });
  assert.equal(page.status, 200);
  const csrf = /<meta name="csrf" content="([^"]+)">/.exec(page.body)?.[1];
  assert.ok(csrf, 'the page carries a CSRF token');
  return { cookie, csrf };
}

let clock = 1_000_000;
const ctx = () => at((clock += 1000));

/** A fresh item the action applies to (so a refused action and an allowed one both have something real to act on). */
function target(action: WebAction): Record<string, string | number> {
  const task = (title: string) => addTask(store, { title, agent: 'a' }, ctx()).task.id;
  const running = (title: string, review = false) => {
    const agent = `agent-${clock}`; // its own agent, so the claim takes this task and no other
    addTask(store, { title, agent, review }, ctx());
    return claimTask(store, { agent }, ctx()) as { task: { id: number }; run: { id: number } };
  };
  switch (action) {
    case 'approve': {
      const c = running('to approve', true);
      completeRun(store, { run_id: c.run.id, summary: 'did it' }, ctx());
      return { id: c.task.id };
    }
    case 'changes': {
      const c = running('to change', true);
      completeRun(store, { run_id: c.run.id, summary: 'did it' }, ctx());
      return { id: c.task.id, feedback: 'more tests' };
    }
    case 'answer': {
      const c = running('asks');
      failRun(store, { run_id: c.run.id, kind: 'needs_input', error: 'which colour?' }, ctx());
      return { id: c.task.id, text: 'blue' };
    }
    case 'requeue': {
      const id = task('to requeue');
      cancelTask(store, { id }, ctx());
      return { id };
    }
    case 'cancel':
      return { id: task('to cancel') };
    case 'priority':
      return { id: task('to prioritise'), priority: 7 };
    case 'edit':
      return { id: task('to edit'), title: 'edited title' };
    case 'accept':
      return { proposal_id: proposeTask(store, { title: `to accept ${clock}` }, ctx()).proposal.id };
    case 'reject':
      return { proposal_id: proposeTask(store, { title: `to reject ${clock}` }, ctx()).proposal.id, reason: 'no' };
    case 'merge': {
      const into = proposeTask(store, { title: `merge target ${clock}` }, ctx()).proposal.id;
      return { proposal_id: proposeTask(store, { title: `to merge ${clock}` }, ctx()).proposal.id, into };
    }
    case 'bulk':
      return { op: 'cancel', ids: task('bulk cancel') };
  }
}

before(async () => {
  store = tempStore();
  const grants = Object.fromEntries(ROLES.map((r) => [TOKENS[r], { role: r, name: `${r}-person` }]));
  board = createWebBoard({ store, checkBearer: makeAuthenticator(grants), profiles: null, agents: {}, logsDir, log: () => undefined });
  const http = await startUpHttp({ store, tokens: grants, boardPath: '', host: '127.0.0.1', port: 0, loop: { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, web: board, log: () => undefined });
  base = http.url;
  port = Number(new URL(base).port);
  close = http.close;
});
after(async () => {
  await close();
  store.close();
});

describe('web board authorization', () => {
  test('without a token only the login page and /healthz are served; every view redirects to the login page', async () => {
    assert.equal((await send('GET', '/login')).status, 200);
    assert.match((await send('GET', '/login')).body, /name="token"/);
    assert.equal((await send('GET', '/healthz')).body, 'ok\n');
    for (const path of ['/', '/board', '/agents', '/stats', '/tasks/1']) {
      const r = await send('GET', path);
      assert.equal(r.status, 303, path);
      assert.equal(r.headers.location, '/login');
    }
    assert.equal((await send('GET', '/assets/board.js')).status, 303);
    assert.equal((await send('GET', '/events', { accept: 'text/event-stream' })).status, 401);
    assert.equal((await send('GET', '/board', { authorization: 'Bearer not-a-token-at-all-0000' })).status, 401);
    assert.equal((await send('GET', '/', { cookie: 'steward_session=forged' })).status, 303);
  });

  test('every role may look at every view, with a bearer token or a session', async () => {
    const id = addTask(store, { title: 'look at me', agent: 'nobody' }, ctx()).task.id;
    for (const role of ROLES) {
      const { cookie } = await login(role);
      for (const path of ['/', '/board', '/agents', '/stats', `/tasks/${id}`]) {
        assert.equal((await send('GET', path, { authorization: `Bearer ${TOKENS[role]}` })).status, 200, `${role} ${path} bearer`);
        const r = await send('GET', path, { cookie });
        assert.equal(r.status, 200, `${role} ${path} cookie`);
        assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
      }
    }
  });

  test('each action × each role: only triage acts; every other role and no token are refused and change nothing', async () => {
    const sessions = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await login(r)] as const)));
    for (const action of WEB_ACTIONS) {
      for (const who of [...ROLES, 'none'] as const) {
        const fields = target(action);
        const before = snapshot(store);
        const viaBearer = await send('POST', `/act/${action}`, { ...FORM, ...(who === 'none' ? {} : { authorization: `Bearer ${TOKENS[who]}` }) }, form(fields));
        if (who === 'triage') {
          assert.equal(viaBearer.status, 200, `${action} by triage: ${viaBearer.body}`);
          assert.equal(JSON.parse(viaBearer.body).ok, true);
          assert.equal(JSON.parse(viaBearer.body).errors?.length ?? 0, 0, viaBearer.body);
          assert.notEqual(snapshot(store), before, `${action} changed the queue`);
          const last = store.events.since(0, 1_000_000).at(-1)!;
          assert.equal(last.actor, 'triage-person', `${action} is audited with the actor`);
        } else {
          assert.equal(viaBearer.status, who === 'none' ? 401 : 403, `${action} by ${who}: ${viaBearer.body}`);
          assert.equal(snapshot(store), before, `${action} by ${who} changed nothing`);
        }
        if (who === 'none') continue;
        const again = target(action);
        const beforeCookie = snapshot(store);
        const s = sessions[who]!;
        const viaCookie = await send('POST', `/act/${action}`, { ...FORM, cookie: s.cookie, origin: base }, form({ ...again, _csrf: s.csrf }));
        assert.equal(viaCookie.status, who === 'triage' ? 200 : 403, `${action} by ${who} (session): ${viaCookie.body}`);
        if (who !== 'triage') assert.equal(snapshot(store), beforeCookie);
        else assert.notEqual(snapshot(store), beforeCookie);
      }
    }
  });

  test('CSRF: a session action without the token, with a wrong one, or from another origin is refused and changes nothing', async () => {
    const s = await login('triage');
    for (const action of WEB_ACTIONS) {
      const fields = target(action);
      const before = snapshot(store);
      const attempts: Array<[string, Record<string, string>, Record<string, string | number>]> = [
        ['no token', { origin: base }, fields],
        ['wrong token', { origin: base }, { ...fields, _csrf: `${s.csrf.slice(0, -2)}xx` }],
        ['another session\'s token', { origin: base }, { ...fields, _csrf: (await login('triage')).csrf }],
        ['cross-site origin', { origin: 'http://evil.example' }, { ...fields, _csrf: s.csrf }],
      ];
      for (const [what, headers, body] of attempts) {
        const r = await send('POST', `/act/${action}`, { ...FORM, cookie: s.cookie, ...headers }, form(body));
        assert.equal(r.status, 403, `${action} with ${what}: ${r.body}`);
        assert.equal(snapshot(store), before, `${action} with ${what} changed nothing`);
      }
      const ok = await send('POST', `/act/${action}`, { ...FORM, cookie: s.cookie, origin: base }, form({ ...fields, _csrf: s.csrf }));
      assert.equal(ok.status, 200, `${action} with the right token: ${ok.body}`);
    }
  });

  test('a form action with a Referer no URL parser takes is done once and answered 303, not 500 after doing it', async () => {
    const { task } = addTask(store, { title: 'referer probe' }, ctx());
    const r = await send('POST', '/act/priority', { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKENS.triage}`, origin: base, referer: 'http://a:b/' }, form({ id: task.id, priority: 'low' }));
    assert.equal(r.status, 303, r.body);
    assert.equal(r.headers.location, '/');
    assert.equal(store.read(() => store.tasks.get(task.id))?.priority, 80);
  });

  test('a JSON action body with a nested field is a VALIDATION error naming it, not a 500 (a deep list overflowed the stack)', async () => {
    const { task } = addTask(store, { title: 'nested probe' }, ctx());
    const before = snapshot(store);
    const json = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${TOKENS.triage}`, origin: base };
    for (const [body, name] of [[`{"id":${task.id},"text":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'text'], [`{"id":{"a":${task.id}}}`, 'id']]) {
      const r = await send('POST', '/act/answer', json, body);
      assert.equal(r.status, 400, r.body);
      assert.equal(JSON.parse(r.body).error.code, 'VALIDATION');
      assert.match(JSON.parse(r.body).error.message, new RegExp(`field ${name}:`));
    }
    const login = await send('POST', '/login', { 'content-type': 'application/json', origin: base }, `{"token":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    assert.equal(login.status, 400, login.body);
    assert.equal(snapshot(store), before);
    const ok = await send('POST', '/act/priority', json, JSON.stringify({ id: task.id, priority: 30 }));
    assert.equal(ok.status, 200, ok.body);
  });

  test('Host: a request naming another host (DNS rebinding) is refused', async () => {
    const r = await send('GET', '/login', { host: `evil.example:${port}` });
    assert.equal(r.status, 403, 'the server-wide guard (src/http/request-guard.ts) refuses it before the board sees it');
    const bearer = await send('GET', '/', { host: 'evil.example', authorization: `Bearer ${TOKENS.triage}` });
    assert.equal(bearer.status, 403);
    assert.equal((await send('GET', '/login', { host: `localhost:${port}` })).status, 200);
  });

  test('a one-time login link works once, as triage; a wrong token gets the login page again', async () => {
    const link = new URL(board.oneTimeLink(base));
    const first = await send('GET', `${link.pathname}${link.search}`);
    assert.equal(first.status, 303);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    assert.match((await send('GET', '/', { cookie })).body, /data-role="triage"/);
    assert.equal((await send('GET', `${link.pathname}${link.search}`)).status, 401, 'a second use is refused');
    const wrong = await send('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', origin: base }, form({ token: 'nope-nope-nope-nope-nope' }));
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /not one of this workspace/);
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  test('behind a TLS proxy the session cookie is Secure (so it never travels over plain HTTP); on plain HTTP it is not', async () => {
    const login = (origin: string, extra: Record<string, string> = {}) =>
      send('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', origin, ...extra }, form({ token: TOKENS.viewer }));
    const plain = await login(base);
    assert.equal(plain.status, 303, plain.body);
    assert.doesNotMatch(String(plain.headers['set-cookie']), /Secure/);
    // The browser's page was https (the proxy's): its Origin says so.
    const tls = await login(`https://127.0.0.1:${port}`);
    assert.equal(tls.status, 303, tls.body);
    assert.match(String(tls.headers['set-cookie']), /; Secure/);
    // A one-time link opened through the proxy (a GET carries no Origin): the proxy's X-Forwarded-Proto says so.
    const link = new URL(board.oneTimeLink(base));
    const once = await send('GET', link.pathname + link.search, { 'x-forwarded-proto': 'https' });
    assert.equal(once.status, 303, once.body);
    assert.match(String(once.headers['set-cookie']), /; Secure/);
    const cookie = String(tls.headers['set-cookie']).split(';')[0]!;
    const page = await send('GET', '/', { cookie });
    const csrf = /<meta name="csrf" content="([^"]+)">/.exec(page.body)![1]!;
    const out = await send('POST', '/logout', { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: `https://127.0.0.1:${port}` }, form({ _csrf: csrf }));
    assert.equal(out.status, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0; Secure/);
  });

  test('paused and misconfigured agent profiles show on needs attention and on the agents view', async () => {
    store.agents.pause('claude', Date.now() + 3_600_000, 'rate limited: retry after 3600 s');
    store.agents.flagConfigError('codex', 'unknown option --foo', Date.now());
    const auth = { authorization: `Bearer ${TOKENS.viewer}` };
    const attention = (await send('GET', '/', auth)).body;
    assert.match(attention, /<b>claude<\/b> paused until .*rate limited: retry after 3600 s/);
    assert.match(attention, /<b>codex<\/b>: its CLI refuses to start .*unknown option --foo/);
    const agents = (await send('GET', '/agents', auth)).body;
    assert.match(agents, /data-agent="codex".*CLI refuses to start: unknown option --foo/s);
    assert.match(agents, /data-agent="claude".*paused until/s);
  });

  test('HEAD of a live stream (the change feed, a run\'s log) is answered with its headers, not held open', { timeout: 60_000 }, async () => {
    const agent = `agent-${clock}`;
    addTask(store, { title: 'logs for HEAD', agent }, ctx());
    const c = claimTask(store, { agent }, ctx()) as { task: { id: number }; run: { id: number } };
    const log = join(logsDir, `${c.task.id}-${c.run.id}.log`);
    writeFileSync(log, 'hello\n');
    recordRunProcess(store, c.run.id, { log_path: log });
    const auth = { authorization: `Bearer ${TOKENS.viewer}` };
    for (const path of ['/events', `/tasks/${c.task.id}/log?run=${c.run.id}`]) {
      const head = await send('HEAD', path, auth);
      assert.equal(head.status, 200, path);
      assert.match(String(head.headers['content-type']), /^text\/event-stream/, path);
      assert.equal(head.body, '');
    }
  });

  test('logging out ends the session', async () => {
    const s = await login('viewer');
    assert.equal((await send('POST', '/logout', { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie, origin: base }, form({ _csrf: s.csrf }))).status, 303);
    assert.equal((await send('GET', '/', { cookie: s.cookie })).status, 303);
  });
});
