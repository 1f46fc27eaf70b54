// Scope budgets: the tick's dispatch stops at a daily cap and resumes the next day (injected clock), estimates keep
// a run that cannot fit from starting, the digest says so once per period; period bounds in a time zone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { periodBounds } from '../src/core/budget-period.js';
import { overCap } from '../src/core/budget.js';
import { doesNotFit, evaluateBudgets } from '../src/core/budget-scope.js';
import type { OpContext } from '../src/core/types.js';
import { addTask, budgetLine, budgetViews, claimForProfile, completeRun } from '../src/ops/index.js';
import { dispatchLocal } from '../src/runner/dispatch.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { configOf, fakeProfile, sandbox, type Sandbox } from './support/runner.js';
import type { Config } from '../src/config/schema.js';

const at = (iso: string): OpContext => ({ now: Date.parse(iso), actor: 'test', random: () => 0.5 });

/** One tick whose dispatch "starts" babysitters by recording them (no process: the budget is what is tested). */
function tick(sb: Sandbox, config: Config, ctx: OpContext) {
  let pid = 100_000;
  const result = tickOnce({
    store: sb.store, ctx, config,
    hooks: { dispatch: (store, c) => ({ ...dispatchLocal({ store, ctx: c, workspace: sb.ws, config, start: () => pid++, which: (b) => b }) }) },
  });
  const d = result.dispatch as { started: Array<{ task_id: number; run_id: number }>; skipped: Array<{ reason: string }> };
  return { started: d.started, skipped: d.skipped, digest: result.digest };
}

function budgetConfig(sb: Sandbox, limits: unknown[]): Config {
  return configOf({ coder: fakeProfile(sb, 'command', 'success', { maxConcurrent: 10, types: ['code', 'docs'] }) }, { budgets: { limits }, wip: { global: 10 } });
}

/** A dispatch pass during which a remote worker claims once (in its own transaction), as its first babysitter starts. */
function dispatchWithRemoteClaim(sb: Sandbox, config: Config, ctx: OpContext) {
  let pid = 100_000;
  let remote: number | null | undefined;
  const report = dispatchLocal({ store: sb.store, ctx, workspace: sb.ws, config, which: (b) => b, start: () => {
    remote ??= claimForProfile(sb.store, config, 'coder', ctx, { host: 'remote' }).task?.id ?? null;
    return pid++;
  } });
  return { report, remote };
}

