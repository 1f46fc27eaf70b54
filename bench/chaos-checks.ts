// The chaos run's invariants, checked on the database, the outbox and the fake CLI's token file after the run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decideFailure, FAILURE_KINDS, type FailureKind } from '../src/core/policy.js';
import type { Store } from '../src/store/open-store.js';

/** One invariant's verdict; `problems` says what broke it (capped). */
export interface InvariantResult {
  name: string;
  ok: boolean;
  problems: string[];
}

/** What the checks read besides the database. */
export interface CheckInput {
  store: Store;
  outboxDir: string;
  logsDir: string;
  /** Tokens the fake CLI appended to its token file, one per successful run it finished writing. */
  tokens: string[];
  /** Runs whose babysitter the chaos run SIGKILLed. */
  killedRuns: Set<number>;
  /** Problems seen while it ran (two CLIs of a task at once, a running run with no process). */
  liveProblems: { doubleRuns: string[]; orphanRuns: string[] };
  /** Processes of the workspace still alive at the end. */
  leftovers: string[];
}

/** Counts for the report, from the same reads. */
export interface CheckFacts {
  tasksByState: Record<string, number>;
  runsByOutcome: Record<string, number>;
  retries: number;
  lateResults: number;
  tokens: { produced: number; recorded: number; diedWithBabysitter: number; missing: number };
  /** Entries and temp files still in the outbox at the end. */
  outboxLeft: number;
}

interface TaskRow { id: number; status: string; attempts: number; max_attempts: number; review: number; result: string | null }
interface RunRow {
  id: number; task_id: number; status: string; outcome: string | null; failure_kind: string | null;
  started_at: number; finished_at: number | null; summary: string | null; late_json: string | null;
}

const MAX_PROBLEMS = 20;
/** Whether a run that failed with `kind` counts against max_attempts — asked of the policy itself. */
const isStrike = (kind: string | null): boolean =>
  FAILURE_KINDS.includes(kind as FailureKind) && decideFailure({ kind: kind as FailureKind, strikesBefore: 0, maxAttempts: 100, random: 0, now: 0 }).strike;
const cap = (list: string[]) => (list.length > MAX_PROBLEMS ? [...list.slice(0, MAX_PROBLEMS), `… and ${list.length - MAX_PROBLEMS} more`] : list);
const result = (name: string, problems: string[]): InvariantResult => ({ name, ok: problems.length === 0, problems: cap(problems) });

/** 1: each task ended where the policy puts it, and its attempts count is its runs' strikes. */
function checkPolicy(tasks: TaskRow[], runsOf: Map<number, RunRow[]>): string[] {
  const problems: string[] = [];
  for (const t of tasks) {
    const runs = runsOf.get(t.id) ?? [];
    const last = runs[runs.length - 1];
    const strikes = runs.filter((r) => r.outcome !== 'completed' && isStrike(r.failure_kind)).length;
    const completed = runs.filter((r) => r.outcome === 'completed');
    const where = `#${t.id} (${t.status}, attempts ${t.attempts}/${t.max_attempts}, ${runs.length} runs)`;
    if (strikes !== t.attempts) problems.push(`${where}: its runs hold ${strikes} strikes`);
    if (t.status === 'done') {
      if (completed.length !== 1 || last?.outcome !== 'completed') problems.push(`${where}: done, but its last run is ${last?.outcome ?? 'missing'}`);
      else if (t.result !== last.summary) problems.push(`${where}: its result is not its completed run's summary`);
      if (t.attempts >= t.max_attempts) problems.push(`${where}: done after its attempts were used up`);
    } else if (t.status === 'failed') {
      const fatal = last?.failure_kind === 'fatal';
      const exhausted = t.attempts === t.max_attempts && isStrike(last?.failure_kind ?? null);
      if (!fatal && !exhausted) problems.push(`${where}: failed, but its last run is ${last?.outcome}/${last?.failure_kind}`);
    } else {
      problems.push(`${where}: not terminal`);
    }
  }
  return problems;
}

/** 2: at most one completed run per (non-review) task, and a task's runs never overlap in time. */
function checkOnce(tasks: TaskRow[], runsOf: Map<number, RunRow[]>, live: string[]): string[] {
  const problems = [...live];
  for (const t of tasks) {
    const runs = [...(runsOf.get(t.id) ?? [])].sort((a, b) => a.started_at - b.started_at || a.id - b.id);
    const completed = runs.filter((r) => r.outcome === 'completed').length;
    if (!t.review && completed > 1) problems.push(`#${t.id}: ${completed} completed runs`);
    for (let i = 1; i < runs.length; i++) {
      const prev = runs[i - 1]!;
      const next = runs[i]!;
      if (prev.finished_at === null || prev.finished_at > next.started_at) {
        problems.push(`#${t.id}: run ${prev.id} (until ${prev.finished_at ?? 'still running'}) overlaps run ${next.id} (from ${next.started_at})`);
      }
    }
  }
  return problems;
}

