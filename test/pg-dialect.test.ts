// The SQLite → Postgres translation (src/store/pg/dialect.ts): its rules on small cases (no server), then EVERY
// statement the store's repositories prepare, translated and PREPAREd on a real Postgres over the queue's schema (an
// untranslatable statement fails here), then each json_each use run through the real repositories with data.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Task } from '../src/core/types.js';
import { ProposalRepo } from '../src/store/proposal-repo.js';
import { BudgetRepo } from '../src/store/budget-repo.js';
import { EventRepo } from '../src/store/misc-repos.js';
import { translate, TranslateError, globToRegex, type SchemaInfo } from '../src/store/pg/dialect.js';
import { PgDatabase } from '../src/store/pg/pg-database.js';
import { migratePg } from '../src/store/pg/pg-migrations.js';
import { RunRepo } from '../src/store/run-repo.js';
import { TaskRepo } from '../src/store/task-repo.js';
import { WebRepo } from '../src/store/web-repo.js';
import { freshSchema, pgServer } from './support/pg-server.js';
import { repositoryStatements } from './support/store-statements.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(() => ('skip' in server ? undefined : server.stop()));

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const pg = (sql: string, schema?: SchemaInfo) => flat(translate(sql, schema).text);

test('parameters: ? in order, @name once per name, a null-tested one on its own ::text number, $n left alone', () => {
  assert.equal(pg('SELECT * FROM t WHERE a = ? AND b = ?'), 'SELECT * FROM t WHERE a = $1 AND b = $2');
  const named = translate('SELECT * FROM t WHERE (@x IS NULL OR a = @x) AND b = @y AND c = @x');
  assert.equal(flat(named.text), 'SELECT * FROM t WHERE ($1::text IS NULL OR a = $2) AND b = $3 AND c = $2');
  assert.deepEqual(named.binds, [{ name: 'x' }, { name: 'x' }, { name: 'y' }]);
  assert.equal(pg("SELECT '?', \"a?\", ? /* ? */ -- ?\n"), `SELECT '?', "a?", $1 /* ? */ -- ?`);
  assert.equal(pg('SELECT $1::int, a::text FROM t'), 'SELECT $1::int, a::text FROM t');
  assert.deepEqual(translate('SELECT :a, $b').binds, [{ name: 'a' }, { name: 'b' }]);
  assert.equal(pg('UPDATE t SET a = ? WHERE id = ? AND g IS ? AND h IS NOT ?'), 'UPDATE t SET a = $1 WHERE id = $2 AND g IS NOT DISTINCT FROM $3 AND h IS DISTINCT FROM $4');
  assert.throws(() => translate('SELECT $1, ?'), TranslateError);
});

test('INSERT OR IGNORE, upserts, REPLACE refused; the INSERT target is reported for RETURNING id', () => {
  const ins = translate('INSERT OR IGNORE INTO archived_tasks (task_id, at, by) VALUES (?, ?, ?);');
  assert.equal(flat(ins.text), 'INSERT INTO archived_tasks (task_id, at, by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING');
  assert.equal(ins.insertInto, 'archived_tasks');
  assert.equal(ins.returning, false);
  assert.equal(translate('INSERT INTO x (a) VALUES (1) RETURNING a').returning, true);
  assert.equal(translate('SELECT 1').insertInto, null);
  assert.equal(
    pg('INSERT INTO agents (name, paused_until) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET paused_until = MAX(COALESCE(paused_until, 0), excluded.paused_until), reason = excluded.reason'),
    'INSERT INTO agents (name, paused_until) VALUES ($1, $2) ON CONFLICT(name) DO UPDATE SET paused_until = GREATEST(COALESCE(agents.paused_until, 0), excluded.paused_until), reason = excluded.reason',
  );
  assert.throws(() => translate('INSERT OR REPLACE INTO t VALUES (1)'), /no Postgres form/);
  assert.throws(() => translate('REPLACE INTO t VALUES (1)'), /no Postgres form/);
});