describe('scope budgets in the tick', () => {
  test('a daily run cap stops dispatch, the digest says so once, and dispatch resumes the next day', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [{ scope: 'global', period: 'day', maxRuns: 2 }]);
    for (const title of ['one', 'two', 'three']) addTask(sb.store, { title }, at('2026-12-04T09:00:00Z'));

    const first = tick(sb, config, at('2026-12-04T10:00:00Z'));
    assert.equal(first.started.length, 2);
    assert.deepEqual(first.digest.budgets, [
      { scope: 'global', period: 'day', cap: 'maxRuns', used: '2/2', resumes_at: '2026-12-05T00:00:00.000Z' },
    ]);

    const later = tick(sb, config, at('2026-12-04T23:59:59Z'));
    assert.equal(later.started.length, 0);
    assert.match(later.skipped.map((s) => s.reason).join('\n'), /budget: global reached its day maxRuns \(2\/2\)/);
    assert.equal(later.digest.budgets, undefined, 'reported once per period');
    const view = budgetViews(sb.store, config, at('2026-12-04T23:59:59Z').now)[0]!;
    assert.deepEqual([view.reached, view.used.runs, view.label], ['maxRuns', 2, '2026-12-04']);

    const nextDay = tick(sb, config, at('2026-12-05T00:00:00Z'));
    assert.equal(nextDay.started.length, 1, 'the next day has a fresh budget');
    assert.equal(nextDay.digest.budgets, undefined);
  });

  test('a daily dollar cap counts what the runs reported; a project cap leaves other projects running', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [{ scope: 'project:web', period: 'day', maxCostUsd: 1 }]);
    addTask(sb.store, { title: 'web 1', project: 'web' }, at('2026-12-04T09:00:00Z'));
    const { started } = tick(sb, config, at('2026-12-04T10:00:00Z'));
    completeRun(sb.store, { run_id: started[0]!.run_id, summary: 'ok', cost_usd: 1.25 }, at('2026-12-04T10:00:10Z'));
    addTask(sb.store, { title: 'web 2', project: 'web' }, at('2026-12-04T11:00:00Z'));
    addTask(sb.store, { title: 'api 1', project: 'api' }, at('2026-12-04T11:00:00Z'));
    const second = tick(sb, config, at('2026-12-04T12:00:00Z'));
    assert.deepEqual(second.started.map((s) => sb.store.tasks.get(s.task_id)!.title), ['api 1']);
    assert.equal(second.digest.budgets?.[0]?.used, '$1.25/$1.00');
  });

  test('an estimate (the median of the profile’s past runs of the type) that does not fit keeps a run from starting', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [{ scope: 'agent:coder', period: 'week', maxCostUsd: 1 }]);
    // Earlier weeks: three code runs at $0.40 (the median); they count for the estimate, not for this week.
    for (const day of ['2026-11-04', '2026-11-11', '2026-11-18']) {
      addTask(sb.store, { title: `old ${day}` }, at(`${day}T09:00:00Z`));
      const { started } = tick(sb, config, at(`${day}T10:00:00Z`));
      completeRun(sb.store, { run_id: started[0]!.run_id, summary: 'ok', cost_usd: 0.4 }, at(`${day}T10:00:10Z`));
    }
    // This week (from Monday 2026-11-30): two code runs already cost $0.80; a third estimated at $0.40 would pass $1.
    for (let i = 0; i < 2; i++) {
      addTask(sb.store, { title: `new ${i}` }, at('2026-12-01T09:00:00Z'));
      const { started } = tick(sb, config, at('2026-12-01T10:00:00Z'));
      completeRun(sb.store, { run_id: started[0]!.run_id, summary: 'ok', cost_usd: 0.4 }, at('2026-12-01T10:00:10Z'));
    }
    addTask(sb.store, { title: 'code again' }, at('2026-12-02T09:00:00Z'));
    addTask(sb.store, { title: 'first docs', type: 'docs' }, at('2026-12-02T09:00:00Z'));
    const t = tick(sb, config, at('2026-12-02T10:00:00Z'));
    // The docs task has no history (no estimate) and $0.20 is left: it runs; the code task waits.
    assert.deepEqual(t.started.map((s) => sb.store.tasks.get(s.task_id)!.title), ['first docs']);
    assert.equal(t.digest.budgets, undefined, 'not at the cap: nothing to report');
  });

  test('a claim another claimer (a remote worker) makes while a dispatch pass runs counts against the pass: no overshoot', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [{ scope: 'global', period: 'day', maxRuns: 2 }]);
    for (const title of ['one', 'two', 'three']) addTask(sb.store, { title }, at('2026-12-04T09:00:00Z'));
    const ctx = at('2026-12-04T10:00:00Z');
    // While the pass starts its first run's babysitter, a remote worker claims (in its own transaction).
    const { report, remote } = dispatchWithRemoteClaim(sb, config, ctx);
    assert.equal(typeof remote, 'number', 'the remote worker claimed within the budget');
    assert.equal(report.started.length, 1, 'the pass started one run, not two');
    assert.match(report.skipped.map((s) => s.reason).join('\n'), /budget: global reached its day maxRuns \(2\/2\)/);
    assert.equal((sb.store.db.prepare("SELECT COUNT(*) AS n FROM runs").get() as { n: number }).n, 2, 'two runs of the two allowed');
  });

  test('read again after a remote claim, the pass still counts the estimates of its own claims', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [{ scope: 'global', period: 'day', maxCostUsd: 1 }]);
    // History: code runs cost $0.40 (the estimate); today $0.30 is spent.
    for (const [day, cost] of [['2026-11-20', 0.4], ['2026-11-21', 0.4], ['2026-12-04', 0.3]] as const) {
      addTask(sb.store, { title: `old ${day}` }, at(`${day}T08:00:00Z`));
      const { started } = tick(sb, config, at(`${day}T08:30:00Z`));
      completeRun(sb.store, { run_id: started[0]!.run_id, summary: 'ok', cost_usd: cost }, at(`${day}T08:30:10Z`));
    }
    for (const title of ['one', 'two', 'three']) addTask(sb.store, { title }, at('2026-12-04T09:00:00Z'));
    const ctx = at('2026-12-04T10:00:00Z');
    // $0.30 + the pass's $0.40 fits; the remote worker's own claim (its gate: $0.30 + $0.40) too; then $0.30 spent,
    // the pass's $0.40 charged and $0.40 more would pass $1 (the remote run's estimate is the remote worker's to count).
    const { report, remote } = dispatchWithRemoteClaim(sb, config, ctx);
    assert.equal(typeof remote, 'number');
    assert.equal(report.started.length, 1, 'the pass started one run');
    assert.equal((sb.store.db.prepare(`SELECT status FROM tasks WHERE title = 'three'`).get() as { status: string }).status, 'ready', 'the code task that does not fit waits');
  });

  test('a bad budget config is refused with the path of the key', () => {
    const sb = sandbox();
    assert.throws(() => budgetConfig(sb, [{ scope: 'team:x', period: 'day', maxRuns: 1 }]), /scope/);
    assert.throws(() => budgetConfig(sb, [{ scope: 'global', period: 'month', maxRuns: 1 }]), /period/);
    assert.throws(() => budgetConfig(sb, [{ scope: 'global', period: 'day' }]), /at least one of maxCostUsd, maxTokens, maxRuns/);
    assert.throws(() => budgetConfig(sb, [{ scope: 'agent:nobody', period: 'day', maxRuns: 1 }]), /no agent profile .*nobody/);
    assert.throws(() => configOf({}, { budgets: { timezone: 'Mars/Olympus' } }), /time zone/);
    // A name no project can have matches no run: refused, not a budget that never holds.
    assert.throws(() => budgetConfig(sb, [{ scope: 'project: web', period: 'day', maxRuns: 1 }]), /scope[\s\S]*no spaces/);
    assert.throws(() => budgetConfig(sb, [{ scope: 'project:my web', period: 'day', maxRuns: 1 }]), /scope/);
  });

  test('a project scope naming a project neither the config nor any task has (a typo) says so in the views; a project with tasks does not', () => {
    const sb = sandbox();
    const config = budgetConfig(sb, [
      { scope: 'project:webb', period: 'day', maxRuns: 0 },
      { scope: 'project:web', period: 'day', maxRuns: 5 },
      { scope: 'project:default', period: 'day', maxRuns: 5 },
    ]);
    addTask(sb.store, { title: 'web 1', project: 'web' }, at('2026-12-04T09:00:00Z'));
    const t = tick(sb, config, at('2026-12-04T10:00:00Z'));
    assert.equal(t.started.length, 1, 'the typo holds nothing back');
    const views = budgetViews(sb.store, config, at('2026-12-04T10:00:00Z').now);
    assert.match(views[0]!.note ?? '', /no project "webb": not in the config's projects and no task is in it/);
    assert.match(budgetLine(views[0]!), /— no project "webb"/);
    assert.deepEqual(views.slice(1).map((v) => v.note), [undefined, undefined]);
  });
});

