// Numbered, append-only schema migrations, recorded in schema_migrations.
import type { Database } from 'better-sqlite3';
import { StewardError } from '../core/errors.js';

const STATE_LIST = ['pending', 'ready', 'running', 'review', 'done', 'failed', 'blocked', 'cancelled'] as const;
const STATES = STATE_LIST.map((s) => `'${s}'`).join(',');
/** The tasks table's columns at version 13, in order (what migration 14 copies). */
const TASK_TABLE_COLUMNS = `id, project, title, goal, type, agent, priority, status, after_json, then_json, requires_json, verify_json,
    review, max_attempts, attempts, timeout_seconds, key, source, created_by, result, error, question, answer, feedback, blocked_kind,
    run_after, parent_id, proposal_id, current_run_id, created_at, updated_at, finished_at, last_run_id, last_event_id, ready_at,
    complexity, has_paths`;

/** Migration N is MIGRATIONS[N-1]. Never edit a released one: append. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    project TEXT NOT NULL DEFAULT 'default',
    title TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'code',
    agent TEXT NOT NULL DEFAULT 'any',
    priority INTEGER NOT NULL DEFAULT 50,
    status TEXT NOT NULL CHECK (status IN (${STATES})),
    after_json TEXT NOT NULL DEFAULT '[]',
    then_json TEXT NOT NULL DEFAULT '[]',
    requires_json TEXT NOT NULL DEFAULT '[]',
    verify_json TEXT NOT NULL DEFAULT '[]',
    review INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    attempts INTEGER NOT NULL DEFAULT 0,
    timeout_seconds INTEGER,
    key TEXT UNIQUE,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    result TEXT,
    error TEXT,
    question TEXT,
    answer TEXT,
    feedback TEXT,
    blocked_kind TEXT,
    run_after INTEGER NOT NULL DEFAULT 0,
    parent_id INTEGER REFERENCES tasks(id),
    proposal_id INTEGER,
    current_run_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  -- One small partial index per live state: a state change touches only the two it moves between,
  -- and done/cancelled tasks (the bulk of an old queue) are in none of them.
  CREATE INDEX tasks_ready ON tasks(priority, created_at, id) WHERE status = 'ready';
  CREATE INDEX tasks_pending ON tasks(id) WHERE status = 'pending';
  CREATE INDEX tasks_running ON tasks(id) WHERE status = 'running';
  CREATE INDEX tasks_blocked ON tasks(id) WHERE status = 'blocked';
  CREATE INDEX tasks_review ON tasks(id) WHERE status = 'review';
  CREATE INDEX tasks_failed ON tasks(id) WHERE status = 'failed';
  CREATE INDEX tasks_by_order ON tasks(priority, id);
  CREATE INDEX tasks_by_project ON tasks(project, priority, id);
  CREATE TABLE task_deps (
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    depends_on INTEGER NOT NULL REFERENCES tasks(id),
    PRIMARY KEY (task_id, depends_on)
  ) WITHOUT ROWID;
  CREATE INDEX task_deps_by_dep ON task_deps(depends_on, task_id);
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    agent TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running','finished')),
    outcome TEXT,
    failure_kind TEXT,
    lease_ms INTEGER NOT NULL,
    lease_expires_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    host TEXT, pid INTEGER, pgid INTEGER, exit_code INTEGER,
    error TEXT, summary TEXT,
    evidence_json TEXT, artifacts_json TEXT, late_json TEXT,
    cost_usd REAL, tokens_in INTEGER, tokens_out INTEGER,
    session_id TEXT, log_path TEXT
  );
  CREATE INDEX runs_by_task ON runs(task_id, id);
  CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('new','accepted','rejected','merged')),
    title TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    type TEXT, project TEXT, priority INTEGER, agent TEXT,
    after_json TEXT NOT NULL DEFAULT '[]',
    then_json TEXT NOT NULL DEFAULT '[]',
    requires_json TEXT NOT NULL DEFAULT '[]',
    verify_json TEXT NOT NULL DEFAULT '[]',
    review INTEGER, max_attempts INTEGER,
    key TEXT,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT,
    task_id INTEGER REFERENCES tasks(id),
    merged_into INTEGER REFERENCES proposals(id),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by TEXT
  );
  CREATE INDEX proposals_by_status ON proposals(status, id);
  CREATE INDEX proposals_by_key ON proposals(key) WHERE key IS NOT NULL;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    task_id INTEGER, run_id INTEGER, proposal_id INTEGER,
    from_status TEXT, to_status TEXT,
    reason TEXT,
    data_json TEXT
  );
  CREATE INDEX events_by_task ON events(task_id, id);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE agents (name TEXT PRIMARY KEY, paused_until INTEGER, reason TEXT) WITHOUT ROWID;
  `,
  // 2: the babysitter's process identity ("<boot id>:<start ticks>"), so a reused pid is not mistaken for it.
  `ALTER TABLE runs ADD COLUMN proc_start TEXT;`,
  // 3: a task's runs and events as chains from the task row instead of two indexes. Every claim and every
  // transition wrote a page of runs_by_task / events_by_task at a random place; the task row is written anyway,
  // so the chain heads cost nothing. ready_at: when a task last became claimable (claim wait without the events index).
  `
  ALTER TABLE tasks ADD COLUMN last_run_id INTEGER;
  ALTER TABLE tasks ADD COLUMN last_event_id INTEGER;
  ALTER TABLE tasks ADD COLUMN ready_at INTEGER;
  ALTER TABLE runs ADD COLUMN prev_run_id INTEGER;
  ALTER TABLE runs ADD COLUMN ready_at INTEGER;
  ALTER TABLE events ADD COLUMN prev_event_id INTEGER;
  UPDATE runs SET
    prev_run_id = (SELECT MAX(p.id) FROM runs p WHERE p.task_id = runs.task_id AND p.id < runs.id),
    ready_at = (SELECT MAX(e.at) FROM events e WHERE e.task_id = runs.task_id AND e.to_status = 'ready' AND e.at <= runs.started_at);
  UPDATE events SET prev_event_id = (SELECT MAX(p.id) FROM events p WHERE p.task_id = events.task_id AND p.id < events.id)
    WHERE task_id IS NOT NULL;
  UPDATE tasks SET
    last_run_id = (SELECT MAX(id) FROM runs WHERE task_id = tasks.id),
    last_event_id = (SELECT MAX(id) FROM events WHERE task_id = tasks.id),
    ready_at = CASE WHEN status = 'ready' THEN updated_at END;
  DROP INDEX runs_by_task;
  DROP INDEX events_by_task;
  `,
  // 4: ready and running tasks in one partial index (see store/state-index.ts): a claim rewrites its entry in place
  // and a completion removes it from the same leaf, one index page per cycle where tasks_ready + tasks_running took two.
  `
  DROP INDEX tasks_ready;
  DROP INDEX tasks_running;
  CREATE INDEX tasks_live ON tasks(priority, created_at, id, status) WHERE status IN ('ready', 'running');
  `,
  // 5: coding tasks in git worktrees (docs/WORKTREES.md): a task's branch and where its merge back stands,
  // and the path globs a task leases while it runs. Own tables, so the hot task row stays as it was.
  `
  CREATE TABLE task_branches (
    task_id INTEGER PRIMARY KEY REFERENCES tasks(id),
    repo TEXT NOT NULL,
    branch TEXT NOT NULL,
    base TEXT NOT NULL,
    state TEXT NOT NULL,
    worktree TEXT,
    files_json TEXT,
    conflict_json TEXT,
    merged_commit TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX task_branches_by_state ON task_branches(state) WHERE state <> 'merged';
  CREATE TABLE task_paths (task_id INTEGER PRIMARY KEY REFERENCES tasks(id), paths_json TEXT NOT NULL);
  `,
  // 6: an agent profile whose CLI refused to start (a configuration failure), flagged by doctor and the digest
  // until a run of it finishes otherwise.
  `
  ALTER TABLE agents ADD COLUMN config_error TEXT;
  ALTER TABLE agents ADD COLUMN config_error_at INTEGER;
  `,
  // 7: finished tasks a person archived: kept with their runs and events, left off TASKS.md and `list`.
  `CREATE TABLE archived_tasks (task_id INTEGER PRIMARY KEY REFERENCES tasks(id), at INTEGER NOT NULL, by TEXT NOT NULL);`,
  // 8: the run row is the audit record of its claim and its completion (docs/DESIGN.md, "Audit"): who claimed and
  // who finished it, and the task's newest event at each moment (where the two sit in the task's timeline). A claim
  // and a completion to done write no event row from now on; runs from before keep the events they wrote.
  `
  ALTER TABLE runs ADD COLUMN claimed_by TEXT;
  ALTER TABLE runs ADD COLUMN claim_after_event INTEGER;
  ALTER TABLE runs ADD COLUMN finished_by TEXT;
  ALTER TABLE runs ADD COLUMN finish_after_event INTEGER;
  `,
  // 9: recurring tasks. schedules holds the ones added with `steward schedule add` (config ones live in the config);
  // schedule_cursors the time each schedule (either kind) was last looked at; schedule_slots one row per slot handled,
  // its primary key the idempotency key (schedule, slot): a slot creates at most one task, whoever ticks.
  `
  CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    spec_json TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE schedule_cursors (schedule_id TEXT PRIMARY KEY, seen_until INTEGER NOT NULL);
  CREATE TABLE schedule_slots (
    schedule_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('created', 'overlap')),
    at INTEGER NOT NULL,
    PRIMARY KEY (schedule_id, slot)
  );
  CREATE INDEX schedule_slots_by_task ON schedule_slots(task_id) WHERE task_id IS NOT NULL;
  `,
  // 10: budgets (issue 21): a run's model turns beside its cost and tokens; runs by start time (spend of a day or week
  // without a scan: the index only ever grows at its end); a task's own run caps, in their own table like task_paths.
  `
  ALTER TABLE runs ADD COLUMN turns INTEGER;
  CREATE INDEX runs_by_start ON runs(started_at);
  CREATE TABLE task_budgets (task_id INTEGER PRIMARY KEY REFERENCES tasks(id), budget_json TEXT NOT NULL);
  `,
  // 11: model routing: a task's complexity (low | normal | high, picks the model) and the model a run used.
  `
  ALTER TABLE tasks ADD COLUMN complexity TEXT;
  ALTER TABLE runs ADD COLUMN model TEXT;
  `,
  // 12: the file lease every claim checks reads the running and ready tasks that have path globs. Through tasks_live
  // that walked every ready task (O(queue) per claim: 137 µs of a 513 µs cycle at 5,000 ready tasks); tasks_with_paths
  // holds only tasks with paths, so a queue without any pays two empty seeks. A pathless task never enters it: the
  // claim+complete cycle writes no extra index page.
  `
  ALTER TABLE tasks ADD COLUMN has_paths INTEGER NOT NULL DEFAULT 0;
  UPDATE tasks SET has_paths = 1 WHERE id IN (SELECT task_id FROM task_paths);
  CREATE INDEX tasks_with_paths ON tasks(status, id) WHERE has_paths = 1;
  `,
  // 13: runs_by_start (10) goes: every claim wrote a page of it (one WAL frame of about seven per claim+complete
  // cycle, 13-14 µs of CPU) for budget and board queries made a few times a minute. Run ids grow with start times, so
  // those queries read an id range found by a binary search on the primary key (store/run-start.ts).
  `DROP INDEX runs_by_start;`,
  // 14: the tasks table rebuilt (https://www.sqlite.org/lang_altertable.html, the 12 steps; migrate() turns foreign keys
  // off around it) with its status CHECK as a chain of comparisons. `status IN (8 values)` made SQLite build an
  // ephemeral table for the list on every UPDATE that writes status (two per claim+complete cycle); with 2 values or
  // fewer it compares directly, so the 8 are spelled out. Same columns in the same order, the same indexes.
  `
  CREATE TABLE tasks_rebuilt (
    id INTEGER PRIMARY KEY,
    project TEXT NOT NULL DEFAULT 'default',
    title TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'code',
    agent TEXT NOT NULL DEFAULT 'any',
    priority INTEGER NOT NULL DEFAULT 50,
    status TEXT NOT NULL CHECK (${STATE_LIST.map((s) => `status = '${s}'`).join(' OR ')}),
    after_json TEXT NOT NULL DEFAULT '[]',
    then_json TEXT NOT NULL DEFAULT '[]',
    requires_json TEXT NOT NULL DEFAULT '[]',
    verify_json TEXT NOT NULL DEFAULT '[]',
    review INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    attempts INTEGER NOT NULL DEFAULT 0,
    timeout_seconds INTEGER,
    key TEXT UNIQUE,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    result TEXT,
    error TEXT,
    question TEXT,
    answer TEXT,
    feedback TEXT,
    blocked_kind TEXT,
    run_after INTEGER NOT NULL DEFAULT 0,
    parent_id INTEGER REFERENCES tasks(id),
    proposal_id INTEGER,
    current_run_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    last_run_id INTEGER,
    last_event_id INTEGER,
    ready_at INTEGER,
    complexity TEXT,
    has_paths INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO tasks_rebuilt (${TASK_TABLE_COLUMNS}) SELECT ${TASK_TABLE_COLUMNS} FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_rebuilt RENAME TO tasks;
  CREATE INDEX tasks_pending ON tasks(id) WHERE status = 'pending';
  CREATE INDEX tasks_blocked ON tasks(id) WHERE status = 'blocked';
  CREATE INDEX tasks_review ON tasks(id) WHERE status = 'review';
  CREATE INDEX tasks_failed ON tasks(id) WHERE status = 'failed';
  CREATE INDEX tasks_by_order ON tasks(priority, id);
  CREATE INDEX tasks_by_project ON tasks(project, priority, id);
  CREATE INDEX tasks_live ON tasks(priority, created_at, id, status) WHERE status IN ('ready', 'running');
  CREATE INDEX tasks_with_paths ON tasks(status, id) WHERE has_paths = 1;
  `,
  // 15: the common claim and the common completion as ONE autocommitted statement each (docs/BENCHMARKS.md, issue 18
  // goal 3, session 7). A statement changes one table, so the second write of each is a trigger, run by SQLite in C:
  // - runs_claim: a running run inserted for a READY task claims it (the task points at the run, which heads its run
  //   chain). Runs are only inserted by claims (RunRepo.insert, TaskRepo.claimAlone); a run inserted for a task that is
  //   not ready (fixtures, the tick bench) changes nothing.
  // - runs_complete_one: fires only for RunRepo.completeAlone, the one UPDATE that names claim_after_event in its SET
  //   list (to the value it has: a marker, `UPDATE OF` picks the trigger at prepare time). Its WHERE has already judged
  //   the run live and the common case (no review, follow-ups, dependents, flagged profile or unmerged branch); the
  //   trigger moves the task to done and aborts the statement unless exactly that one task changed.
  // Postgres claims and completes through its own one-statement CTEs (TaskRepo.claimOpen, RunRepo.completeOpen); its
  // twin adds nothing. A later rebuild of tasks must drop and re-create these (their bodies name tasks).
  `
  CREATE TRIGGER runs_claim AFTER INSERT ON runs WHEN NEW.status = 'running' BEGIN
    UPDATE tasks SET status = 'running', current_run_id = NEW.id, last_run_id = NEW.id, updated_at = NEW.started_at
    WHERE id = NEW.task_id AND status = 'ready';
  END;
  CREATE TRIGGER runs_complete_one AFTER UPDATE OF claim_after_event ON runs
  WHEN OLD.status = 'running' AND NEW.status = 'finished' AND NEW.outcome = 'completed' BEGIN
    UPDATE tasks SET status = 'done', result = NEW.summary, error = NULL, current_run_id = NULL, finished_at = NEW.finished_at,
      updated_at = NEW.finished_at
    WHERE id = NEW.task_id AND status = 'running' AND current_run_id = NEW.id;
    SELECT RAISE(ABORT, 'steward-guard: the completed run''s task was not running on it') WHERE changes() <> 1;
  END;
  `,
  // 16: when the next ready task comes due (a retry's backoff, a requeue): a parked remote claim (src/remote/claim-wait.ts)
  // wakes then, read as the first entry of this index after `now` (TaskRepo.nextDue). Only ready tasks with a run_after
  // are in it — a new task's run_after is 0 — so the common claim+complete cycle writes no page of it.
  `CREATE INDEX tasks_due ON tasks(run_after) WHERE status = 'ready' AND run_after > 0;`,
  // 17: a proposal keeps the complexity and timeout it was proposed with (`steward propose` and inbox files take both;
  // MCP propose takes neither), so accepting it gives its task the same; they were read and then dropped.
  `
  ALTER TABLE proposals ADD COLUMN complexity TEXT;
  ALTER TABLE proposals ADD COLUMN timeout_seconds INTEGER;
  `,
  // 18: why the tick's auto-accept refused a proposal (a missing dependency, a key taken). It is left for a person and
  // not tried again by the tick: 500 proposals that can never be accepted no longer take every tick's batch (DECIDE_BATCH)
  // and starve the ones behind them.
  `ALTER TABLE proposals ADD COLUMN auto_refused TEXT;`,
];

/** Migrations that rebuild a table others reference: applied with foreign keys off (a DROP TABLE would fail them). */
const REBUILDS: ReadonlySet<number> = new Set([14]);