test('functions and operators: MAX/MIN of two, instr, ifnull, CAST AS INTEGER, GLOB, LIKE, INDEXED BY', () => {
  assert.equal(pg('SELECT MAX(a, b), MIN(a, (SELECT 1)), MAX(c), min(d) FROM t'), 'SELECT GREATEST(a, b), LEAST(a, (SELECT 1)), MAX(c), min(d) FROM t');
  assert.equal(pg('SELECT instr(lower(t.title), @q) > 0, ifnull(a, 0) FROM t'), 'SELECT strpos(lower(t.title), $1) > 0, coalesce(a, 0) FROM t');
  assert.equal(pg('SELECT CAST(x / 5 AS INTEGER), CAST(y AS REAL), CAST(z AS TEXT) FROM t'), 'SELECT CAST(x / 5 AS BIGINT), CAST(y AS DOUBLE PRECISION), CAST(z AS TEXT) FROM t');
  assert.equal(pg("SELECT 1 FROM t WHERE a GLOB 'src/*.ts' AND b LIKE 'x%'"), "SELECT 1 FROM t WHERE a ~ '^src/.*\\.ts$' AND b ILIKE 'x%'");
  assert.equal(globToRegex('a?[bc]*.(x)'), '^a.[bc].*\\.\\(x\\)$');
  assert.equal(pg('SELECT 1 FROM tasks t INDEXED BY tasks_live JOIN x NOT INDEXED ON 1 = 1'), 'SELECT 1 FROM tasks t JOIN x ON 1 = 1');
  assert.equal(pg("SELECT SUM(r.outcome = 'completed'), SUM(CASE WHEN a = 1 THEN c ELSE 0 END), SUM(c), AVG(a IS NULL) FROM r"),
    "SELECT SUM((r.outcome = 'completed')::int), SUM(CASE WHEN a = 1 THEN c ELSE 0 END), SUM(c), AVG((a IS NULL)::int) FROM r");
  assert.equal(pg("SELECT group_concat(name), group_concat(id, '; ') FROM t WHERE a == 1"), "SELECT string_agg(name::text, ','), string_agg(id::text, '; ') FROM t WHERE a = 1");
});

test('json_each: text elements, bigint when compared with an id or seeding a recursive id CTE, an alias kept', () => {
  assert.equal(
    pg('SELECT 1 FROM t WHERE t.type IN (SELECT value FROM json_each(@types))'),
    'SELECT 1 FROM t WHERE t.type IN (SELECT value FROM json_array_elements_text(($1)::json) AS json_each(value))',
  );
  assert.equal(
    pg('SELECT 1 FROM t WHERE t.id NOT IN (SELECT value FROM json_each(@skip))'),
    'SELECT 1 FROM t WHERE t.id NOT IN (SELECT value FROM (SELECT e.value::bigint AS value FROM json_array_elements_text(($1)::json) AS e(value)) AS json_each)',
  );
  assert.match(pg('SELECT 1 FROM runs WHERE task_id IN (SELECT value FROM json_each(?))'), /e\.value::bigint/);
  assert.match(pg('WITH RECURSIVE up(id) AS (SELECT value FROM json_each(?) UNION SELECT 1) SELECT 1 FROM up'), /e\.value::bigint/);
  assert.equal(
    pg('SELECT 1 FROM json_each(t.requires_json) r WHERE r.value = 1'),
    'SELECT 1 FROM json_array_elements_text((t.requires_json)::json) AS r(value) WHERE r.value = 1',
  );
  assert.equal(pg('SELECT value FROM json_each(?) AS j'), 'SELECT value FROM json_array_elements_text(($1)::json) AS j(value)');
});

test('a FROM subquery gets an alias; ORDER BY sorts NULL as SQLite does unless the schema says NOT NULL', () => {
  assert.equal(pg('SELECT * FROM (SELECT 1 AS a) ORDER BY a DESC'), 'SELECT * FROM (SELECT 1 AS a) AS _s1 ORDER BY a DESC NULLS LAST');
  assert.equal(pg('SELECT * FROM (SELECT 1 AS a) s'), 'SELECT * FROM (SELECT 1 AS a) s');
  const schema: SchemaInfo = {
    notNull: (table, column) => table === 'tasks' && ['id', 'priority', 'created_at'].includes(column),
    tablesWith: (column) => (['id', 'priority', 'created_at', 'finished_at'].includes(column) ? ['tasks'] : []),
  };
  assert.equal(
    pg('SELECT id FROM tasks t ORDER BY t.priority, t.created_at, t.id LIMIT 1', schema),
    'SELECT id FROM tasks t ORDER BY t.priority, t.created_at, t.id LIMIT 1',
  );
  assert.equal(
    pg('SELECT ROW_NUMBER() OVER (PARTITION BY p ORDER BY finished_at DESC, id DESC) FROM tasks ORDER BY finished_at, id', schema),
    'SELECT ROW_NUMBER() OVER (PARTITION BY p ORDER BY finished_at DESC NULLS LAST, id DESC) FROM tasks ORDER BY finished_at NULLS FIRST, id',
  );
  // The claim's row lock names no table: t stays tasks, so the index on (priority, created_at, id) serves the ORDER BY.
  assert.equal(
    pg('SELECT t.id FROM tasks t WHERE t.status = ? ORDER BY t.priority, t.created_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED', schema),
    'SELECT t.id FROM tasks t WHERE t.status = $1 ORDER BY t.priority, t.created_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED',
  );
  // Without schema knowledge every item gets its NULLS clause (right, if slower).
  assert.equal(pg('SELECT 1 FROM t ORDER BY a ASC, b'), 'SELECT 1 FROM t ORDER BY a ASC NULLS FIRST, b NULLS FIRST');
});

/** A queue schema on the server, made by the store's own Postgres migrations. */
function queueDatabase(): PgDatabase {
  const schema = freshSchema('q');
  const db = new PgDatabase({ url, schema });
  migratePg(db, schema);
  return db;
}