describe('a dollar cap on runs whose CLI reports no cost', () => {
  test('status says it holds nothing back; a token or run cap on the same CLI gets no note', () => {
    const sb = sandbox();
    const config = configOf({ cx: fakeProfile(sb, 'codex', 'success'), cl: fakeProfile(sb, 'claude', 'success') }, {
      budgets: { limits: [
        { scope: 'agent:cx', period: 'day', maxCostUsd: 5 },
        { scope: 'agent:cx', period: 'day', maxTokens: 1000 },
        { scope: 'agent:cl', period: 'day', maxCostUsd: 5 },
      ] },
    });
    const views = budgetViews(sb.store, config, at('2026-12-04T10:00:00Z').now);
    assert.match(views[0]!.note ?? '', /^codex reports no cost, so maxCostUsd holds nothing back in this scope/);
    assert.match(budgetLine(views[0]!), /— codex reports no cost/);
    assert.deepEqual(views.slice(1).map((v) => v.note), [undefined, undefined]);
  });
});

describe('dollar caps in floating point', () => {
  test('$0.70 + $0.10 reaches a $0.80 cap; $0.10 spent and a $0.20 estimate fit a $0.30 one; a run at $0.70 + $0.10 of its $0.80 stops', () => {
    const sb = sandbox();
    const config = configOf({ coder: fakeProfile(sb, 'command', 'success', { maxConcurrent: 10, types: ['code', 'docs', 'ops'] }) }, {
      budgets: { limits: [{ scope: 'global', period: 'day', maxCostUsd: 0.8 }] }, wip: { global: 10 },
    });
    for (const [type, cost] of [['code', 0.7], ['docs', 0.1]] as const) {
      addTask(sb.store, { title: type, type }, at('2026-12-04T09:00:00Z'));
      const { started } = tick(sb, config, at('2026-12-04T10:00:00Z'));
      completeRun(sb.store, { run_id: started[0]!.run_id, summary: 'ok', cost_usd: cost }, at('2026-12-04T10:00:10Z'));
    }
    // $0.80 of $0.80 is spent (the sum is 0.7999999999999999): an ops task, with no history to estimate it by, waits.
    addTask(sb.store, { title: 'ops', type: 'ops' }, at('2026-12-04T11:00:00Z'));
    const t = tick(sb, config, at('2026-12-04T12:00:00Z'));
    assert.equal(t.started.length, 0, 'the cap is reached');
    assert.equal(t.digest.budgets?.[0]?.used, '$0.8000/$0.8000');

    const [state] = evaluateBudgets([{ scope: 'global', period: 'day', maxCostUsd: 0.3 }], 0, 'UTC', () => [{ agent: 'a', project: 'p', runs: 1, cost_usd: 0.1, tokens: 0 }]);
    assert.equal(doesNotFit(state!, { cost_usd: 0.2 }), undefined, '$0.20 fits in the $0.20 left');
    assert.match(doesNotFit(state!, { cost_usd: 0.21 }) ?? '', /does not fit/);
    assert.deepEqual(overCap({ maxCostUsd: 0.8 }, { cost_usd: 0.7 + 0.1 })?.cap, 'maxCostUsd');
    assert.equal(overCap({ maxCostUsd: 0.8 }, { cost_usd: 0.79 }), undefined);
  });
});

