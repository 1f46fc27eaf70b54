// Runs one child in its own process group and watches it: output, timeout, stall, abort, leftovers.
import { spawn } from 'node:child_process';
import { groupCpuTicks, readProcStat, signalGroup, terminateGroup } from './process-group.js';

/** Why a supervised process ended. */
export type Ended = 'exit' | 'timeout' | 'stalled' | 'aborted' | 'spawn_error';

/** What to run and how long it may take. */
export interface SuperviseOptions {
  file: string;
  /** argv after the file: passed as is, never through a shell. */
  args: string[];
  cwd: string;
  /** The whole environment of the child. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Kill after this long without progress; none when undefined. */
  stallMs?: number;
  /**
   * What counts as progress: `output` (a byte on stdout or stderr — for CLIs that stream events, whatever the CPU
   * does) or `output-or-cpu` (also CPU used by the group — for a CLI that prints only at the end). Default output-or-cpu.
   */
  stallOn?: 'output' | 'output-or-cpu';
  /**
   * The CLI's start-up allowance: until its first byte of output the stall limit is max(stallMs, startMs) (a CLI that
   * loads a big binary, opens its database and creates a session on a loaded machine prints nothing for a while);
   * after it, stallMs. Default: stallMs.
   */
  startMs?: number;
  /** Written to the child's stdin, which is then closed (default: stdin is /dev/null). */
  stdin?: string;
  /** Between SIGTERM and SIGKILL of the group. */
  graceMs: number;
  /** Aborting stops the child (its reason is returned as `abortReason`). */
  signal?: AbortSignal;
  /** Each chunk of output as it arrives. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Called with the pid once the child started (it leads its own group: pgid = pid). */
  onStart?: (pid: number) => void;
  /** Bytes of stdout kept for the adapter (the tail); stderr keeps a quarter. Default 8 MiB. */
  captureBytes?: number;
}

/** How the child ended and what it printed (tails). */
export interface ProcessResult {
  ended: Ended;
  stdout: string;
  stderr: string;
  /** null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  pid?: number;
  durationMs: number;
  /** When its first byte of output came, in ms after the start; undefined when it printed nothing. */
  firstOutputMs?: number;
  abortReason?: unknown;
  /** Why it could not start (spawn_error). */
  error?: string;
}

/** The last `max` bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.max) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

const toBuffer = (c: unknown): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(String(c)));

/** Linux's limit on one argument (MAX_ARG_STRLEN, with its NUL byte) and, roughly, on all of them with the environment. */
export { MAX_ARG_BYTES } from '../core/prompt-room.js';
import { MAX_ARG_BYTES } from '../core/prompt-room.js';
export const MAX_ARGS_TOTAL_BYTES = 2 * 1024 * 1024;
/** After the CLI's group is gone, how long its pipes must stay quiet before one held by a process outside it is let go. */
const HELD_QUIET_MS = 500;

