// The built CLI: init, config errors, tick (text and --json), inbox files, stats.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/load-config.js';
import { addTask, claimTask, completeRun, failRun } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { cli, onPostgres, tempDir } from './support/helpers.js';

function workspace(): { dir: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const dir = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: dir, env: { PATH: '' } });
  assert.equal(run('init').code, 0);
  return { dir, run };
}

function dropSettled(dir: string, name: string, text: string): void {
  const path = join(dir, '.steward', 'inbox', name);
  writeFileSync(path, text);
  const t = new Date(Date.now() - 5000);
  utimesSync(path, t, t);
}

describe('steward init', () => {
  test('creates .steward/ (config with a fresh token per role, inbox, logs, queue), TASKS.md and HEARTBEAT.md', () => {
    const { dir } = workspace();
    // On Postgres the queue is a schema, not a file (test/support/backend.ts).
    for (const p of ['.steward/config.yaml', '.steward/inbox', '.steward/logs', ...(onPostgres ? [] : ['.steward/queue.db']), 'TASKS.md', 'HEARTBEAT.md']) {
      assert.ok(existsSync(join(dir, p)), p);
    }
    const config = loadConfig({ root: dir, env: {} });
    const roles = Object.values(config.mcp.tokens).map((t) => t.role).sort();
    assert.deepEqual(roles, ['planner', 'triage', 'worker']);
    const other = loadConfig({ root: workspace().dir, env: {} });
    assert.notDeepEqual(Object.keys(config.mcp.tokens), Object.keys(other.mcp.tokens), 'tokens are fresh per workspace');
    assert.match(readFileSync(join(dir, 'HEARTBEAT.md'), 'utf8'), /steward tick --json[\s\S]*HEARTBEAT_OK/);
  });

  test('running it again changes nothing a person edited (byte-identical), and says so', () => {
    const { dir, run } = workspace();
    const files = ['.steward/config.yaml', 'HEARTBEAT.md', 'TASKS.md'].map((f) => join(dir, f));
    writeFileSync(files[0]!, readFileSync(files[0]!, 'utf8').replace('global: 4', 'global: 2   # my edit'));
    writeFileSync(files[1]!, '# my own checklist\n');
    const before = files.map((f) => readFileSync(f));
    const again = run('init', '--json');
    assert.equal(again.code, 0);
    assert.deepEqual(again.json.created, []);
    assert.deepEqual(files.map((f) => readFileSync(f)), before);
  });

  test('a bad config fails every command at once with the path of the bad key (exit 2); init still runs', () => {
    const { dir, run } = workspace();
    const path = join(dir, '.steward/config.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('global: 4', 'global: -1'));
    for (const args of [['list'], ['tick'], ['inbox'], ['stats'], ['add', 'x']]) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /config\.yaml:\d+:\d+: wip\.global: must be >= 0/);
    }
    const json = run('tick', '--json');
    assert.equal(JSON.parse(json.stderr).error.details.issues[0].path, 'wip.global');
    assert.equal(run('init').code, 0);
  });
});

describe('steward tick', () => {
  test('idle: one short quiet line; --json is a tiny object', () => {
    const { run } = workspace();
    assert.equal(run('tick').stdout, 'quiet · no tasks\n');
    const j = run('tick', '--json');
    assert.equal(j.stdout, '{"quiet":true,"counts":{}}\n');
    assert.ok(Buffer.byteLength(j.stdout) < 200);
  });

  test('inbox files: shown by `steward inbox` until ingested, then in one digest only', () => {
    const { dir, run } = workspace();
    dropSettled(dir, 'idea.md', '---\ntitle: Write the docs\nproject: web\n---\nA README for web.\n');
    dropSettled(dir, 'broken.md', '---\ntitle: [\n---\n');
    const waiting = run('inbox', '--json').json;
    assert.deepEqual(waiting.files.map((f: { file: string; settled: boolean }) => [f.file, f.settled]), [['broken.md', true], ['idea.md', true]]);
    const d = run('tick', '--json').json;
    assert.equal(d.quiet, false);
    assert.deepEqual(d.proposals, [{ id: 1, title: 'Write the docs', source: 'file', project: 'web' }]);
    assert.equal(d.inbox_rejected[0].file, 'broken.md');
    assert.deepEqual(d.acted, { ingested: 1, rejected_files: 1 });
    const after = run('inbox', '--json').json;
    assert.deepEqual([after.proposals.length, after.files], [1, undefined], 'ingested files no longer wait');
    assert.equal(run('tick', '--json').stdout, '{"quiet":true,"counts":{},"inbox":1}\n');
    const text = run('accept', '1');
    assert.equal(text.code, 0);
    // A fresh workspace has no agent profile enabled (none on PATH here): the ready task is stuck — said once.
    assert.match(run('tick').stdout, /^needs a judgement: 1 stuck signal · ready 1\nstuck: 1 ready task like #1 \(type code\): no agent profiles are configured/);
    assert.equal(run('tick').stdout, 'quiet · ready 1\n');
  });
});

describe('steward stats', () => {
  test('counts, throughput, failures by kind, cost and tokens, proposals', () => {
    const { dir, run } = workspace();
    const store = openStore(join(dir, '.steward/queue.db'));
    const now = Date.now();
    for (let i = 0; i < 4; i++) addTask(store, { title: `t${i}` }, { now: now - 60_000, actor: 't' });
    const claim = () => claimTask(store, { agent: 'a' }, { now: now - 50_000, actor: 't' }) as { run: { id: number } };
    completeRun(store, { run_id: claim().run.id, summary: 'ok', cost_usd: 0.25, tokens_in: 100, tokens_out: 20 }, { now: now - 40_000, actor: 't' });
    completeRun(store, { run_id: claim().run.id, summary: 'ok', cost_usd: 0.5, tokens_in: 50, tokens_out: 5 }, { now: now - 3 * 3_600_000 - 60_000, actor: 't' });
    failRun(store, { run_id: claim().run.id, error: 'x', kind: 'fatal', cost_usd: 0.125 }, { now: now - 30_000, actor: 't' });
    failRun(store, { run_id: claim().run.id, error: 'y', kind: 'timeout' }, { now: now - 30_000, actor: 't' });
    store.close();
    run('propose', 'an idea');
    const s = run('stats', '--json').json;
    assert.deepEqual(s.tasks, { pending: 0, ready: 1, running: 0, review: 0, done: 2, failed: 1, blocked: 0, cancelled: 0 });
    assert.equal(s.throughput.done_24h, 2);
    assert.deepEqual([s.throughput.hourly[0], s.throughput.hourly[3]], [1, 1]);
    assert.equal(s.throughput.hourly.reduce((a: number, b: number) => a + b, 0), 2);
    assert.equal(s.throughput.per_hour, 0.08);
    assert.deepEqual(s.failures, { fatal: 1, timeout: 1 });
    assert.deepEqual(s.runs, { runs: 4, cost_usd: 0.875, tokens_in: 150, tokens_out: 25 });
    assert.deepEqual(s.proposals, { new: 1 });
    assert.match(run('stats').stdout, /^tasks {6}pending 0 · ready 1 .*\ndone {7}2 in the last 24 h \(0\.08\/h\)\nfailures {3}fatal 1 · timeout 1\nruns {7}4 · cost \$0\.8750 · tokens in 150 out 25\nproposals {2}new 1\n$/);
  });
});