describe('budget periods', () => {
  test('days and weeks (from Monday) in UTC and in a zone with daylight saving', () => {
    const utc = periodBounds(Date.parse('2026-12-04T10:00:00Z'), 'day');
    assert.deepEqual([utc.start, utc.end].map((t) => new Date(t).toISOString()), ['2026-12-04T00:00:00.000Z', '2026-12-05T00:00:00.000Z']);
    const week = periodBounds(Date.parse('2026-12-06T23:00:00Z'), 'week'); // a Sunday
    assert.deepEqual([week.start, week.end].map((t) => new Date(t).toISOString()), ['2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z']);
    // Berlin is UTC+1 in winter: its day of 2026-12-04 starts at 23:00 UTC the evening before.
    const berlin = periodBounds(Date.parse('2026-12-03T23:30:00Z'), 'day', 'Europe/Berlin');
    assert.deepEqual([berlin.start, berlin.end].map((t) => new Date(t).toISOString()), ['2026-12-03T23:00:00.000Z', '2026-12-04T23:00:00.000Z']);
    // The day clocks go forward (2026-03-29 in Berlin) has 23 hours.
    const spring = periodBounds(Date.parse('2026-03-29T12:00:00Z'), 'day', 'Europe/Berlin');
    assert.equal(spring.end - spring.start, 23 * 3_600_000);
    assert.equal(new Date(spring.start).toISOString(), '2026-03-28T23:00:00.000Z');
    // Santiago skips its midnight (2024-09-08 00:00 -04 is 01:00 -03): the day before ends, and that day starts, at the
    // jump (04:00 UTC), so the last hour of 2024-09-07 is inside its own day and counted in one day only.
    const lastHour = Date.parse('2024-09-08T03:30:00Z'); // 23:30 on 2024-09-07 in Santiago
    const before = periodBounds(lastHour, 'day', 'America/Santiago');
    assert.deepEqual([before.start, before.end].map((t) => new Date(t).toISOString()), ['2024-09-07T04:00:00.000Z', '2024-09-08T04:00:00.000Z']);
    const after = periodBounds(Date.parse('2024-09-08T12:00:00Z'), 'day', 'America/Santiago');
    assert.equal(new Date(after.start).toISOString(), '2024-09-08T04:00:00.000Z');
    assert.equal(after.end - after.start, 23 * 3_600_000);
    // Around clock changes at midnight (skipped: Santiago; repeated: Havana) and at 02:00 (Berlin): an instant lies in
    // its own day and week, and each period starts where the one before ends.
    for (const [tz, change] of [['America/Santiago', '2024-09-08T04:00:00Z'], ['America/Havana', '2025-11-02T05:00:00Z'], ['Europe/Berlin', '2026-10-25T01:00:00Z']] as const) {
      for (let t = Date.parse(change) - 2 * 86_400_000; t < Date.parse(change) + 2 * 86_400_000; t += 10 * 60_000) {
        for (const period of ['day', 'week'] as const) {
          const b = periodBounds(t, period, tz);
          assert.ok(b.start <= t && t < b.end, `${tz} ${period} at ${new Date(t).toISOString()}: ${new Date(b.start).toISOString()}–${new Date(b.end).toISOString()}`);
          assert.equal(periodBounds(b.end, period, tz).start, b.end, `${tz} ${period}: the next one starts where this one ends`);
        }
      }
    }
  });
});