/** 6: every token the fake CLI wrote is in a run row, a late_result event or an outbox file. */
function checkTokens(input: CheckInput, runs: RunRow[], facts: CheckFacts): string[] {
  const { store } = input;
  const late = store.db.prepare("SELECT data_json FROM events WHERE kind = 'late_result'").all() as Array<{ data_json: string | null }>;
  const outbox: string[] = [];
  const readDir = (dir: string, keep: (name: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) if (keep(name)) outbox.push(readFileSync(join(dir, name), 'utf8'));
  };
  readDir(input.outboxDir, (name) => /^\d+\.json$/.test(name));
  readDir(join(input.outboxDir, 'rejected'), (name) => !name.endsWith('.reason.txt'));
  const haystack = [...runs.flatMap((r) => [r.summary ?? '', r.late_json ?? '']), ...late.map((e) => e.data_json ?? ''), ...outbox].join('\n');
  const problems: string[] = [];
  for (const token of input.tokens) {
    if (haystack.includes(token)) {
      facts.tokens.recorded++;
      continue;
    }
    const runId = Number(/^tok-r(\d+)-/.exec(token)?.[1]);
    // A CLI that finished just before its babysitter was SIGKILLed: nobody was left to read the result.
    if (input.killedRuns.has(runId)) {
      facts.tokens.diedWithBabysitter++;
      continue;
    }
    facts.tokens.missing++;
    const inLog = readdirSync(input.logsDir).some((n) => n.endsWith(`-${runId}.log`) && readFileSync(join(input.logsDir, n), 'utf8').includes(token));
    problems.push(`token ${token} of run ${runId} is nowhere in the database or outbox${inLog ? ' (only in its log)' : ''}`);
  }
  return problems;
}

/** Runs every invariant; returns the verdicts and the report's counts. */
export function checkInvariants(input: CheckInput): { invariants: InvariantResult[]; facts: CheckFacts } {
  const { store } = input;
  const tasks = store.db.prepare('SELECT id, status, attempts, max_attempts, review, result FROM tasks ORDER BY id').all() as TaskRow[];
  const runs = store.db
    .prepare('SELECT id, task_id, status, outcome, failure_kind, started_at, finished_at, summary, late_json FROM runs ORDER BY id')
    .all() as RunRow[];
  const runsOf = new Map<number, RunRow[]>();
  for (const r of runs) runsOf.set(r.task_id, [...(runsOf.get(r.task_id) ?? []), r]);
  const count = (rows: string[]) => rows.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});
  const outboxLeft = existsSync(input.outboxDir) ? readdirSync(input.outboxDir).filter((n) => /\.(json|tmp)$/.test(n)).length : 0;
  const facts: CheckFacts = {
    tasksByState: count(tasks.map((t) => t.status)),
    runsByOutcome: count(runs.map((r) => (r.outcome === 'completed' || r.outcome === null ? String(r.outcome ?? r.status) : `${r.outcome}:${r.failure_kind}`))),
    retries: (store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'retry_scheduled'").get() as { n: number }).n,
    lateResults: (store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'late_result'").get() as { n: number }).n,
    tokens: { produced: input.tokens.length, recorded: 0, diedWithBabysitter: 0, missing: 0 },
    outboxLeft,
  };
  const stillRunning = runs.filter((r) => r.status === 'running').map((r) => `run ${r.id} of #${r.task_id} is still running`);
  const integrity = store.integrityCheck();
  const invariants = [
    result('1 every task ends where the policy puts it', checkPolicy(tasks, runsOf)),
    result('2 no task completed twice or run twice at once', checkOnce(tasks, runsOf, input.liveProblems.doubleRuns)),
    result('3 no run running without a live process', [...input.liveProblems.orphanRuns, ...stillRunning]),
    result('4 no CLI or babysitter left alive', input.leftovers),
    result('5 PRAGMA integrity_check is ok', integrity === 'ok' ? [] : [integrity]),
    result('6 every result produced is recorded', checkTokens(input, runs, facts)),
  ];
  return { invariants, facts };
}