test('every statement the repositories prepare translates and PREPAREs on Postgres over the queue schema', { skip }, () => {
  const db = queueDatabase();
  try {
    const statements = repositoryStatements();
    assert.ok(statements.length >= 120, `only ${statements.length} statements collected`);
    const failures: string[] = [];
    statements.forEach((s, i) => {
      let text: string;
      try {
        text = db.translated(s.sql).text;
      } catch (err) {
        failures.push(`${s.repo}: ${(err as Error).message}`);
        return;
      }
      try {
        db.exec(`PREPARE check_${i} AS ${text}; DEALLOCATE check_${i}`);
      } catch (err) {
        failures.push(`${s.repo}: ${(err as Error).message}\n    ${flat(text).slice(0, 400)}`);
      }
    });
    assert.deepEqual(failures, []);
  } finally {
    db.close();
  }
});

test('every json_each use runs on Postgres through the real repositories, ids compared as numbers', { skip }, () => {
  const db = queueDatabase();
  try {
    const sql = db as never;
    const tasks = new TaskRepo(sql);
    const runs = new RunRepo(sql);
    const events = new EventRepo(sql);
    const web = new WebRepo(sql);
    const budgets = new BudgetRepo(sql);
    const proposals = new ProposalRepo(sql);
    const add = (t: Partial<Task>) => tasks.insert({ project: 'p', title: 't', status: 'ready', source: 'test', created_by: 'test', created_at: 1, updated_at: 1, ...t });
    const a = add({ title: 'a', type: 'code', priority: 10 });
    const b = add({ title: 'b', type: 'docs', priority: 20, requires: ['gpu'] });
    const c = add({ title: 'c', type: 'code', priority: 30, project: 'q', agent: 'helper' });
    const d = add({ title: 'd', status: 'pending', after: [a] });
    tasks.setDeps(d, [a]);
    assert.deepEqual([a, b, c, d], [1, 2, 3, 4]);

    // reaches: the recursive CTE seeded from a JSON list of ids.
    assert.equal(tasks.reaches([d], a), true);
    assert.equal(tasks.reaches([b], a), false);
    // claim with types, capabilities (requires_json against @caps), excluded projects, skipped ids, fallback agents.
    const claim = (q: Partial<Parameters<TaskRepo['findClaimable']>[0]>) =>
      tasks.findClaimable({ agent: 'main', types: null, capabilities: [], now: 10, ...q })?.id;
    assert.equal(claim({ types: ['docs'] }), undefined); // b requires gpu
    assert.equal(claim({ types: ['docs'], capabilities: ['gpu'] }), b);
    assert.equal(claim({ types: ['code'], skipTasks: [a] }), undefined); // c is helper's
    assert.equal(claim({ types: ['code'], skipTasks: [a], alsoAgents: ['helper'] }), c);
    assert.equal(claim({ capabilities: ['x'], excludeProjects: ['p'], alsoAgents: ['helper'] }), c);
    assert.equal(claim({}), a);
    // page by statuses, many by ids.
    assert.deepEqual(tasks.page({ statuses: ['pending'], afterPriority: -1, afterId: 0, limit: 10 }).map((t) => t.id), [d]);
    assert.deepEqual(tasks.many([c, a, 99]).map((t) => t.id), [a, c]);
    // runs and their totals / lookups by id lists.
    const run = runs.insert({ task_id: a, agent: 'main', lease_ms: 1000, lease_expires_at: 2000, heartbeat_at: 1, started_at: 1 });
    assert.deepEqual([...web.totals([a, b]).keys()], [a]);
    assert.deepEqual([...web.runs([run]).keys()], [run]);
    // events by kinds, and the digest's variant.
    events.add({ at: 1, actor: 't', kind: 'completed', task_id: a, run_id: null, proposal_id: null, from_status: 'running', to_status: 'review', reason: null, data: null });
    events.add({ at: 2, actor: 't', kind: 'added', task_id: b, run_id: null, proposal_id: null, from_status: null, to_status: 'ready', reason: null, data: { x: 1 } });
    assert.deepEqual(events.since(0, 10, ['added']).map((e) => e.kind), ['added']);
    assert.deepEqual(events.sinceForDigest(0, ['completed', 'added'], 10).map((e) => e.kind), ['completed', 'added']);
    // budgets: ready tasks of a project among types.
    assert.deepEqual(budgets.readyIn('p', ['code', 'docs']), [a, b]);
    // the inbox: new proposals from some sources, or from any but some.
    const from = (source: string) => proposals.insert({ status: 'new', title: source, source, created_by: 't', created_at: 1 });
    const [p1, p2] = [from('inbox'), from('mcp')];
    assert.deepEqual(proposals.newFrom(['inbox'], null, 10).map((p) => p.id), [p1]);
    assert.deepEqual(proposals.newFrom([], ['inbox'], 10).map((p) => p.id), [p2]);
  } finally {
    db.close();
  }
});
