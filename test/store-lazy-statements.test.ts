// The repositories' statements are prepared when first run on SQLite (src/store/lazy-statements.ts). What that must
// not lose: a wrong statement still fails the suite (every repository built on the connection itself prepares all of
// its statements), and a statement's raw()/pluck() set before it was prepared still shape its rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask } from '../src/ops/index.js';
import { ArchiveRepo } from '../src/store/archive-repo.js';
import { BranchRepo } from '../src/store/branch-repo.js';
import { BudgetRepo } from '../src/store/budget-repo.js';
import { lazilyPreparing } from '../src/store/lazy-statements.js';
import { openStore } from '../src/store/open-store.js';
import { AgentRepo, EventRepo, MetaRepo } from '../src/store/misc-repos.js';
import { ProposalRepo } from '../src/store/proposal-repo.js';
import { ReportRepo } from '../src/store/report-repo.js';
import { RunRepo } from '../src/store/run-repo.js';
import { RunStartSearch } from '../src/store/run-start.js';
import { ScheduleRepo } from '../src/store/schedule-repo.js';
import type { SqlDatabase } from '../src/store/sql-database.js';
import { TaskRepo } from '../src/store/task-repo.js';
import { WebRepo } from '../src/store/web-repo.js';
import { sqliteOnly, tempStore } from './support/helpers.js';

const REPOS = [TaskRepo, RunRepo, EventRepo, MetaRepo, AgentRepo, ProposalRepo, ReportRepo, WebRepo, BranchRepo, ArchiveRepo, ScheduleRepo, BudgetRepo, RunStartSearch];

test('every repository prepares all its statements on the connection itself: a wrong one fails here even if nothing runs it', () => {
  const store = tempStore();
  try {
    for (const Repo of REPOS) assert.doesNotThrow(() => new Repo(store.db), Repo.name);
  } finally {
    store.close();
  }
});

/** The store's connection with every prepare() recorded. */
function recordPrepares(db: SqlDatabase): string[] {
  const prepared: string[] = [];
  const real = db.prepare.bind(db);
  db.prepare = (sql: string) => {
    prepared.push(sql);
    return real(sql);
  };
  return prepared;
}

test('a repository of the store prepares a statement when it first runs it, with raw() and pluck() as set before', sqliteOnly('SQLite statements only are prepared lazily'), () => {
  const store = tempStore();
  try {
    const id = addTask(store, { title: 'lazy' }, { now: 1_000, actor: 'test' }).task.id;
    // A fresh store: no repository built yet.
    store.close();
    const again = openStore(store.path);
    const prepared = recordPrepares(again.db);
    const tasks = again.tasks;
    assert.deepEqual(prepared, [], 'building TaskRepo prepared nothing');
    // raw(true) before preparing: the row comes back as an array, which taskFromArray maps to the task.
    const task = again.read(() => tasks.get(id));
    assert.equal(task?.title, 'lazy');
    assert.equal(task?.status, 'ready');
    assert.equal(prepared.length, 1);
    assert.match(prepared[0]!, /SELECT .* FROM tasks t WHERE t\.id = \?/s);
    // pluck() before preparing: the first column alone (an object here would not be null).
    assert.equal(again.read(() => tasks.currentRun(id, 'ready')), null);
    assert.equal(prepared.length, 2);
    // Run again: prepared once.
    again.read(() => tasks.get(id));
    assert.equal(prepared.length, 2);
    again.close();
  } finally {
    if (store.db.open) store.close();
  }
});

test('SQLite: a wrong statement fails where it is first run, with the database error', sqliteOnly('SQLite statements only are prepared lazily'), () => {
  const store = tempStore();
  try {
    const stmt = lazilyPreparing(store.db).prepare('SELECT missing_column FROM no_such_table').pluck();
    assert.throws(() => stmt.get(), /no such table: no_such_table/);
  } finally {
    store.close();
  }
});
