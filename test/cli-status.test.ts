// `steward status`: running runs with elapsed time and last output line, paused agents, what needs a person, next retries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { capped, exited, killChildren, tracked } from './helpers/processes.js';
import { CLI, cli, tempDir } from './support/helpers.js';

afterEach(killChildren);

test('status shows one screen of what runs, what is paused, what needs you and what retries next', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws });
  run('init');
  // Retries wait an hour, so no task comes back for a later claim however slow this machine is.
  const configPath = join(ws, '.steward/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/baseSeconds: \d+/, 'baseSeconds: 3600').replace(/capSeconds: \d+/, 'capSeconds: 7200'));
  const claimOne = (title: string, ...flags: string[]) => {
    const id = run('add', title, '--priority', '0', ...flags, '--json').json.task.id as number;
    const runId = run('claim', '--agent', 'coder', '--json').json.run.id as number;
    return { id, runId };
  };
  const review = claimOne('needs a look', '--review');
  run('complete', String(review.runId));
  const question = claimOne('which region');
  run('fail', String(question.runId), '--kind', 'needs_input', '--error', 'asked', '--question', 'eu or us?');
  const broken = claimOne('broken', '--max-attempts', '1');
  run('fail', String(broken.runId), '--kind', 'fatal', '--error', 'compiler exploded');
  const retry = claimOne('flaky');
  run('fail', String(retry.runId), '--error', 'network blip');
  const limited = claimOne('rate limited');
  run('fail', String(limited.runId), '--kind', 'rate_limit', '--retry-after', '600', '--error', '429'); // coder pauses
  const live = run('add', 'long job', '--type', 'build', '--json').json.task.id as number;
  const liveRun = run('claim', '--agent', 'other', '--type', 'build', '--json').json.run.id as number;
  mkdirSync(join(ws, '.steward/logs'), { recursive: true });
  writeFileSync(join(ws, '.steward/logs', `${live}-${liveRun}.log`), 'starting\ncompiling 3 of 7 modules\n\n');

  const s = run('status', '--json');
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.json.up, null);
  assert.deepEqual(s.json.running.map((r: { run_id: number; task_id: number; last_line: string }) => [r.run_id, r.task_id, r.last_line]), [[liveRun, live, 'compiling 3 of 7 modules']]);
  assert.equal(typeof s.json.running[0].elapsed_ms, 'number');
  // Times are ISO 8601, as in every other command's JSON.
  const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  for (const t of [s.json.running[0].started_at, s.json.running[0].lease_expires_at, s.json.paused[0].paused_until, s.json.review[0].created_at, s.json.retries[0].run_after]) assert.match(t, isoTime);
  assert.deepEqual(s.json.paused.map((p: { name: string }) => p.name), ['coder']);
  assert.deepEqual(s.json.review.map((t: { id: number }) => t.id), [review.id]);
  assert.deepEqual(s.json.questions.map((t: { id: number }) => t.id), [question.id]);
  assert.deepEqual(s.json.failed.map((t: { id: number }) => t.id), [broken.id]);
  assert.ok(s.json.retries.some((t: { id: number }) => t.id === retry.id), JSON.stringify(s.json.retries));

  const text = run('status').stdout;
  assert.match(text, /^up +not running/m);
  assert.match(text, new RegExp(`run ${liveRun} \\(task #${live}\\)  other  \\d+s  long job\\n +│ compiling 3 of 7 modules`));
  assert.match(text, /^paused agents\n {2}coder until /m);
  assert.match(text, new RegExp(`#${review.id} review .*steward approve ${review.id}`));
  assert.match(text, new RegExp(`#${question.id} question  which region — eu or us\\?`));
  assert.match(text, new RegExp(`#${broken.id} failed +broken — compiler exploded +→ steward requeue ${broken.id}`));
  assert.match(text, /^next retries\n/m);
});

test('status --watch redraws until stopped', async () => {
  const ws = tempDir();
  cli(['init'], { cwd: ws });
  const child = tracked(spawn(process.execPath, [CLI, 'status', '--watch', '--every', '0.2'], { cwd: ws, env: { ...process.env, STEWARD_DIR: '' } }));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await capped(new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if ((out.match(/steward status — /g) ?? []).length >= 2) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once('exit', () => {
      clearInterval(check);
      reject(new Error(`exited early: ${out}`));
    });
  }), 'steward status --watch to draw twice', child);
  child.kill('SIGINT');
  assert.deepEqual(await exited(child, 'steward status --watch to stop on SIGINT'), [0, null]);
  assert.match(out, /\x1b\[H\x1b\[2J/, 'redraws in place');
});

test('status --every without --watch is a usage error (exit 2), not a one-off screen that ignores it', () => {
  const ws = tempDir();
  assert.equal(cli(['init'], { cwd: ws }).code, 0);
  const r = cli(['status', '--every', '5'], { cwd: ws });
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /^error USAGE: --every goes with --watch\n/);
});

test('status names ready work no agent profile can take under "needs you" (it said "nothing" while the tasks waited)', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const configPath = join(ws, '.steward/config.yaml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^agents:\n/m, 'agents:\n  script: { cli: command, command: ["true"], types: [ops] }\n'));
  for (const title of ['code one', 'code two']) assert.equal(run('add', title).code, 0);
  assert.equal(run('add', 'for coder', '--type', 'ops', '--agent', 'coder').code, 0);
  assert.equal(run('add', 'an ops task', '--type', 'ops').code, 0);
  const text = run('status').stdout;
  assert.match(text, /^needs you\n {2}#1 ready {5}no profile can take it \(nor 1 more like it\): no profile takes type code\n {2}#3 ready {5}no profile can take it: no agent profile named coder\n/m);
  assert.doesNotMatch(text, /#4/, 'a task a profile takes is not listed');
  const json = run('status', '--json').json;
  assert.deepEqual(json.unclaimable.map((g: { first: number; count: number }) => [g.first, g.count]), [[1, 2], [3, 1]]);
});
