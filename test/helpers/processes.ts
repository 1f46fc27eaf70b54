// Small helpers for tests that start and kill real processes.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/**
 * Waits until `check` returns a value (not undefined), polling; throws after `ms`. The limit is a safety net
 * against a hang, not a speed requirement: it is generous so a busy machine never fails a test (issue 17).
 */
export async function waitFor<T>(what: string, check: () => T | undefined, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** True while a process with this pid exists (a zombie counts until it is reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Waits until `pid` is gone (kill(pid, 0) throws ESRCH). Orphans are reaped by init, which can take a moment. */
export async function waitGone(pid: number, ms = 120_000): Promise<void> {
  await waitFor(`pid ${pid} to be gone`, () => (isAlive(pid) ? undefined : true), ms);
}

/** The pids written to a FAKE_PID_FILE once it has at least `count` lines. */
export function pidsIn(file: string, count: number): number[] | undefined {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pids = text.split('\n').filter(Boolean).map(Number);
  return pids.length >= count ? pids : undefined;
}

/**
 * How long a test waits on a child process (its exit, a line it prints) before it fails. A safety net so one hang fails
 * one test instead of holding the whole suite (a waiter once held the Postgres pass for 12+ minutes), never a speed limit.
 */
export const CHILD_CAP_MS = 180_000;

const TAIL_CHARS = 2_000;
const tails = new WeakMap<ChildProcess, { text: string }>();
const startedChildren = new Set<ChildProcess>();

/**
 * Registers a child the test started: `killChildren` (the file's afterEach) kills it and its process group, and a
 * `capped` wait that fails quotes the tail of its stderr (when piped). Call it right after spawn; returns the child.
 */
export function tracked<C extends ChildProcess>(child: C): C {
  if (startedChildren.has(child)) return child;
  startedChildren.add(child);
  if (child.stderr) {
    const tail = { text: '' };
    tails.set(child, tail);
    child.stderr.on('data', (d: Buffer | string) => (tail.text = (tail.text + String(d)).slice(-TAIL_CHARS)));
  }
  return child;
}

/**
 * A writer for the FIFO at `path`: a child that opens it for writing and closes it, over and over, so a read of it
 * (which blocks until a writer comes) ends at once with nothing. A test that steward never reads a FIFO then fails on
 * what the read returned instead of hanging. The child exits when the path is gone; `stop()` kills it otherwise.
 */
export function fifoWriter(path: string): { stop(): Promise<void> } {
  const script = 'const fs = require("fs"); for (;;) { try { fs.closeSync(fs.openSync(process.argv[1], fs.constants.O_WRONLY)); } catch { process.exit(0); } }';
  const child = tracked(spawn(process.execPath, ['-e', script, path], { stdio: 'ignore' }));
  const exit = once(child, 'exit');
  return {
    async stop() {
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** The last stderr a `tracked` child wrote (for an assertion's message). */
export function stderrTail(child: ChildProcess): string {
  return tails.get(child)?.text ?? '(stderr not piped)';
}

/**
 * SIGKILLs `child`'s process group (it leads one when spawned detached), else the child alone. Once the child has
 * exited its pid may belong to someone else: then only a group left behind by it (pgid = its pid, no process with
 * that pid) is killed.
 */
function killChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const running = child.exitCode === null && child.signalCode === null;
  if (!running && isAlive(pid)) return; // reaped and the pid reused: not ours
  try {
    process.kill(-pid, 'SIGKILL');
    return;
  } catch {
    // not a group leader, or the group is gone
  }
  if (running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Kills every child `tracked` since the last call, with its process group: `afterEach(killChildren)` in a file that spawns. */
export function killChildren(): void {
  for (const child of [...startedChildren]) {
    startedChildren.delete(child);
    killChild(child);
  }
}

/** The failure of a capped wait: what it waited for, the cap, and what became of the child (`after`). */
function capMessage(what: string, ms: number, after?: string): string {
  return `${what}: still waiting after ${ms / 1000} s (a safety cap against a hang)${after ? `; ${after}` : ''}`;
}

/** "ends:" and the last TAIL_CHARS of a child's stderr, or "is empty". */
function describeTail(stderr: string): string {
  return stderr ? `ends:\n${stderr.slice(-TAIL_CHARS)}` : 'is empty';
}

/**
 * `promise`, or a rejection once `ms` pass first: the error names what the test waited for (`what`, computed at the
 * time if a function) and, given the child, its pid and stderr tail; that child and its group are then killed. The cap
 * is a safety net against a hang (CHILD_CAP_MS), never what a test checks.
 */
export async function capped<T>(promise: Promise<T>, what: string | (() => string), child?: ChildProcess, ms = CHILD_CAP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const tail = child && tails.get(child);
      const message = capMessage(typeof what === 'function' ? what() : what, ms, child
        ? `pid ${child.pid} and its process group killed; its stderr ${tail ? describeTail(tail.text) : 'was not captured (not piped, or not tracked(child) after spawn)'}`
        : undefined);
      if (child) killChild(child);
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([promise, cap]);
  } finally {
    clearTimeout(timer);
  }
}

/** [code, signal] once `child` exits (at once if it already has), capped: the failure names `what` and quotes its stderr. */
export function exited(child: ChildProcess, what: string | (() => string), ms = CHILD_CAP_MS): Promise<[number | null, NodeJS.Signals | null]> {
  tracked(child);
  const exit = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve<[number | null, NodeJS.Signals | null]>([child.exitCode, child.signalCode])
    : new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  return capped(exit, what, child, ms);
}

/**
 * `exited` for a handle made at spawn: the cap counts from the first wait for it (its first `then`, e.g. an `await`),
 * not from the start, so a long-lived server is never cut short before anyone waits for its exit. With 'close': once
 * its stdout and stderr ended too (a grandchild holding them is waited for).
 */
export function exitOnceAwaited(child: ChildProcess, what: string | (() => string), event: 'exit' | 'close' = 'exit'): PromiseLike<[number | null, NodeJS.Signals | null]> {
  tracked(child);
  const closed = event === 'close'
    ? new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])))
    : undefined;
  let wait: Promise<[number | null, NodeJS.Signals | null]> | undefined;
  return { then: (onEnd, onCap) => (wait ??= closed ? capped(closed, what, child) : exited(child, what)).then(onEnd, onCap) };
}

/** The child's whole stdout once it ends with exit 0 (capped); another exit rejects, naming `what` and quoting its stderr. */
export async function stdoutOf(child: ChildProcess, what: string): Promise<string> {
  tracked(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer | string) => (out += String(d)));
  // 'close': the exit and the end of its output (an 'exit' can come before the last stdout chunk).
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
  const [code, signal] = await capped(closed, what, child);
  if (code !== 0) throw new Error(`${what}: exit ${code ?? signal}; its stderr ${describeTail(stderrTail(child))}`);
  return out;
}

/**
 * A spawnSync capped the same way: `run` gets the options that SIGKILL the child after `ms`; if that happened, this
 * throws, naming `what` and quoting its stderr (a sync wait blocks the event loop: no test timeout could end it).
 */
export function syncCapped<R extends SpawnSyncReturns<string | Buffer>>(what: string, run: (cap: { timeout: number; killSignal: 'SIGKILL' }) => R, ms = CHILD_CAP_MS): R {
  const r = run({ timeout: ms, killSignal: 'SIGKILL' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(capMessage(what, ms, `pid ${r.pid} killed; its stderr ${describeTail(String(r.stderr ?? ''))}`));
  }
  return r;
}

/** A command as a failure message names it: the file and its arguments, long ones (a `node -e` script) clipped. */
function commandText(file: string, args: readonly string[]): string {
  const text = [file, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ').replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * spawnSync under the cap (syncCapped, CHILD_CAP_MS unless `ms`): every short synchronous child of a test (git, ps,
 * mkfifo, a node that exits at once) goes through it or syncCapped, so none can hang the suite — a sync wait blocks
 * the event loop, and no test timeout ends it. A child still running at the cap is SIGKILLed and this throws, naming
 * the command and quoting its stderr. Otherwise the result as spawnSync gives it (a non-zero exit is the caller's).
 */
export function spawnSyncCapped(file: string, args: readonly string[], options: SpawnSyncOptionsWithStringEncoding, ms?: number): SpawnSyncReturns<string>;
export function spawnSyncCapped(file: string, args: readonly string[], options?: SpawnSyncOptions, ms?: number): SpawnSyncReturns<string | Buffer>;
export function spawnSyncCapped(file: string, args: readonly string[], options: SpawnSyncOptions = {}, ms = CHILD_CAP_MS): SpawnSyncReturns<string | Buffer> {
  return syncCapped(commandText(file, args), (cap) => spawnSync(file, args, { ...options, ...cap }), ms);
}

/**
 * execFileSync's use in tests — run, expect exit 0, get stdout — under the cap: a hang throws as in spawnSyncCapped;
 * a failed start or another exit throws naming the command, its exit and its stderr.
 */
export function execFileSyncCapped(file: string, args: readonly string[], options: Omit<SpawnSyncOptions, 'encoding'> = {}, ms = CHILD_CAP_MS): string {
  const r = spawnSyncCapped(file, args, { ...options, encoding: 'utf8' }, ms);
  const what = commandText(file, args);
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}; its stderr ${describeTail(String(r.stderr ?? ''))}`);
  return String(r.stdout ?? '');
}
