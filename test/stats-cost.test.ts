// `steward stats --cost`: spend, tokens, runs, success rate and median duration per project, type, agent or day.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { addTask, claimTask, completeRun, failRun, readQueueFigures } from '../src/ops/index.js';
import { metricsView } from '../src/web/view-figures.js';
import { openStore } from '../src/store/open-store.js';
import { cli, tempDir } from './support/helpers.js';

test('stats --cost groups the runs by project, type, agent and day (text and --json); bad flags are refused', () => {
  const ws = tempDir();
  const run = (...args: string[]) => cli(args, { cwd: ws });
  assert.equal(run('init').code, 0);
  const store = openStore(join(ws, '.steward/queue.db'));
  const t0 = Date.now() - 60_000;
  const ctx = (ms: number) => ({ now: t0 + ms, actor: 'test', random: () => 0.5 });
  // What a worker reports over MCP: cost and tokens with complete/fail. Durations 10 s, 20 s, 40 s.
  const cycle = (fields: Record<string, unknown>, agent: string, ms: number, report: Record<string, unknown>, ok: boolean) => {
    addTask(store, { priority: 0, ...fields }, ctx(0));
    const { run: r } = claimTask(store, { agent }, ctx(0)) as { run: { id: number } };
    if (ok) completeRun(store, { run_id: r.id, summary: 'ok', ...report }, ctx(ms));
    else failRun(store, { run_id: r.id, kind: 'fatal', error: 'no', ...report }, ctx(ms));
  };
  cycle({ title: 'web one', project: 'web' }, 'coder', 10_000, { cost_usd: 0.5, tokens_in: 1000, tokens_out: 100 }, true);
  cycle({ title: 'web two', project: 'web', type: 'docs' }, 'writer', 20_000, { cost_usd: 0.25, tokens_in: 10, tokens_out: 5 }, false);
  cycle({ title: 'api one', project: 'api' }, 'coder', 40_000, { tokens_in: 7, tokens_out: 3 }, true);
  // The board's Metrics page shows the same runs as spend per project and day.
  const page = String(metricsView(readQueueFigures(store, Date.now())));
  const day = new Date(t0).toISOString().slice(0, 10);
  assert.match(page, new RegExp(`<tr data-spend="web ${day}"><td>${day}</td><td>web</td><td class="num">2</td><td class="num">1,115</td><td class="num">\\$0\\.75`));
  assert.match(page, new RegExp(`<tr data-spend="api ${day}">`));
  store.close();

  const byProject = run('stats', '--cost', '--json');
  assert.equal(byProject.code, 0, byProject.stderr);
  const report = byProject.json as { by: string; rows: Array<Record<string, unknown>>; total: Record<string, unknown> };
  assert.equal(report.by, 'project');
  assert.deepEqual(report.rows.map((r) => [r.key, r.runs, r.cost_usd, r.tokens_in, r.tokens_out, r.success_rate, r.median_duration_ms]), [
    ['web', 2, 0.75, 1010, 105, 0.5, 15_000],
    ['api', 1, 0, 7, 3, 1, 40_000],
  ]);
  assert.deepEqual([report.total.runs, report.total.cost_usd, report.total.median_duration_ms], [3, 0.75, 20_000]);

  const byType = run('stats', '--cost', '--by', 'type', '--json').json as typeof report;
  assert.deepEqual(byType.rows.map((r) => [r.key, r.runs, r.cost_usd]), [['code', 2, 0.5], ['docs', 1, 0.25]]);
  const byAgent = run('stats', '--cost', '--by', 'agent', '--json').json as typeof report;
  assert.deepEqual(byAgent.rows.map((r) => [r.key, r.runs, r.success_rate]), [['coder', 2, 1], ['writer', 1, 0]]);
  const byDay = run('stats', '--cost', '--by', 'day', '--days', '7', '--json').json as typeof report;
  assert.deepEqual(byDay.rows.map((r) => r.key), [new Date(t0).toISOString().slice(0, 10)]);
  // More days than there are since 1970 (or than a date can hold): every run, not a crash.
  const ages = run('stats', '--cost', '--by', 'day', '--days', '1000000000', '--json');
  assert.equal(ages.code, 0, ages.stderr);
  assert.equal((ages.json as typeof report).total.runs, 3);

  const text = run('stats', '--cost', '--by', 'agent');
  assert.match(text.stdout, /^agent\s+runs\s+cost\s+tokens in\s+tokens out\s+success\s+median$/m);
  assert.match(text.stdout, /^writer\s+1\s+\$0\.2500\s+10\s+5\s+0%\s+20s$/m);
  assert.match(text.stdout, /^total\s+3\s+\$0\.7500\s/m);

  assert.equal(run('stats', '--cost', '--by', 'month').code, 2);
  assert.equal(run('stats', '--by', 'agent').code, 2);
});