/** Applies every migration not yet recorded, each in its own IMMEDIATE transaction. */
export function migrate(db: Database): number {
  if (upToDate(db)) return 0; // the common open: one read, no write lock
  refuseForeign(db);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  refuseNewer((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0, db.name);
  let applied = 0;
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    const rebuild = REBUILDS.has(version);
    const run = db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version);
      if (done) return false;
      const broken = rebuild ? foreignKeyProblems(db) : 0;
      db.exec(sql);
      // Step 10 of the rebuild: it must not leave a reference dangling that was whole before (rolled back if it did).
      if (rebuild && foreignKeyProblems(db) > broken) throw new Error(`migration ${version} left foreign keys broken (PRAGMA foreign_key_check)`);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      return true;
    });
    // PRAGMA foreign_keys is a no-op inside a transaction: switched off before it, back on after, whatever happened.
    const keysOn = rebuild && db.pragma('foreign_keys', { simple: true }) === 1;
    if (keysOn) db.pragma('foreign_keys = OFF');
    try {
      if (run.immediate()) applied++;
    } finally {
      if (keysOn) db.pragma('foreign_keys = ON');
    }
  });
  return applied;
}

/**
 * A SQLite file with tables but no schema_migrations is some other program's database (a wrong --to, --dir or path):
 * refused as not a steward database, before anything is written into it.
 */
