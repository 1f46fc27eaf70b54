// The web board in a real browser (Debian's Chromium through playwright-core) against a real `steward up` child:
// no token → login page; log in; see a review and approve it; answer a question; watch a live log line arrive;
// cancel a running task and see its process gone; a CSRF attempt refused. With STEWARD_BOARD_SCREENSHOTS=<dir>
// it also saves a screenshot of each main view there (docs/board/ holds the committed ones).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exited, killChildren, tracked, waitFor, waitGone } from './helpers/processes.js';
import { CLI, REPO_ROOT, cli, tempDir } from './support/helpers.js';

const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';
const FAKE = join(REPO_ROOT, 'test/fixtures/fake-cli.mjs');
const TICKER = join(REPO_ROOT, 'test/fixtures/ticker-cli.mjs');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = process.env.STEWARD_BOARD_SCREENSHOTS;
// Safety limits only (a step that never happens is reported, not waited on forever): each step is awaited by its
// event, so a loaded machine (busy-test, load ~20) only makes them slower; the run took 240 s+ there once.
const WAIT = 300_000;

let upProcess: ChildProcess | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  killChildren();
});

function profile(name: string, argv: string[], env: Record<string, string>): string {
  return [
    `  ${name}:`,
    '    cli: command',
    `    command: [${argv.map((a) => JSON.stringify(a)).join(', ')}]`,
    `    env: ${JSON.stringify(env)}`,
    '    maxConcurrent: 2',
    '    timeoutSeconds: 600',
    '    stallSeconds: 600',
    '    leaseSeconds: 30',
  ].join('\n');
}

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set STEWARD_CHROMIUM`;
if (skip) process.stderr.write(`web-browser.test: skipped: ${skip}\n`);

test('the web board in Chromium: login, review, answer, live log, cancel, CSRF', { skip, timeout: 1_200_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const ws = tempDir('steward-web-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  const pidFile = join(ws, 'ticker.pid');
  const sayFile = join(ws, 'ticker.say');
  const node = process.execPath;
  const original = readFileSync(configPath, 'utf8');
  const triageToken = /"([^"]+)": \{role: triage/.exec(original)?.[1];
  assert.ok(triageToken, 'init wrote a triage token');
  const config = original
    .replace(/^agents:\n/m, `agents:\n${[
      profile('ok', [node, FAKE, '{prompt}'], { FAKE_CLI: 'command', FAKE_MODE: 'success' }),
      profile('asker', [node, FAKE, '{prompt}'], { FAKE_CLI: 'command', FAKE_MODE: 'needs_input,success', FAKE_STATE_FILE: join(ws, 'asker.state') }),
      profile('ticker', [node, TICKER, '{prompt}'], { TICKER_PID_FILE: pidFile, TICKER_SAY_FILE: sayFile }),
    ].join('\n')}\n`)
    .replace(/^( +)everySeconds: \d+/m, '$1everySeconds: 1');
  writeFileSync(configPath, config);
  const add = (...args: string[]) => {
    const r = run('add', ...args, '--json');
    assert.equal(r.code, 0, r.stderr);
    return r.json.task.id as number;
  };
  const review = add('needs review', '--agent', 'ok', '--review', '--goal', 'Write the release notes.');
  const question = add('asks a question', '--agent', 'asker');
  const ticker = add('long runner with a live log', '--agent', 'ticker');
  const victim = add('must survive the CSRF attempt', '--agent', 'nobody');
  for (let i = 0; i < 6; i++) add(`backlog item ${i + 1}`, '--agent', 'nobody', '--priority', String(30 + i * 10), '--project', i % 2 ? 'web' : 'api');
  run('propose', 'add a dark mode', '--goal', 'People asked for it.');
  const status = (id: number) => run('show', String(id), '--json').json?.task?.status as string | undefined;

  upProcess = tracked(spawn(node, [CLI, 'up', '--port', '0', '--dir', ws], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEWARD_DIR: '' } }));
  let log = '';
  upProcess.stderr!.on('data', (chunk) => (log += String(chunk)));
  const [, base, loginLink] = await waitFor('the board URL', () => /web +(http:\/\/\S+?)\/ +\(log in once: (\S+)\)/.exec(log) ?? undefined, WAIT);
  assert.ok(base && loginLink);

  const browser = await chromium.launchPersistentContext(tempDir('steward-chromium-'), { executablePath: CHROMIUM, args: ARGS, headless: true, timeout: WAIT, viewport: { width: 1760, height: 900 } });
  cleanups.push(() => browser.close());
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  // No token: every page leads to the login page.
  await page.goto(`${base}/board`);
  assert.match(page.url(), /\/login$/);
  await page.waitForSelector('input[name=token]');
  await shot('login');

  // Log in with the triage token.
  await page.fill('input[name=token]', triageToken!);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
  await page.waitForSelector('h1:has-text("Needs attention")');

  // The review shows up live (no reload) once the agent finished it; approve it.
  const reviewPanel = page.locator(`.panel[data-task="${review}"]`);
  await reviewPanel.waitFor();
  assert.match(await reviewPanel.innerText(), /needs review/);
  await page.locator(`.panel[data-task="${question}"] textarea`).waitFor();
  await shot('attention');
  await reviewPanel.getByRole('button', { name: 'Approve' }).click();
  await waitFor('the approval', () => (status(review) === 'done' ? true : undefined), WAIT);
  await reviewPanel.waitFor({ state: 'detached' });
  const shown = run('show', String(review), '--json').json;
  assert.ok(shown.events.some((e: { kind: string; actor: string }) => e.kind === 'approved' && e.actor === 'triage'), 'approved as the token\'s name');

  // Answer the question in its box.
  await page.locator(`.panel[data-task="${question}"] textarea`).fill('Use the blue one.');
  await page.locator(`.panel[data-task="${question}"]`).getByRole('button', { name: 'Answer' }).click();
  await waitFor('the answer', () => (run('show', String(question), '--json').json.task.answer === 'Use the blue one.' ? true : undefined), WAIT);

  // A running task's page: its log tail arrives live.
  await waitFor('the ticker to run', () => (status(ticker) === 'running' && existsSync(pidFile) ? true : undefined), WAIT);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  await page.goto(`${base}/tasks/${ticker}`);
  type Doc = { document: { getElementById(id: string): { textContent: string | null } | null } };
  const logHas = (text: string) =>
    page.waitForFunction((t) => (globalThis as unknown as Doc).document.getElementById('log')?.textContent?.includes(t) ?? false, text);
  await logHas('ticker: started');
  const marker = `a live line ${Date.now()}`;
  appendFileSync(sayFile, `${marker}\n`);
  await logHas(marker);
  await shot('task');

  // A forged action without the page's CSRF token is refused, and changes nothing.
  const forged = await page.evaluate(async (id) => {
    const res = await fetch('/act/cancel', { method: 'POST', body: new URLSearchParams({ id: String(id) }), headers: { accept: 'application/json' } });
    return { status: res.status, body: (await res.json()) as { error: { message: string } } };
  }, victim);
  assert.equal(forged.status, 403);
  assert.match(forged.body.error.message, /CSRF/);
  assert.equal(status(victim), 'ready');

  // Cancel the running task from its page: the task is cancelled and its process is gone.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await waitFor('the cancel', () => (status(ticker) === 'cancelled' ? true : undefined), WAIT);
  await waitGone(pid, WAIT);
  await page.waitForSelector('h1 .chip.cancelled');

  // The other views render for screenshots and for a last look.
  await page.goto(`${base}/board`);
  await page.waitForSelector(`.card[data-task="${victim}"]`);
  // A task added by another process appears on the open board without a reload (how long it took is reported, not asserted).
  const added = add('added from the CLI while the board is open', '--agent', 'nobody', '--priority', '1');
  const addedAt = performance.now();
  await page.waitForSelector(`.card[data-task="${added}"]`);
  process.stderr.write(`web-browser.test: a task added by the CLI showed on the open board after ${Math.round(performance.now() - addedAt)} ms\n`);
  await shot('board');
  await page.goto(`${base}/agents`);
  await page.waitForSelector('tr[data-agent="ticker"]');
  await shot('agents');
  await page.goto(`${base}/stats`);
  await page.waitForSelector('h1:has-text("Metrics")');
  // Spend per project and day (issue 21): the runs of this test are in it, under today's date.
  await page.waitForSelector(`tr[data-spend="default ${new Date().toISOString().slice(0, 10)}"]`);
  await shot('metrics');

  // The one-time link logs a fresh browser in once.
  const other = await chromium.launchPersistentContext(tempDir('steward-chromium-'), { executablePath: CHROMIUM, args: ARGS, headless: true });
  cleanups.push(() => other.close());
  const p2 = other.pages()[0] ?? (await other.newPage());
  await p2.goto(loginLink!);
  await p2.waitForSelector('h1:has-text("Needs attention")');
  await p2.goto(loginLink!);
  await p2.waitForSelector('text=used already');

  upProcess.kill('SIGTERM');
  assert.equal((await exited(upProcess, 'steward up to stop on SIGTERM'))[0], 0, log);
});
