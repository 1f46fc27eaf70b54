// What a task's branch changes against its base: the exact diff a reviewer reads (bounded).
import { StewardError } from '../core/errors.js';
import type { Store } from '../store/open-store.js';
import type { TaskBranch } from '../store/branch-repo.js';
import { gitChecked, gitRun, gitRunAsync, type GitResult } from './git.js';

/** One file of a branch's diff. `added`/`removed` are null for a binary file. */
export interface DiffFile {
  path: string;
  added: number | null;
  removed: number | null;
}

/** A task's branch against its base. */
export interface TaskDiff {
  task_id: number;
  branch: string;
  base: string;
  state: TaskBranch['state'];
  /** The commits on the branch that the base lacks, oldest first (`<hash> <subject>`). */
  commits: string[];
  files: DiffFile[];
  /** The unified diff (`git diff base...branch`), cut at `max_bytes`; absent when only the summary was asked for. */
  patch?: string;
  truncated?: boolean;
}

/** One git call of a diff, and how much of its stdout is wanted (the patch is cut). */
interface DiffCall {
  args: string[];
  maxBytes?: number;
}

type DiffOptions = { patch?: boolean; maxBytes?: number; maxFiles?: number };

/** The steps of a diff, written once: each git call is yielded, and run blocking (taskDiff) or not (taskDiffAsync). */
function* diffSteps(b: TaskBranch, id: number, opts: DiffOptions): Generator<DiffCall, TaskDiff, GitResult> {
  const out: TaskDiff = { task_id: id, branch: b.branch, base: b.base, state: b.state, commits: [], files: [] };
  const tip = yield { args: ['rev-parse', '--verify', '--quiet', `refs/heads/${b.branch}^{commit}`] };
  if (tip.code !== 0) throw new StewardError('NOT_FOUND', `branch ${b.branch} no longer exists in ${b.repo}`, { id });
  const range = `${b.base}...${b.branch}`;
  const lines = (args: string[], r: GitResult) => gitChecked(b.repo, args, r).trim().split('\n').filter(Boolean);
  const logArgs = ['log', '--reverse', '--max-count=200', '--format=%h %s', `${b.base}..${b.branch}`];
  out.commits = lines(logArgs, yield { args: logArgs });
  const maxFiles = opts.maxFiles ?? 500;
  const statArgs = ['diff', '--numstat', '--no-renames', range];
  for (const line of lines(statArgs, yield { args: statArgs }).slice(0, maxFiles)) {
    const [a, r, ...path] = line.split('\t');
    out.files.push({ path: path.join('\t'), added: a === '-' ? null : Number(a), removed: r === '-' ? null : Number(r) });
  }
  if (opts.patch !== false) {
    const max = opts.maxBytes ?? 200_000;
    // A character is at most 4 bytes: this many bytes hold more than `max` characters when git is stopped at it.
    const text = (yield { args: ['diff', '--no-color', '--no-renames', range], maxBytes: 4 * max + 4 }).stdout;
    out.patch = text.length > max ? text.slice(0, max) : text;
    out.truncated = text.length > max;
  }
  return out;
}

function branchOf(store: Store, id: number): TaskBranch {
  const b = store.read(() => store.branches.get(id));
  if (!b) throw new StewardError('NOT_FOUND', `task #${id} has no branch (it did not run in a worktree)`, { id });
  return b;
}

/** The diff of task `id`'s branch against its base (merge base to branch tip: exactly the branch's own changes). */
export function taskDiff(store: Store, id: number, opts: DiffOptions = {}): TaskDiff {
  const b = branchOf(store, id);
  const steps = diffSteps(b, id, opts);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    step = steps.next(gitRun(b.repo, step.value.args));
  }
}

/**
 * taskDiff without blocking the event loop: `steward up`'s board asks it for every review on its page, while the same
 * process serves workers and MCP and runs the tick; the patch's git is stopped once it printed enough.
 */
export async function taskDiffAsync(store: Store, id: number, opts: DiffOptions = {}): Promise<TaskDiff> {
  const b = branchOf(store, id);
  const steps = diffSteps(b, id, opts);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    step = steps.next(await gitRunAsync(b.repo, step.value.args, { maxBytes: step.value.maxBytes }));
  }
}
