// A Postgres queue filled in one go is claimed with a good plan before autovacuum's first look: the tick ANALYZEs
// `tasks` (and `runs`) when they changed a lot since their last ANALYZE (src/tick/analyze-step.ts,
// src/store/pg/table-stats.ts). Autovacuum is switched off for each test's tables, as it is in effect during the
// minute before its first look: every ANALYZE seen here is the tick's (pg_stat_user_tables' analyze_count counts the
// ANALYZE commands, autoanalyze_count autovacuum's). On SQLite the step does nothing.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig, type Config } from '../src/config/schema.js';
import { addTask, claimTask } from '../src/ops/index.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { needsAnalyze, ANALYZE_MIN_CHANGES, tableChanges } from '../src/store/pg/table-stats.js';
import { claimSql } from '../src/store/task-repo.js';
import { digestText } from '../src/tick/digest-text.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { isSkipped, runTick } from '../src/tick/run-tick.js';
import type { TickHooks, TickResult } from '../src/tick/tick-once.js';
import { createWorkspaceDirs } from '../src/workspace/workspace.js';
import { at, tempDir } from './support/helpers.js';
import { freshRole, freshSchema, pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(async () => {
  if (!('skip' in server)) await server.stop();
});

/** A config whose dispatch starts nothing (no agent processes in these tests). */
function quietConfig(): Config {
  return { ...defaultConfig(), dispatch: 'none' };
}

/** A fresh queue in its own schema, its tables left alone by autovacuum. */
function pgQueue(path = join(tempDir(), 'unused.db'), options: { url?: string; schema?: string } = {}): Store {
  const store = openStore(path, { url: options.url ?? url, schema: options.schema ?? freshSchema('analyze') });
  store.db.exec('ALTER TABLE tasks SET (autovacuum_enabled = off); ALTER TABLE runs SET (autovacuum_enabled = off)');
  return store;
}

interface Stats { changed: number; rows: number; analyzes: number; autoanalyzes: number; lastAnalyze: unknown }

/** pg_stat_user_tables and pg_class for one table of the store's schema. */
function stats(store: Store, table: 'tasks' | 'runs'): Stats {
  const r = store.db.prepare(`SELECT s.n_mod_since_analyze AS changed, c.reltuples AS rows, s.analyze_count AS analyzes,
      s.autoanalyze_count AS autoanalyzes, s.last_analyze AS "lastAnalyze"
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema() AND s.relname = ?`).get(table) as Record<keyof Stats, unknown>;
  return { changed: Number(r.changed), rows: Number(r.rows), analyzes: Number(r.analyzes), autoanalyzes: Number(r.autoanalyzes), lastAnalyze: r.lastAnalyze };
}

/**
 * Waits until this connection's own writes reach the server's counters (a session reports them at an idle moment,
 * at most every second; pg_stat_force_next_flush, Postgres ≥ 15, makes it the next one). Bounded by the work: it
 * returns as soon as the counters show `atLeast` changes, and fails after a safety limit, saying what it saw.
 */
async function countersShow(store: Store, atLeast: number, table: 'tasks' | 'runs' = 'tasks'): Promise<Stats> {
  const hasForce = (store.db.prepare("SELECT to_regproc('pg_stat_force_next_flush') IS NOT NULL AS ok").get() as { ok: boolean }).ok;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (hasForce) store.db.prepare('SELECT pg_stat_force_next_flush()').get();
    const s = stats(store, table);
    if (s.changed >= atLeast) return s;
    if (Date.now() > deadline) assert.fail(`${table}' n_mod_since_analyze stayed at ${s.changed} (< ${atLeast}) for 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The plan of the claim's pick (TaskRepo's claim SQL with the filters of the one-statement claim) as JSON nodes. */
function claimPlan(store: Store): Array<Record<string, unknown>> {
  const sql = `EXPLAIN (FORMAT JSON) ${claimSql(true, "AND t.requires_json = '[]'")}`;
  const row = store.db.prepare(sql).get({ now: Date.now() + 60_000, agent: 'coder' }) as Record<string, unknown>;
  const plan = Object.values(row)[0];
  const top = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Array<{ Plan: Record<string, unknown> }>;
  const nodes: Array<Record<string, unknown>> = [];
  const walk = (n: Record<string, unknown>) => {
    nodes.push(n);
    for (const c of (n.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(c);
  };
  walk(top[0]!.Plan);
  return nodes;
}

const nodeTypes = (nodes: Array<Record<string, unknown>>) => nodes.map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);

/** One tick under the tick lock; fails on a skip (nothing else ticks these queues). */
function tick(store: Store, now: number, hooks: TickHooks = {}, config = quietConfig()): TickResult {
  const out = runTick({ store, ctx: at(now, 'triage'), hooks, config });
  assert.ok(!isSkipped(out), 'the tick ran');
  return out;
}

describe('the tick analyzes a Postgres queue filled in one go', { skip, timeout: 600_000 }, () => {
  test('5,000 tasks added in one transaction: the next tick ANALYZEs tasks, the claim walks tasks_live in order; the tick after runs no ANALYZE; 1,200 claims later both tables', async () => {
    const store = pgQueue();
    try {
      const before = stats(store, 'tasks');
      // Never analyzed: reltuples is -1 (Postgres ≥ 14) or 0 (13).
      assert.ok(before.rows === -1 || before.rows === 0, `reltuples before: ${before.rows}`);
      assert.equal(before.analyzes, 0);
      const now = Date.now();
      store.tx(() => {
        for (let i = 0; i < 5000; i++) addTask(store, { title: `bulk ${i}`, priority: i % 3 }, at(now));
      });
      // Without statistics the planner reads every ready task and sorts them for the LIMIT 1 (BENCHMARKS session 7).
      const unanalyzed = nodeTypes(claimPlan(store));
      assert.ok(unanalyzed.includes('Sort'), `the claim's plan before: ${unanalyzed.join(' > ')}`);
      const seen = await countersShow(store, 5000);
      assert.ok(seen.rows === -1 || seen.rows === 0, `still unanalyzed: ${seen.rows}`);

      const first = tick(store, now + 1000);
      assert.deepEqual(first.analyzed?.map((a) => a.table), ['tasks'], JSON.stringify(first.analyzed));
      assert.ok(first.analyzed![0]!.changed >= 5000, JSON.stringify(first.analyzed));
      assert.equal(first.analyzed![0]!.added_by_tick, undefined, 'analyzed for the counters, not for tasks the tick added');
      assert.equal(first.digest.acted?.analyzed, 1);
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      const analyzed = stats(store, 'tasks');
      assert.ok(Math.abs(analyzed.rows - 5000) <= 50, `reltuples after: ${analyzed.rows}`);
      assert.equal(analyzed.analyzes, 1);
      assert.equal(analyzed.autoanalyzes, 0, 'autovacuum is off for these tables: the ANALYZE was the tick\'s');
      assert.equal(stats(store, 'runs').analyzes, 0, 'runs did not change: not analyzed');
      // With statistics: an ordered walk of tasks_live that stops at the first row; no Sort of the ready tasks.
      const plan = nodeTypes(claimPlan(store));
      assert.ok(!plan.includes('Sort'), `the claim's plan after: ${plan.join(' > ')}`);
      assert.equal(plan[0], 'Limit', plan.join(' > '));
      assert.ok(plan.some((n) => n.endsWith(' tasks_live')), plan.join(' > '));

      // Nothing changed since: the next tick only looks.
      const second = tick(store, now + 2000);
      assert.equal(second.analyzed, undefined, JSON.stringify(second.analyzed));
      assert.equal(second.digest.acted?.analyzed, undefined);
      assert.equal(stats(store, 'tasks').analyzes, 1);

      // 1,200 claims: 1,200 new runs (runs never analyzed: 1,000 is the bar) and 1,200 tasks changed (20 % of 5,000
      // is 1,000): the next tick analyzes both.
      for (let i = 0; i < 1200; i++) assert.ok(claimTask(store, { agent: 'coder' }, at(now + 3000)).task, `claim ${i}`);
      await countersShow(store, 1200, 'runs');
      await countersShow(store, 1200, 'tasks');
      const third = tick(store, now + 4000);
      assert.deepEqual(third.analyzed?.map((a) => a.table).sort(), ['runs', 'tasks'], JSON.stringify(third.analyzed));
      assert.deepEqual([stats(store, 'tasks').analyzes, stats(store, 'runs').analyzes], [2, 1]);
      assert.ok(Math.abs(stats(store, 'runs').rows - 1200) <= 12, `runs' reltuples: ${stats(store, 'runs').rows}`);
    } finally {
      store.close();
    }
  });

  test('a TASKS.md of 1,000 new lines: the tick ANALYZEs tasks for what it added itself, below the counters\' threshold', async () => {
    const { workspace } = createWorkspaceDirs(tempDir());
    const store = pgQueue(workspace.dbPath);
    const config = quietConfig();
    const hooks = () => buildTickHooks({ workspace, config });
    try {
      // 20,000 finished tasks, analyzed: the counters' threshold is then max(1000, 20 % of 20,000) = 4,000 changes,
      // more than the ~3 changes each of 1,000 new tasks makes — only the tick's own count can call for the ANALYZE.
      const seed = addTask(store, { title: 'seed' }, at(1)).task.id;
      const cols = (store.db.prepare(`SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS c
        FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tasks' AND column_name NOT IN ('id', 'key')`).get() as { c: string }).c;
      store.db.exec(`INSERT INTO tasks (${cols}) SELECT ${cols} FROM tasks, generate_series(1, 20000) WHERE id = ${seed}`);
      store.db.exec(`UPDATE tasks SET status = 'done' WHERE id <> ${seed}`);
      // The counters first, then the ANALYZE (changes this connection reports after an ANALYZE count as after it).
      await countersShow(store, 40000);
      store.db.exec('ANALYZE tasks');
      const analyzedBefore = stats(store, 'tasks');
      assert.equal(analyzedBefore.analyzes, 1);
      const now = Date.now();
      tick(store, now, hooks(), config); // renders TASKS.md
      const board = readFileSync(workspace.boardPath, 'utf8');
      const lines = Array.from({ length: 1000 }, (_, i) => `- [ ] from the board ${i}`).join('\n');
      assert.match(board, /^## default$/m);
      writeFileSync(workspace.boardPath, board.replace(/^## default$/m, `## default\n\n${lines}`));
      const out = tick(store, now + 1000, hooks(), config);
      assert.equal((out.ingest as { board: { applied: unknown[] } }).board.applied.length, 1000);
      assert.deepEqual(out.analyzed?.map((a) => [a.table, a.added_by_tick]), [['tasks', 1000]], JSON.stringify(out.analyzed));
      const a = out.analyzed![0]!;
      assert.ok(!needsAnalyze(a), `the counters alone (${a.changed} changes of ${a.rows} rows) would not have called for it`);
      assert.ok(a.rows >= 20000, JSON.stringify(a));
      const after = stats(store, 'tasks');
      assert.equal(after.analyzes, 2);
      assert.ok(after.rows >= 21000, `reltuples after: ${after.rows}`);
    } finally {
      store.close();
    }
  });

  test('ANALYZE\'s lock (SHARE UPDATE EXCLUSIVE) held elsewhere: claims and adds go on beside it, the tick\'s ANALYZE skips instead of waiting, the next tick does it', async () => {
    const schema = freshSchema('analyze');
    const store = pgQueue(join(tempDir(), 'unused.db'), { schema });
    const other = openStore(join(tempDir(), 'unused.db'), { url, schema });
    try {
      const now = Date.now();
      store.tx(() => {
        for (let i = 0; i < 2000; i++) addTask(store, { title: `bulk ${i}` }, at(now));
      });
      await countersShow(store, 2000);
      // What a running VACUUM or ANALYZE holds on the table, held by another connection until ROLLBACK.
      other.db.exec('BEGIN; LOCK TABLE tasks IN SHARE UPDATE EXCLUSIVE MODE');
      let held = true;
      try {
        // A claim and an add on the queue's own connection are not blocked (they would fail BUSY after lock_timeout).
        assert.ok(claimTask(store, { agent: 'coder' }, at(now + 500)).task);
        addTask(store, { title: 'added beside the lock' }, at(now + 500));
        const out = tick(store, now + 1000);
        assert.equal(out.errors, undefined, JSON.stringify(out.errors));
        assert.deepEqual(out.analyzed?.map((a) => a.table), ['tasks'], 'asked for');
        assert.equal(stats(store, 'tasks').analyzes, 0, 'the server skipped it (SKIP_LOCKED): the lock was taken');
        other.db.exec('ROLLBACK');
        held = false;
        const next = tick(store, now + 2000);
        assert.deepEqual(next.analyzed?.map((a) => a.table), ['tasks']);
        assert.equal(stats(store, 'tasks').analyzes, 1);
      } finally {
        if (held) other.db.exec('ROLLBACK');
      }
    } finally {
      other.close();
      store.close();
    }
  });

  test('the check failing (a role that may not read pg_stat_user_tables) is recorded as the step\'s error; the tick completes its other steps', () => {
    // Its own database (the REVOKE is per database) and role, dropped afterwards.
    const admin = openStore(join(tempDir(), 'unused.db'), { url, schema: freshSchema('admin') });
    const name = freshRole(url, 'pgan');
    admin.db.exec(`CREATE DATABASE ${name}`);
    admin.db.exec(`CREATE ROLE ${name} LOGIN`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    const inDb = openStore(join(tempDir(), 'unused.db'), { url: dbUrl.toString(), schema: 'setup' });
    let store: Store | undefined;
    try {
      inDb.db.exec(`GRANT CREATE ON DATABASE ${name} TO ${name}; CREATE SCHEMA q AUTHORIZATION ${name};
        REVOKE SELECT ON pg_catalog.pg_stat_user_tables FROM PUBLIC`);
      const roleUrl = new URL(dbUrl.toString());
      roleUrl.username = name;
      store = openStore(join(tempDir(), 'unused.db'), { url: roleUrl.toString(), schema: 'q' });
      const now = Date.now();
      const task = addTask(store, { title: 'still dispatched' }, at(now)).task;
      const ran: string[] = [];
      const hooks: TickHooks = {
        dispatch: () => (ran.push('dispatch'), {}),
        render: () => (ran.push('render'), {}),
      };
      const out = tick(store, now + 1000, hooks);
      assert.equal(out.analyzed, undefined);
      assert.equal(out.errors?.length, 1, JSON.stringify(out.errors));
      assert.equal(out.errors![0]!.step, 'analyze');
      assert.match(out.errors![0]!.error, /permission denied.*pg_stat_user_tables/);
      assert.deepEqual(ran, ['dispatch', 'render']);
      assert.deepEqual((out.digest as { tick_errors?: Array<{ step: string }> }).tick_errors?.map((e) => e.step), ['analyze']);
      assert.equal(store.tasks.get(task.id)?.status, 'ready');
      // The same failure next tick: still recorded in the tick's result, reported once in the digests.
      const again = tick(store, now + 2000, hooks);
      assert.equal(again.errors?.[0]?.step, 'analyze');
      assert.equal((again.digest as { tick_errors?: unknown[] }).tick_errors, undefined);
      assert.deepEqual(ran, ['dispatch', 'render', 'dispatch', 'render']);
    } finally {
      store?.close();
      inDb.close();
      admin.db.exec(`DROP DATABASE ${name} WITH (FORCE)`);
      admin.db.exec(`DROP ROLE ${name}`);
      admin.close();
    }
  });

  /** `url` logging in as `role` (trust auth: the test clusters' and the dev cluster's). */
  const as = (role: string): string => {
    const u = new URL(url);
    u.username = role;
    return u.toString();
  };

  /**
   * A DBA's layout: `owner` creates the queue in its own schema (steward's migrations), and the queue's role gets only
   * what steward's statements need (DML on the tables, the sequences of the ids). Returns the owner's store; the caller
   * drops the roles (dropRoles).
   */
  function ownedQueue(admin: Store, owner: string, grantees: string[]): { schema: string; asOwner: Store } {
    const schema = freshSchema('analyze');
    const db = (admin.db.prepare('SELECT current_database() AS db').get() as { db: string }).db;
    // CREATE on the database: steward's migrations say CREATE SCHEMA IF NOT EXISTS, which the server checks first.
    admin.db.exec(`CREATE ROLE ${owner} LOGIN; CREATE SCHEMA ${schema} AUTHORIZATION ${owner}; GRANT CREATE ON DATABASE "${db}" TO ${owner}`);
    const asOwner = pgQueue(join(tempDir(), 'unused.db'), { url: as(owner), schema });
    for (const g of grantees) {
      asOwner.db.exec(`GRANT USAGE ON SCHEMA ${schema} TO ${g};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${g};
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${g}`);
    }
    return { schema, asOwner };
  }

  /** Drops the roles and everything they own or were granted (the queue's schema with them). */
  function dropRoles(admin: Store, roles: string[]): void {
    if (roles.length === 0) return;
    admin.db.exec(`DROP OWNED BY ${roles.join(', ')} CASCADE; DROP ROLE ${roles.join(', ')}`);
  }

  test('the queue\'s role does not own the tables (a DBA made them, steward has DML grants): the tick runs no ANALYZE it may not, the digest says so once, claims and dispatch go on; as the owner the same queue is analyzed', async () => {
    const admin = openStore(join(tempDir(), 'unused.db'), { url, schema: freshSchema('admin') });
    const owner = freshRole(url, 'own');
    const app = freshRole(url, 'app');
    const roles: string[] = [];
    const stores: Store[] = [];
    try {
      admin.db.exec(`CREATE ROLE ${app} LOGIN`);
      roles.push(app, owner);
      const { schema, asOwner } = ownedQueue(admin, owner, [app]);
      stores.push(asOwner);
      const asApp = openStore(join(tempDir(), 'unused.db'), { url: as(app), schema });
      stores.push(asApp);
      const now = Date.now();
      asApp.tx(() => {
        for (let i = 0; i < 2000; i++) addTask(asApp, { title: `bulk ${i}` }, at(now));
      });
      await countersShow(asApp, 2000);
      const before = stats(asOwner, 'tasks');
      assert.deepEqual([before.analyzes, before.autoanalyzes, before.lastAnalyze], [0, 0, null]);
      // The check reads what the server will do: not the owner, so no ANALYZE; the owner is named.
      const checked = asApp.read(() => tableChanges(asApp.db));
      assert.deepEqual(checked.map((c) => [c.table, c.may_analyze, c.owner, c.role]), [['tasks', false, owner, app], ['runs', false, owner, app]]);
      assert.ok(needsAnalyze(checked[0]!), JSON.stringify(checked[0]));

      const claimed: number[] = [];
      const hooks: TickHooks = {
        dispatch: (store, ctx) => {
          const c = claimTask(store, { agent: 'coder' }, ctx);
          if (c.task) claimed.push(c.task.id);
          return { acted: { started: c.task ? 1 : 0 } };
        },
      };
      const first = tick(asApp, now + 1000, hooks);
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      assert.equal(first.analyzed, undefined, `no ANALYZE the role may not run: ${JSON.stringify(first.analyzed)}`);
      assert.deepEqual(first.analyze_skipped?.map((a) => a.table), ['tasks'], JSON.stringify(first.analyze_skipped));
      assert.ok(first.analyze_skipped![0]!.changed >= 2000);
      assert.equal(first.digest.acted?.analyzed, undefined);
      assert.equal(first.digest.quiet, false);
      assert.deepEqual(first.digest.setup?.map((p) => [p.role, p.tables, p.owners]), [[app, ['tasks', 'runs'], [owner]]], JSON.stringify(first.digest.setup));
      const text = digestText(first.digest);
      assert.match(text, new RegExp(`^setup: role ${app} may not ANALYZE tasks, runs \\(owned by ${owner}\\).* — to fix: .*ALTER TABLE … OWNER TO ${app}.*GRANT MAINTAIN`, 'm'));
      assert.match(text, /needs a judgement: 1 setup problem/);
      // Nothing reached the server: the counters stand (the server's own refusal would leave them too — the check
      // above and `analyzed` absent are what tell the two apart; the bridge does not pass notices on).
      const after = stats(asOwner, 'tasks');
      assert.deepEqual([after.analyzes, after.lastAnalyze], [0, null]);
      assert.equal(claimed.length, 1, 'dispatch claimed');
      assert.equal(asApp.tasks.get(claimed[0]!)?.status, 'running');
      assert.equal(first.digest.acted?.started, 1);

      // The next tick: the same skip in its result, not in its digest (reported once); claims go on.
      const second = tick(asApp, now + 2000, hooks);
      assert.equal(second.errors, undefined, JSON.stringify(second.errors));
      assert.equal(second.analyzed, undefined);
      assert.deepEqual(second.analyze_skipped?.map((a) => a.table), ['tasks']);
      assert.equal(second.digest.setup, undefined, JSON.stringify(second.digest));
      assert.doesNotMatch(digestText(second.digest), /setup/);
      assert.equal(claimed.length, 2);
      assert.equal(stats(asOwner, 'tasks').analyzes, 0);

      // The premise: this role's own ANALYZE is a no-op the server only warns about.
      asApp.db.exec('ANALYZE tasks');
      assert.equal(stats(asOwner, 'tasks').analyzes, 0, 'the server skipped it: the role really may not');

      // The same queue ticked as its owner: analyzed, nothing skipped, no setup problem.
      const asOwnerTick = tick(asOwner, now + 3000, hooks);
      assert.equal(asOwnerTick.errors, undefined, JSON.stringify(asOwnerTick.errors));
      assert.deepEqual(asOwnerTick.analyzed?.map((a) => a.table), ['tasks'], JSON.stringify(asOwnerTick.analyzed));
      assert.equal(asOwnerTick.analyze_skipped, undefined);
      assert.equal(asOwnerTick.digest.setup, undefined);
      const analyzed = stats(asOwner, 'tasks');
      assert.equal(analyzed.analyzes, 1);
      assert.notEqual(analyzed.lastAnalyze, null);
      assert.ok(Math.abs(analyzed.rows - 2000) <= 20, `reltuples after: ${analyzed.rows}`);
      assert.equal(claimed.length, 3);

      // Back to the queue's role, the problem is still there: said again (it cleared in between).
      const again = tick(asApp, now + 4000, hooks);
      assert.equal(again.digest.setup?.length, 1);
    } finally {
      for (const s of stores) s.close();
      dropRoles(admin, roles);
      admin.close();
    }
  });

  test('the check agrees with the server\'s own rule for the owner, an INHERIT member of the owner, a NOINHERIT member, a DML grantee and a superuser', () => {
    const admin = openStore(join(tempDir(), 'unused.db'), { url, schema: freshSchema('admin') });
    const owner = freshRole(url, 'own');
    const inherit = freshRole(url, 'inh');
    const noinherit = freshRole(url, 'noinh');
    const grantee = freshRole(url, 'dml');
    const roles: string[] = [];
    const stores: Store[] = [];
    try {
      admin.db.exec(`CREATE ROLE ${inherit} LOGIN INHERIT; CREATE ROLE ${noinherit} LOGIN NOINHERIT; CREATE ROLE ${grantee} LOGIN`);
      roles.push(inherit, noinherit, grantee, owner);
      // Every role gets the DML grants: a NOINHERIT member has none of the owner's privileges without SET ROLE.
      const { schema, asOwner } = ownedQueue(admin, owner, [grantee, inherit, noinherit]);
      stores.push(asOwner);
      admin.db.exec(`GRANT ${owner} TO ${inherit}; GRANT ${owner} TO ${noinherit}`);
      const cases: Array<[string, string]> = [[owner, as(owner)], [inherit, as(inherit)], [noinherit, as(noinherit)], [grantee, as(grantee)], ['superuser', url]];
      const seen: Array<[string, boolean, boolean]> = [];
      for (const [name, roleUrl] of cases) {
        const store = openStore(join(tempDir(), 'unused.db'), { url: roleUrl, schema });
        stores.push(store);
        const check = store.read(() => tableChanges(store.db)).find((c) => c.table === 'runs')!;
        const before = stats(asOwner, 'runs').analyzes;
        store.db.exec('ANALYZE runs');
        const ran = stats(asOwner, 'runs').analyzes > before;
        seen.push([name, check.may_analyze, ran]);
      }
      // pg_has_role(…, 'MEMBER') would call the NOINHERIT member able: the server wants the owner's privileges (USAGE).
      assert.deepEqual(seen, [[owner, true, true], [inherit, true, true], [noinherit, false, false], [grantee, false, false], ['superuser', true, true]]);
    } finally {
      for (const s of stores) s.close();
      dropRoles(admin, roles);
      admin.close();
    }
  });
});

test('on SQLite the tick has no statistics step: 1,500 tasks added at once, no ANALYZE, no sqlite_stat1', () => {
  const store = openStore(join(tempDir(), 'queue.db'), { url: '' });
  try {
    assert.equal(store.dialect, 'sqlite');
    store.tx(() => {
      for (let i = 0; i < 1500; i++) addTask(store, { title: `bulk ${i}` }, at(1));
    });
    assert.ok(1500 >= ANALYZE_MIN_CHANGES);
    const out = tick(store, 1000);
    assert.equal(out.analyzed, undefined);
    assert.equal(out.digest.acted?.analyzed, undefined);
    assert.equal((store.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").get() as { n: number }).n, 0);
  } finally {
    store.close();
  }
});
