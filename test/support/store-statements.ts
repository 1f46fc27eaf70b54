// Every SQL text the store's repositories prepare, collected by constructing each repository over a recording
// connection (nothing runs), plus the statements TableWriter builds per column set. test/pg-dialect.test.ts runs them
// all through the Postgres translation and PREPAREs them on a real server, so a statement that cannot run there fails.
import { ArchiveRepo } from '../../src/store/archive-repo.js';
import { BranchRepo } from '../../src/store/branch-repo.js';
import { BudgetRepo } from '../../src/store/budget-repo.js';
import { AgentRepo, EventRepo, MetaRepo } from '../../src/store/misc-repos.js';
import { ProposalRepo } from '../../src/store/proposal-repo.js';
import { ReportRepo } from '../../src/store/report-repo.js';
import { RunRepo } from '../../src/store/run-repo.js';
import { ScheduleRepo } from '../../src/store/schedule-repo.js';
import { TaskRepo } from '../../src/store/task-repo.js';
import { WebRepo } from '../../src/store/web-repo.js';

/** One statement a repository prepares: which repository, and its text. */
export interface RepoStatement {
  repo: string;
  sql: string;
}

/** Constructs every repository over a connection that records `prepare` and runs nothing. */
export function repositoryStatements(): RepoStatement[] {
  const out: RepoStatement[] = [];
  let repo = '';
  const stmt = {
    raw: () => stmt,
    pluck: () => stmt,
    run: () => ({ changes: 1, lastInsertRowid: 1 }),
    get: () => undefined,
    all: () => [],
    iterate: () => [][Symbol.iterator](),
  };
  const db = {
    dialect: 'postgres',
    prepare(sql: string) {
      out.push({ repo, sql });
      return stmt;
    },
    exec() {},
    pragma() {},
    transaction: (fn: () => unknown) => Object.assign(fn, { immediate: fn }),
    inTransaction: false,
    open: true,
    close() {},
  } as never;
  const repos = { TaskRepo, RunRepo, ProposalRepo, EventRepo, MetaRepo, AgentRepo, ReportRepo, WebRepo, BranchRepo, ArchiveRepo, ScheduleRepo, BudgetRepo };
  for (const [name, Repo] of Object.entries(repos)) {
    repo = name;
    const instance = new (Repo as new (db: never) => unknown)(db);
    // TableWriter's statements: an insert of every field, an update with and without a guard.
    if (name === 'TaskRepo') {
      const tasks = instance as TaskRepo;
      tasks.insert({ project: 'p', title: 't', status: 'ready', source: 's', created_by: 'c', created_at: 1, updated_at: 1, after: [], review: true, key: 'k' });
      tasks.update(1, { status: 'ready', updated_at: 2, error: null }, 'pending');
      tasks.update(1, { priority: 3 });
    } else if (name === 'RunRepo') {
      const runs = instance as RunRepo;
      runs.update(1, { pgid: 3, error: 'x' }, true);
      runs.setPgidIfUnset(1, 4);
    } else if (name === 'ProposalRepo') {
      const proposals = instance as ProposalRepo;
      proposals.insert({ status: 'new', title: 't', source: 's', created_by: 'c', created_at: 1, project: null, after: [] });
      proposals.update(1, { status: 'accepted', decided_at: 2 }, 'new');
    }
  }
  return out;
}
