// `steward up` on its own: 20 tasks through fake-CLI agents — chains, follow-ups, retries, review via
// TASKS.md, a question answered, a cancel while running — all end where they should, nothing left running.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exited, killChildren, spawnSyncCapped, tracked } from './helpers/processes.js';
import { CLI, REPO_ROOT, cli, tempDir } from './support/helpers.js';

const FAKE = join(REPO_ROOT, 'test/fixtures/fake-cli.mjs');
let upProcess: ChildProcess | undefined;
after(killChildren);

function profile(name: string, mode: string, dir: string, extra = ''): string {
  return [
    `  ${name}:`,
    '    cli: command',
    `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAKE)}, '{prompt}']`,
    `    env: { FAKE_CLI: command, FAKE_MODE: '${mode}', FAKE_STATE_FILE: ${JSON.stringify(join(dir, `${name}.state`))} }`,
    '    maxConcurrent: 2',
    '    timeoutSeconds: 120',
    '    stallSeconds: 60',
    '    leaseSeconds: 30',
    extra,
  ].filter(Boolean).join('\n');
}

/** Processes whose command line mentions the workspace (babysitters have --dir, fake CLIs the prompt). */
function leftovers(ws: string): string[] {
  const ps = spawnSyncCapped('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n');
  return ps.filter((l) => l.includes(ws) && !l.includes('ps -eo'));
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 300_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('steward up runs 20 tasks to their expected final states', { timeout: 600_000 }, async () => {
  const ws = tempDir('steward-e2e-');
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  const config = readFileSync(configPath, 'utf8')
    .replace(/^agents:\n/m, `agents:\n${[profile('ok', 'success', ws), profile('flaky', 'error,error,success', ws), profile('asker', 'needs_input,success', ws), profile('slow', 'hang', ws)].join('\n')}\n`)
    .replace(/^( +)everySeconds: \d+/m, '$1everySeconds: 1')
    .replace(/^retry:\n( +)baseSeconds: \d+/m, 'retry:\n$1baseSeconds: 1')
    .replace(/^( +)global: \d+/m, '$1global: 6')
    .replace(/^( +)doneLimit: \d+/m, '$1doneLimit: 50');
  assert.match(config, /doneLimit: 50/);
  writeFileSync(configPath, config);
  const add = (...args: string[]) => {
    const r = run('add', ...args, '--json');
    assert.equal(r.code, 0, r.stderr);
    return r.json.task.id as number;
  };
  const a = add('chain A', '--agent', 'ok');
  const b = add('chain B', '--agent', 'ok', '--after', String(a));
  const c = add('chain C', '--agent', 'ok', '--after', String(b));
  const d = add('with a follow-up', '--agent', 'ok', '--then', '[{"title":"the follow-up","agent":"ok"}]');
  const f = add('fails twice then succeeds', '--agent', 'flaky', '--max-attempts', '3');
  const r = add('needs review', '--agent', 'ok', '--review');
  const q = add('asks a question', '--agent', 'asker');
  const x = add('cancelled while running', '--agent', 'slow');
  const plain = Array.from({ length: 12 }, (_, i) => add(`plain task ${i + 1}`, '--agent', 'ok', '--priority', String(40 + i)));
  assert.equal(plain.length + 8, 20);

  upProcess = tracked(spawn(process.execPath, [CLI, 'up', '--port', '0', '--dir', ws], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEWARD_DIR: '' } }));
  let log = '';
  upProcess.stderr!.on('data', (chunk) => (log += String(chunk)));
  const status = (id: number) => run('show', String(id), '--json').json?.task?.status as string | undefined;

  await until('the slow task to run', () => status(x) === 'running');
  assert.equal(run('cancel', String(x)).code, 0);
  await until('the question', () => status(q) === 'blocked');
  assert.equal(run('show', String(q), '--json').json.task.question.length > 0, true);
  assert.equal(run('answer', String(q), 'Use the blue one.').code, 0);
  await until('the review', () => status(r) === 'review');
  await until('the review on the board', () => /- \[ \] #\d+ needs review/.test(readFileSync(join(ws, 'TASKS.md'), 'utf8')));
  const board = readFileSync(join(ws, 'TASKS.md'), 'utf8');
  writeFileSync(join(ws, 'TASKS.md'), board.replace(`- [ ] #${r} needs review`, `- [x] #${r} needs review`));

  const all = [a, b, c, d, f, r, q, x, ...plain];
  await until('every task to finish', () => all.every((id) => ['done', 'cancelled', 'failed'].includes(status(id) ?? '')));
  const list = run('list', '--limit', '100', '--json').json.tasks as Array<{ id: number; title: string; status: string }>;
  const byId = new Map(list.map((t) => [t.id, t]));
  for (const id of [a, b, c, d, f, r, q, ...plain]) assert.equal(byId.get(id)?.status, 'done', `#${id} ${byId.get(id)?.title}`);
  assert.equal(byId.get(x)?.status, 'cancelled');
  const followUp = list.find((t) => t.title === 'the follow-up');
  assert.equal(followUp?.status ?? (await until('the follow-up', () => status(list.length + 1) === 'done' && 'done')), 'done');
  const flaky = run('show', String(f), '--json').json;
  assert.equal(flaky.task.attempts, 2, 'two strikes, then success');
  assert.equal(flaky.runs.length, 3);
  const asked = run('show', String(q), '--json').json;
  assert.equal(asked.task.answer, 'Use the blue one.');
  const reviewed = run('show', String(r), '--json').json;
  assert.ok(reviewed.events.some((e: { kind: string; actor: string }) => e.kind === 'approved' && e.actor === 'human'), 'approved through TASKS.md');
  const chain = [a, b, c].map((id) => run('show', String(id), '--json').json.runs[0].started_at as string);
  assert.ok(chain[0]! < chain[1]! && chain[1]! < chain[2]!, 'the chain ran in order');

  await until('the board to show the final states', () => {
    const text = readFileSync(join(ws, 'TASKS.md'), 'utf8');
    return all.every((id) => new RegExp(`- \\[[x-]\\] #${id} `).test(text)) && text.includes(`- [-] #${x} cancelled while running`);
  });

  upProcess.kill('SIGTERM');
  assert.equal((await exited(upProcess, 'steward up to stop on SIGTERM'))[0], 0, log);
  assert.match(log, /stopping — no new dispatch; running workers carry on/);
  // A babysitter may still be winding down after up exits: waited for (a safety bound against a hang, not a speed limit).
  await until('no process left behind', () => leftovers(ws).length === 0, 120_000).catch(() => assert.deepEqual(leftovers(ws), []));
});
