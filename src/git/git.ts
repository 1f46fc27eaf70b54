// The one door to git: every call is `git <args…>` through node's spawnSync (or spawn: gitRunAsync) with an args array (no shell), steward's identity.
import { spawn, spawnSync } from 'node:child_process';
import { StewardError } from '../core/errors.js';

/** The identity of every commit steward makes (rebase included): works without a global git config. */
export const STEWARD_IDENTITY = ['-c', 'user.name=steward', '-c', 'user.email=steward@localhost'] as const;

/** What a git call printed and how it ended. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Variables that would point git at another repository or index than the one named by -C.
const GIT_LOCATION_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE'];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no', LC_ALL: 'C' };
  for (const name of GIT_LOCATION_VARS) delete env[name];
  return env;
}

/**
 * steward's git calls run no program the repository names: no hook (an agent can write one, or set core.hooksPath, and
 * a person's post-merge `npm install` would run at every merge; git runs them synchronously, so a slow or hanging one
 * froze the babysitter and `steward up` for up to the call's timeout) and no fsmonitor command. The person's own `push`
 * command (merge-task.ts) is not a call of this door and keeps its hooks. Nor is a commit signed: a person's
 * `commit.gpgSign` would sign steward's commits with their key, or wait on a pinentry no one sees.
 */
const NO_REPO_PROGRAMS = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'commit.gpgSign=false'] as const;

/** How long a git call may take, and the most of its stdout kept, unless the caller says otherwise. */
const GIT_TIMEOUT_MS = 120_000;
const GIT_MAX_BYTES = 64 * 1024 * 1024;

/** The argv of every git call: steward's identity, no repository programs, `-C cwd`. */
const gitArgv = (cwd: string, args: readonly string[]): string[] => [...STEWARD_IDENTITY, ...NO_REPO_PROGRAMS, '-C', cwd, ...args];

/** UNAVAILABLE for a git call that did not run to its exit: not installed, timed out, or killed. */
function gitDidNotRun(args: readonly string[], timeoutMs: number, how: { errno?: string; error?: Error; signal?: string | null; timedOut?: boolean }): StewardError {
  const why =
    how.errno === 'ENOENT' ? 'git is not installed or not on PATH'
    : how.timedOut || how.errno === 'ETIMEDOUT' ? `git ${args[0] ?? ''} timed out after ${timeoutMs} ms`
    : how.error ? `git did not run: ${how.error.message}`
    : `git ${args[0] ?? ''} was killed by ${how.signal}`;
  return new StewardError('UNAVAILABLE', why, { args: [...args] });
}

