// Pure decisions about coding tasks in git worktrees: names, isolation, merge plans, path leases.

/** How a project's coding runs are kept apart: each run in its own git worktree, or all in the workdir. */
export const ISOLATION_MODES = ['worktree', 'none'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/** How an approved branch goes back onto its base: rebase + fast-forward, or a merge commit. */
export const MERGE_STRATEGIES = ['rebase', 'merge'] as const;
export type MergeStrategy = (typeof MERGE_STRATEGIES)[number];

/** Where a task's branch stands: open (being worked on), queued (approved, waiting to merge), conflict, merged. */
export const BRANCH_STATES = ['open', 'queued', 'conflict', 'merged'] as const;
export type BranchState = (typeof BRANCH_STATES)[number];

/** A title as a short branch-name word: lower case letters and digits joined by '-', at most 40 characters. */
export function slugOf(title: string): string {
  const words = title.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > 40) break;
    slug = next;
  }
  return slug || (words[0]?.slice(0, 40) ?? '') || 'task';
}

/** The branch of task `id`: `steward/<id>-<slug>`. */
export function branchName(taskId: number, title: string): string {
  return `${BRANCH_PREFIX}${taskId}-${slugOf(title)}`;
}

export const BRANCH_PREFIX = 'steward/';

/** The worktree folder name of one run: `<task>-<run>`. */
export function worktreeName(taskId: number, runId: number): string {
  return `${taskId}-${runId}`;
}

/** Whether a task's runs get their own worktree: the project's setting, else worktree for code tasks in a git repository. */
export function isolationOf(setting: IsolationMode | undefined, isGitRepo: boolean, taskType: string): IsolationMode {
  if (!isGitRepo) return 'none';
  if (setting) return setting;
  return taskType === 'code' ? 'worktree' : 'none';
}

/** The commit message steward writes for a run's changes: subject names task and run, the body the summary. */
export function runCommitMessage(o: { taskId: number; runId: number; title: string; outcome: string; summary?: string; note?: string }): string {
  const subject = `steward: task #${o.taskId} run ${o.runId} (${o.outcome}): ${o.title}`.replace(/\s+/g, ' ').slice(0, 120);
  const body = [o.note, o.summary?.trim()].filter(Boolean).join('\n\n');
  return `${subject}\n\n${body ? `${body.slice(0, 4000)}\n\n` : ''}Steward-Task: ${o.taskId}\nSteward-Run: ${o.runId}\n`;
}

/** What merging a branch back needs, from where it stands against its base. */
export type MergeStep = 'nothing' | 'fast-forward' | 'rebase' | 'merge-commit';

/**
 * The step that puts `branch` onto `base`: nothing when the base already holds it; a fast-forward when the
 * branch holds the base (a person merged the base into it, or the base did not move); otherwise the strategy.
 */
export function planMerge(o: { strategy: MergeStrategy; branchInBase: boolean; baseInBranch: boolean }): MergeStep {
  if (o.branchInBase) return 'nothing';
  if (o.baseInBranch) return 'fast-forward';
  return o.strategy === 'rebase' ? 'rebase' : 'merge-commit';
}

/**
 * The question a task blocked on a merge conflict asks. With `checkout` the branches do not conflict: git would not
 * overwrite uncommitted (or ignored) files in that checkout, so the answer is there, not on the branch.
 */
export function conflictQuestion(o: { branch: string; base: string; files: string[]; worktree?: string; checkout?: string }): string {
  const files = o.files.length ? o.files.join(', ') : '(git named no file)';
  if (o.checkout) {
    return `merge blocked: git will not overwrite uncommitted or ignored files in ${o.checkout} (${o.files.length ? files : 'see git\'s message below'}). ` +
      `Commit, stash or move them there, then answer this task to merge ${o.branch} into ${o.base}.`;
  }
  const where = o.worktree ? ` (its worktree: ${o.worktree})` : '';
  return `merge conflict: ${o.branch} does not apply onto ${o.base} in ${files}. ` +
    `Resolve it on the branch${where} — e.g. merge ${o.base} into it and commit — then answer this task to merge it.`;
}

/** The literal folder part of a glob before its first wildcard: `src/a/**` → `src/a/`. */
export function globPrefix(glob: string): string {
  const g = glob.replace(/^\.\//, '');
  const i = g.search(/[*?[{]/);
  return i === -1 ? g : g.slice(0, i);
}

/**
 * Whether two sets of path globs may name a common file. Conservative: two globs overlap when one's literal
 * prefix starts the other's (so `src/**` and `src/a.ts` overlap, `src/a/**` and `src/b/**` do not; `*.md` overlaps all).
 */
export function pathsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const norm = (g: string) => g.replace(/^\.\//, '');
  const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir.replace(/\/$/, '')}/`);
  for (const x of a.map(norm)) {
    for (const y of b.map(norm)) {
      const px = globPrefix(x);
      const py = globPrefix(y);
      // Two plain paths: the same file, or one is a folder holding the other.
      if (px === x && py === y ? under(x, y) || under(y, x) : px.startsWith(py) || py.startsWith(px)) return true;
    }
  }
  return false;
}

/** Files changed on more than one open branch: file → the task ids whose branches change it (only files with two or more). */
export function sharedFiles(branches: ReadonlyArray<{ task_id: number; files: readonly string[] }>): Array<{ file: string; tasks: number[] }> {
  const byFile = new Map<string, number[]>();
  for (const b of branches) {
    for (const f of new Set(b.files)) {
      const list = byFile.get(f) ?? [];
      list.push(b.task_id);
      byFile.set(f, list);
    }
  }
  return [...byFile].filter(([, tasks]) => tasks.length > 1).map(([file, tasks]) => ({ file, tasks })).sort((p, q) => p.file.localeCompare(q.file));
}

/** Ready tasks that must wait: their path globs overlap those of a running task (a file lease). Tasks without paths never wait. */
export function leasedOut(
  ready: ReadonlyArray<{ task_id: number; paths: readonly string[] }>,
  running: ReadonlyArray<{ task_id: number; paths: readonly string[] }>,
): number[] {
  if (running.length === 0) return [];
  return ready.filter((r) => r.paths.length && running.some((x) => x.task_id !== r.task_id && pathsOverlap(r.paths, x.paths))).map((r) => r.task_id);
}
