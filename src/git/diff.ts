// What a task's branch changes against its base: the exact diff a reviewer reads (bounded).
import { StewardError } from '../core/errors.js';
import type { Store } from '../store/open-store.js';
import type { TaskBranch } from '../store/branch-repo.js';
import { gitLines, gitRun, resolveRef } from './git.js';

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

/** The diff of task `id`'s branch against its base (merge base to branch tip: exactly the branch's own changes). */
export function taskDiff(store: Store, id: number, opts: { patch?: boolean; maxBytes?: number; maxFiles?: number } = {}): TaskDiff {
  const b = store.read(() => store.branches.get(id));
  if (!b) throw new StewardError('NOT_FOUND', `task #${id} has no branch (it did not run in a worktree)`, { id });
  const out: TaskDiff = { task_id: id, branch: b.branch, base: b.base, state: b.state, commits: [], files: [] };
  if (!resolveRef(b.repo, `refs/heads/${b.branch}`)) throw new StewardError('NOT_FOUND', `branch ${b.branch} no longer exists in ${b.repo}`, { id });
  const range = `${b.base}...${b.branch}`;
  out.commits = gitLines(b.repo, ['log', '--reverse', '--max-count=200', '--format=%h %s', `${b.base}..${b.branch}`]);
  const maxFiles = opts.maxFiles ?? 500;
  for (const line of gitLines(b.repo, ['diff', '--numstat', '--no-renames', range]).slice(0, maxFiles)) {
    const [a, r, ...path] = line.split('\t');
    out.files.push({ path: path.join('\t'), added: a === '-' ? null : Number(a), removed: r === '-' ? null : Number(r) });
  }
  if (opts.patch !== false) {
    const max = opts.maxBytes ?? 200_000;
    const text = gitRun(b.repo, ['diff', '--no-color', '--no-renames', range]).stdout;
    out.patch = text.length > max ? text.slice(0, max) : text;
    out.truncated = text.length > max;
  }
  return out;
}