function refuseForeign(db: Database): void {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
  if (tables.length === 0 || tables.includes('schema_migrations')) return;
  throw new StewardError('UNAVAILABLE', `the file is not a steward database: ${db.name} holds tables (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', …' : ''}) but no schema_migrations`, {
    path: db.name, tables: tables.slice(0, 10),
  });
}

/**
 * A queue a newer steward migrated is not written by this one: it would write rows without what the later migrations
 * added (migration 12's has_paths, left 0, hid a task's file lease from every claim). UNSUPPORTED_VERSION, nothing written.
 */
export function refuseNewer(version: number, where: string): void {
  if (version <= MIGRATIONS.length) return;
  throw new StewardError('UNSUPPORTED_VERSION', `the queue at ${where} is at schema ${version}; this steward knows up to ${MIGRATIONS.length}: use a newer steward`, {
    schema: version, supported: MIGRATIONS.length,
  });
}

/** How many rows PRAGMA foreign_key_check reports (references to a row that does not exist). */
function foreignKeyProblems(db: Database): number {
  return (db.pragma('foreign_key_check') as unknown[]).length;
}

/** Whether every migration is recorded as applied (versions 1…N, N = this code's): then there is nothing to do. */
function upToDate(db: Database): boolean {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return false;
  const row = db.prepare('SELECT count(*) AS n, min(version) AS lo, max(version) AS hi FROM schema_migrations').get() as { n: number; lo: number | null; hi: number | null };
  return row.n === MIGRATIONS.length && row.lo === 1 && row.hi === MIGRATIONS.length;
}

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;