/** Runs `git -C cwd args…`; never throws for a non-zero exit (the caller reads `code`). */
export function gitRun(cwd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): GitResult {
  const timeoutMs = opts.timeoutMs ?? GIT_TIMEOUT_MS;
  const r = spawnSync('git', gitArgv(cwd, args), {
    env: gitEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    maxBuffer: GIT_MAX_BYTES,
    encoding: 'utf8',
    windowsHide: true,
  });
  if (r.status === null) {
    const errno = (r.error as NodeJS.ErrnoException | undefined)?.code;
    throw gitDidNotRun(args, timeoutMs, { ...(errno ? { errno } : {}), ...(r.error ? { error: r.error } : {}), signal: r.signal });
  }
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Like gitRun, without blocking the event loop (`steward up` serves workers and ticks meanwhile): git runs as a child
 * process and is stopped once stdout passes `maxBytes` (then `cut`, and its exit counts as 0).
 */
export function gitRunAsync(cwd: string, args: readonly string[], opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<GitResult & { cut: boolean }> {
  const timeoutMs = opts.timeoutMs ?? GIT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? GIT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArgv(cwd, args), { env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let cut = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      if (cut) return;
      out.push(c);
      size += c.length;
      if (size > maxBytes) {
        cut = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (c: Buffer) => err.length < 64 && err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(gitDidNotRun(args, timeoutMs, { ...(e.code === 'ENOENT' ? { errno: e.code } : {}), error: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(gitDidNotRun(args, timeoutMs, { timedOut }));
      if (code === null && !cut) return reject(gitDidNotRun(args, timeoutMs, { signal }));
      resolve({ code: cut ? 0 : code!, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), cut });
    });
  });
}

/** The stdout of a git call that exited 0; else a CONFLICT error naming the command and git's message. */
export function gitChecked(cwd: string, args: readonly string[], r: GitResult): string {
  if (r.code !== 0) {
    // git's own error lines when it printed some (an index.lock's "fatal: Unable to create …" is followed by advice).
    const lines = (r.stderr.trim() || r.stdout.trim()).split('\n');
    const errors = lines.filter((line) => /^(fatal|error):/.test(line));
    const msg = (errors.length ? errors : lines).slice(-3).join(' ');
    throw new StewardError('CONFLICT', `git ${args[0]} failed in ${cwd}: ${msg}`, { args: [...args], exit_code: r.code });
  }
  return r.stdout;
}

/** Runs git and returns its trimmed stdout; a non-zero exit is a CONFLICT error naming the command and git's message. */
export function git(cwd: string, args: readonly string[]): string {
  return gitOutput(cwd, args).trim();
}

/** Like `git`, but stdout as git printed it (a status line may begin with a space). */
function gitOutput(cwd: string, args: readonly string[]): string {
  return gitChecked(cwd, args, gitRun(cwd, args));
}

/** Lines of stdout, empty ones dropped. */
export function gitLines(cwd: string, args: readonly string[]): string[] {
  return git(cwd, args).split('\n').filter(Boolean);
}

/** The top folder of the repository `dir` is in, or null when it is in none (or git is not installed: nothing to isolate with). */
export function repoRoot(dir: string): string | null {
  try {
    const r = gitRun(dir, ['rev-parse', '--show-toplevel']);
    return r.code === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

/** The branch checked out in `dir`, or null when HEAD is detached. */
export function currentBranch(dir: string): string | null {
  const r = gitRun(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The commit `ref` names, or null when it names none. */
export function resolveRef(dir: string, ref: string): string | null {
  const r = gitRun(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** True when commit `a` is an ancestor of (or equal to) `b`. */
export function isAncestor(dir: string, a: string, b: string): boolean {
  return gitRun(dir, ['merge-base', '--is-ancestor', a, b]).code === 0;
}

/** Local branches under `prefix` (e.g. `steward/12-`), short names. */
export function branchesLike(dir: string, prefix: string): string[] {
  return gitLines(dir, ['for-each-ref', '--format=%(refname:short)', `refs/heads/${prefix}*`]);
}

/**
 * Paths with uncommitted changes (tracked or untracked, not ignored) in a checkout. `-z`: paths as they are (no quoting),
 * a rename's original path as the next entry; untrimmed, since an entry's status may begin with a space (` M a.txt`).
 */
export function dirtyFiles(dir: string): string[] {
  const entries = gitOutput(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all']).split('\0');
  const files: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (!entry) continue;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the path it was renamed or copied from
  }
  return files;
}

/** Commits `ref` has that `base` has not, oldest first, as `<short hash> <subject>`. */
export function commitsAhead(dir: string, base: string, ref: string, max = 50): string[] {
  return gitLines(dir, ['log', '--reverse', `--max-count=${max}`, '--format=%h %s', `${base}..${ref}`]);
}

/** Files that differ between two commits (`a..b` by content, renames as their new name). */
export function changedFiles(dir: string, a: string, b: string): string[] {
  return gitLines(dir, ['diff', '--name-only', '--no-renames', a, b]);
}

/** Files with unresolved conflicts in a checkout (mid-merge or mid-rebase). */
export function conflictedFiles(dir: string): string[] {
  return gitLines(dir, ['diff', '--name-only', '--diff-filter=U']);
}

/** Files the branch at `ref` changes since it left `base` (`git diff base...ref`). */
export function branchFiles(dir: string, base: string, ref: string): string[] {
  return gitLines(dir, ['diff', '--name-only', '--no-renames', `${base}...${ref}`]);
}