/** Why a CLI could not start, in one line (never the whole command line: it may hold a 100 KB prompt). */
function spawnErrorText(o: Pick<SuperviseOptions, 'file' | 'args'>, code: string | undefined, message: string | undefined): string {
  if (code === 'ENOENT') return `${o.file}: not found (is it installed and on PATH?)`;
  if (code === 'E2BIG') {
    const longest = Math.max(0, ...o.args.map((a) => Buffer.byteLength(a)));
    const total = o.args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    return (
      `E2BIG: the command line is too long for the operating system (longest argument ${longest} bytes, all ${total} bytes; ` +
      `Linux takes at most ${MAX_ARG_BYTES} bytes (128 KiB) per argument and about 2 MiB in all). The prompt is too big to pass ` +
      'as an argument: use a built-in CLI profile (they read it from stdin or a file), or {prompt_file} instead of {prompt} in a ' +
      'command profile (docs/CLIS.md). Not retried: the same prompt fails the same way.'
    );
  }
  const text = message ?? 'could not start';
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** Starts `file args` detached (its own process group, stdin closed) and supervises it until it and its group are gone. */
export async function superviseProcess(o: SuperviseOptions): Promise<ProcessResult> {
  const started = Date.now();
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(o.file, o.args, {
      cwd: o.cwd,
      env: o.env,
      stdio: [o.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
  } catch (err) {
    // Some start failures throw at once (E2BIG: an argv over the OS limit) instead of an 'error' event.
    const e = err as NodeJS.ErrnoException;
    const error = spawnErrorText(o, e.code, `could not start ${o.file}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '));
    return { ended: 'spawn_error', stdout: '', stderr: '', exitCode: null, signal: null, durationMs: Date.now() - started, error };
  }
  // 'close' comes after the exit and the end of stdout and stderr (a grandchild holding them open is waited for).
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const pid = child.pid;
  if (pid === undefined) {
    const e = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    const error = spawnErrorText(o, e.code, `could not start ${o.file}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '));
    return { ended: 'spawn_error', stdout: '', stderr: '', exitCode: null, signal: null, durationMs: Date.now() - started, error };
  }
  child.on('error', () => {}); // after a successful spawn only a failed kill() lands here; the group signals go around it
  if (o.stdin !== undefined) {
    child.stdin!.on('error', () => {}); // a CLI that exits without reading its prompt closes the pipe (EPIPE)
    child.stdin!.end(o.stdin);
  }
  o.onStart?.(pid);

  const cap = o.captureBytes ?? 8 * 1024 * 1024;
  const out = new Tail(cap);
  const err = new Tail(Math.max(1024, cap >> 2));
  let lastProgress = Date.now();
  let lastOutput = lastProgress;
  let firstOutputMs: number | undefined;
  let cpu = { at: Date.now(), ticks: -1 };
  const take = (tail: Tail, stream: 'stdout' | 'stderr') => (c: unknown) => {
    const chunk = toBuffer(c);
    lastProgress = Date.now();
    lastOutput = lastProgress;
    firstOutputMs ??= lastProgress - started;
    tail.push(chunk);
    o.onOutput?.(chunk, stream);
  };
  child.stdout!.on('data', take(out, 'stdout'));
  child.stderr!.on('data', take(err, 'stderr'));

  let ended: Ended = 'exit';
  let abortReason: unknown;
  let stopping = false;
  let stoppedAt = 0;
  let killTimer: NodeJS.Timeout | undefined;
  let killed = false;
  // 'close' waits for every holder of stdout and stderr. A process that left the group (setsid, a double fork) may hold
  // them for ever: no signal to the group reaches it, and the run would never end, whatever its timeout. Once the
  // leader has exited and its group is gone, the pipes are read until they are quiet (what the group wrote is read by
  // then: at least one poll of the event loop after the group was seen gone), a grace period at most, or at once after
  // a kill, then let go.
  let exited = false;
  let exitedAt = 0;
  let orphanedSince: number | undefined;
  child.once('exit', () => {
    exited = true;
    exitedAt = Date.now();
  });
  // Quiet pipes for HELD_QUIET_MS since the later of `since` and the last output, or a grace period since `since` at most
  // (one that keeps writing is not waited for: its output is not the CLI's).
  const quietOrGraceSince = (since: number, t: number): boolean =>
    t - Math.max(since, lastOutput) >= HELD_QUIET_MS || t - since >= Math.max(HELD_QUIET_MS, o.graceMs);
  const heldOutside = (t: number): boolean => {
    if (!exited || signalGroup(pid, 0)) {
      orphanedSince = undefined;
      return false;
    }
    orphanedSince ??= t;
    return t > orphanedSince && (killed || quietOrGraceSince(orphanedSince, t));
  };
  const letGo = () => {
    child.stdout!.destroy();
    child.stderr!.destroy();
  };
  // The leader exited but members of its group live on with the pipes (`server &`): the CLI's exit is its end, not a
  // stall or a timeout. Once they are quiet (or a grace period after the exit at most) they are ended (TERM, then
  // KILL), which closes the pipes; `ended` stays 'exit' with the leader's code.
  let endingGroup = false;
  const lingering = (t: number): boolean => !endingGroup && !stopping && quietOrGraceSince(exitedAt, t);
  // TERM to the group now, KILL a grace period later (one timer: a stop while the group's end is under way restarts it).
  const terminate = () => {
    signalGroup(pid, 'SIGTERM');
    if (killTimer) clearTimeout(killTimer);
    killTimer = setTimeout(() => {
      killed = true;
      signalGroup(pid, 'SIGKILL');
    }, o.graceMs);
  };
  const endGroup = () => {
    endingGroup = true;
    terminate();
  };
  const stop = (why: Ended, reason?: unknown) => {
    if (stopping) return;
    stopping = true;
    stoppedAt = Date.now();
    // An abort (the run is not ours any more) that comes after the leader exited on its own, before its exit was read
    // (a zombie still), stopped nothing: the CLI ended as its exit says, and its result is reported (kept as late).
    // What is left of its group is killed all the same.
    if (why !== 'aborted' || !(exited || readProcStat(pid)?.state === 'Z')) ended = why;
    abortReason = reason;
    terminate();
  };
  // A silent CLI (e.g. one that prints its JSON only at the end) still makes progress if its group uses CPU.
  // Before the first output the start-up allowance applies (the stall clock then runs from the start).
  const stalled = (t: number): boolean => {
    if (o.stallMs === undefined) return false;
    const limit = firstOutputMs === undefined ? Math.max(o.stallMs, o.startMs ?? 0) : o.stallMs;
    if (t - lastProgress < limit / 2) return false;
    if (o.stallOn !== 'output' && t - cpu.at >= limit / 2) {
      const ticks = groupCpuTicks(pid) ?? -1;
      if (ticks !== cpu.ticks && cpu.ticks !== -1) lastProgress = t;
      cpu = { at: t, ticks };
    }
    return t - lastProgress >= limit;
  };
  const shortest = Math.min(o.timeoutMs, o.stallMs ?? Infinity);
  const every = Math.max(20, Math.min(1000, Math.floor(shortest / 10)));
  let lastCheck = started;
  const watchdog = setInterval(() => {
    const t = Date.now();
    // A check far later than its interval: this process did not run meanwhile (starved, or the machine slept). What
    // the CLI printed then waits unread in the pipe, and timers run before the pipe is read: the time nobody watched
    // is not counted as the CLI's silence. (A timeout is wall time, and counts it.)
    const unwatched = t - lastCheck - every;
    if (unwatched > 2 * every) lastProgress = Math.min(t, lastProgress + unwatched);
    lastCheck = t;
    if (heldOutside(t)) letGo();
    else if (exited) {
      if (lingering(t)) endGroup();
    } else if (t - started >= o.timeoutMs) stop('timeout');
    else if (stalled(t)) stop('stalled');
  }, every);
  const onAbort = () => stop('aborted', o.signal!.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  const result = await closed;
  clearInterval(watchdog);
  o.signal?.removeEventListener('abort', onAbort);
  if (killTimer) clearTimeout(killTimer);
  // The leader is gone; whatever it left behind in its group goes too (TERM, then KILL after the grace).
  await terminateGroup(pid, stopping ? Math.max(0, o.graceMs - (Date.now() - stoppedAt)) : o.graceMs);
  return {
    ended,
    stdout: out.text(),
    stderr: err.text(),
    exitCode: result.code,
    signal: result.signal,
    pid,
    durationMs: Date.now() - started,
    ...(firstOutputMs !== undefined ? { firstOutputMs } : {}),
    ...(abortReason !== undefined ? { abortReason } : {}),
  };
}
