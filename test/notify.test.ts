// Notify: a command (argv, no shell) and a webhook hear about review, blocked and dead items, once each.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { notifyLines } from '../src/tick/notify.js';
import { cli, tempDir } from './support/helpers.js';
import { waitFor } from './helpers/processes.js';

test('notifyLines: one line per review, blocked and dead item; nothing for other lists', () => {
  const lines = notifyLines({
    review: [{ id: 1, title: 'Essay', result: 'draft' }],
    blocked: [{ id: 2, title: 'Pick', question: 'red or blue?' }],
    dead: [{ id: 3, title: 'Port', error: 'deno: not found' }],
    failures: [{ id: 4, title: 'flaky', error: 'x' }],
    proposals: [{ id: 5, title: 'idea' }],
  });
  assert.deepEqual(lines, [
    'steward: #1 "Essay" waits for review',
    'steward: #2 "Pick" asks: red or blue?',
    'steward: #3 "Port" is a dead letter: deno: not found',
  ]);
});

test('the tick fires the command and the webhook once per item, with text and JSON', async () => {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const ws = tempDir();
  const out = join(ws, 'notified.txt');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const script = `require('fs').appendFileSync(${JSON.stringify(out)}, process.argv[1] + '\\n')`;
  const config = join(ws, '.steward/config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8').replace(/^notify:.*\n(  .*\n)*/m, '')}\nnotify:\n  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, '{text}']\n  webhook: http://127.0.0.1:${port}/hook\n`);
  run('add', 'Pick a colour; $(touch pwned)', '--review');
  const c = run('claim', '--agent', 'a', '--json').json;
  assert.equal(run('complete', String(c.run.id), '--summary', 'chose blue').code, 0);
  const t1 = run('tick', '--json');
  assert.equal(t1.json.review.length, 1, t1.stderr);
  // Both deliveries are waited for by what arrives, with a generous safety limit (no verdict from the machine's speed).
  await waitFor('the notify command', () => (existsSync(out) ? true : undefined));
  await waitFor('the webhook', () => (received.length > 0 ? true : undefined));
  assert.equal(run('tick', '--json').json.quiet, true);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readFileSync(out, 'utf8'), 'steward: #1 "Pick a colour; $(touch pwned)" waits for review\n');
  assert.equal(existsSync(join(ws, 'pwned')), false, 'the text reached the command as one argument, no shell');
  assert.equal(received.length, 1);
  const hook = JSON.parse(received[0]!);
  assert.equal(hook.items.review[0].id, 1);
  assert.match(hook.text, /waits for review/);
  server.close();
});
