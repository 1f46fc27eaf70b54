// The web board shows hidden characters escaped, like the CLI and TASKS.md (issue 14): a right-to-left override, an
// isolate, a zero-width space or a terminal escape in a title, goal, question, proposal, run log or message is written
// `\u{XXXX}` in every page, in the partial HTML the script swaps in, in the log stream and in the JSON messages the
// script flashes. Saving the edit form unchanged keeps the stored text. Real HTTP against `steward up`'s server.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeAuthenticator } from '../src/mcp/index.js';
import { addTask, claimTask, failRun, proposeTask, readTaskDetail } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { startUpHttp } from '../src/up/http-server.js';
import { createWebBoard } from '../src/web/index.js';
import { at, tempDir, tempStore } from './support/helpers.js';

const TRIAGE = 'triage-token-0123456789abcdef';
/** Every character class visibleText escapes that a page could carry: bidi override/isolates, invisibles, C0/C1 controls. */
const RAW_HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

const TITLE = 'invoice \u202Efdp.exe';
const GOAL = 'pay \u2066this\u2069 now\u200B and \u001b[2Jclear';

let store: Store;
let logsDir = '';
let port = 0;
let close: () => Promise<void>;
let board: ReturnType<typeof createWebBoard>;
let clock = 1_000_000;
const ctx = () => at((clock += 1000));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string, firstChunkOnly = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += String(c);
        // An event stream stays open: the first complete event is enough.
        if (firstChunkOnly && /event: tail\n(data: .*\n)+\n/.test(text)) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', (err) => (firstChunkOnly ? undefined : reject(err)));
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TRIAGE}` };
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

before(async () => {
  store = tempStore();
  logsDir = tempDir();
  const grants = { [TRIAGE]: { role: 'triage' as const, name: 'person' } };
  board = createWebBoard({ store, checkBearer: makeAuthenticator(grants), profiles: null, agents: {}, logsDir, log: () => undefined });
  const http = await startUpHttp({ store, tokens: grants, boardPath: '', host: '127.0.0.1', port: 0, loop: { ticks: 0, tickSecondsSum: 0, lastTickSeconds: 0, skippedBusy: 0 }, web: board, log: () => undefined });
  port = Number(new URL(http.url).port);
  close = http.close;
});
after(async () => {
  await close();
  store.close();
});

describe('web board: hidden characters', () => {
  test('every page, the partial HTML and the log stream show them escaped; nothing raw reaches the browser', async () => {
    const task = addTask(store, { title: TITLE, goal: GOAL, agent: 'w', verify: ['npm test'] }, ctx()).task;
    proposeTask(store, { title: `proposal \u2067hidden\u2069 \u202Eexe` }, ctx());
    // A blocked task with a question (needs attention), and a running one whose log holds hidden characters.
    addTask(store, { title: `asks \u202Eq`, agent: 'asker' }, ctx());
    const asked = claimTask(store, { agent: 'asker' }, ctx()) as { run: { id: number }; task: { id: number } };
    failRun(store, { run_id: asked.run.id, kind: 'needs_input', error: 'which \u202Eone?' }, ctx());
    const running = claimTask(store, { agent: 'w' }, ctx()) as { run: { id: number }; task: { id: number } };
    assert.equal(running.task.id, task.id);
    const log = join(logsDir, `${task.id}-${running.run.id}.log`);
    writeFileSync(log, 'agent says \u202Etxt.exe\r\nand \u001b]0;title\u0007 done\n');
    store.db.prepare('UPDATE runs SET log_path = ? WHERE id = ?').run(log, running.run.id);

    for (const path of ['/', '/board', `/tasks/${task.id}`, `/tasks/${asked.task.id}`, '/board?state=blocked']) {
      for (const headers of [bearer, { ...bearer, 'x-steward-partial': '1' }]) {
        const r = await send('GET', path, headers);
        assert.equal(r.status, 200, `${path}: ${r.body.slice(0, 200)}`);
        assert.doesNotMatch(r.body, RAW_HIDDEN, `${path} holds a raw hidden character`);
      }
    }
    const page = (await send('GET', `/tasks/${task.id}`, bearer)).body;
    assert.ok(page.includes('invoice \\u{202E}fdp.exe'), 'the title, escaped');
    assert.ok(page.includes('pay \\u{2066}this\\u{2069} now\\u{200B} and \\u{001B}[2Jclear'), 'the goal, escaped');
    assert.ok(page.includes('agent says \\u{202E}txt.exe'), 'the log tail, escaped');
    assert.ok(page.includes('<code>npm test</code>'), 'verify is shown');
    const attention = (await send('GET', '/', bearer)).body;
    assert.ok(attention.includes('which \\u{202E}one?'), 'the question, escaped');
    assert.ok(attention.includes('proposal \\u{2067}hidden\\u{2069} \\u{202E}exe'), 'the proposal, escaped');

    const stream = await send('GET', `/tasks/${task.id}/log?run=${running.run.id}`, bearer, undefined, true);
    const data = /event: tail\n((?:data: .*\n)+)/.exec(stream.body)?.[1];
    assert.ok(data, stream.body.slice(0, 300));
    const tail = JSON.parse(data.split('\n').filter(Boolean).map((l) => l.slice(6)).join('\n')) as string;
    assert.equal(tail, 'agent says \\u{202E}txt.exe\r\nand \\u{001B}]0;title\\u{0007} done\n');
  });

  test('the edit form shows the title escaped; saving it unchanged keeps the stored title, an edit keeps the rest', async () => {
    const task = addTask(store, { title: TITLE, goal: GOAL, agent: 'edit-me' }, ctx()).task;
    const page = (await send('GET', `/tasks/${task.id}`, bearer)).body;
    const value = (name: string) => unescapeHtml(new RegExp(`<input type="text" name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '');
    const goal = unescapeHtml(/<textarea name="goal"[^>]*>([^<]*)<\/textarea>/.exec(page)?.[1] ?? '');
    assert.equal(value('title'), 'invoice \\u{202E}fdp.exe');
    const save = (fields: Record<string, string>) =>
      send('POST', '/act/edit', { ...bearer, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', origin: `http://127.0.0.1:${port}` }, new URLSearchParams({ id: String(task.id), ...fields }).toString());
    const r = await save({ title: value('title'), project: value('project'), type: value('type'), agent: value('agent'), goal });
    assert.equal(r.status, 200, r.body);
    let t = readTaskDetail(store, { id: String(task.id) }).task;
    assert.equal(t.title, TITLE, 'unchanged: the raw override is still there, not the text \\u{202E}');
    assert.equal(t.goal, GOAL);
    await save({ title: `${value('title')} (paid)`, goal });
    t = readTaskDetail(store, { id: String(task.id) }).task;
    assert.equal(t.title, `${TITLE} (paid)`);
    // Text that is not an escape of a hidden character stays as typed.
    await save({ title: 'literal \\u{0041} and \\u{zz}' });
    assert.equal(readTaskDetail(store, { id: String(task.id) }).task.title, 'literal \\u{0041} and \\u{zz}');
  });

  test('JSON messages the board flashes are escaped (an error quoting the input)', async () => {
    const r = await send('POST', '/act/cancel', { ...bearer, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', origin: `http://127.0.0.1:${port}` }, new URLSearchParams({ id: 'x\u202Ey' }).toString());
    assert.notEqual(r.status, 200);
    assert.doesNotMatch(r.body, RAW_HIDDEN);
    const body = JSON.parse(r.body) as { error: { message: string } };
    assert.doesNotMatch(body.error.message, RAW_HIDDEN);
    assert.ok(body.error.message.includes('\\u{202E}'), body.error.message);
  });
});
