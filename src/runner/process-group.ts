// Process groups and process identity: signal a whole group, tell a live pid from a dead or reused one.
import { readdirSync, readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says about a process (Linux only). */
export interface ProcStat {
  /** R, S, D, Z (zombie), X (dead), … */
  state: string;
  pgrp: number;
  /** CPU ticks used (user + system). */
  cpuTicks: number;
  /** Start time in clock ticks after boot: with the boot id, a process identity no reused pid shares. */
  startTicks: number;
}

let bootIdCache: string | null | undefined;
function bootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** Reads /proc/<pid>/stat; undefined when there is no such entry (gone, or no /proc on this OS). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, pgrp: Number(f[2]), cpuTicks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]) };
}

/** `<boot id>:<start ticks>` of a live process, or null where /proc is not available. */
export function procIdentity(pid: number): string | null {
  const stat = readProcStat(pid);
  const boot = bootId();
  return stat && boot ? `${boot}:${stat.startTicks}` : null;
}

/** The process group of this process (Linux), or undefined where it cannot be read. */
export function ownPgid(): number | undefined {
  return readProcStat(process.pid)?.pgrp;
}

/** True when `pid` exists (EPERM: it exists but belongs to someone else). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the process that had `pid` and (if known) identity `identity` is gone: no such pid,
 * a zombie, or a different process that reused the pid. Without /proc only the pid is checked.
 */
export function processGone(pid: number, identity?: string | null): boolean {
  if (!pidExists(pid)) return true;
  const stat = readProcStat(pid);
  if (!stat) return false;
  if (stat.state === 'Z' || stat.state === 'X') return true;
  if (identity && bootId()) return identity !== `${bootId()}:${stat.startTicks}`;
  return false;
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. Refuses pgid ≤ 1. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // -1 would signal every process we may signal; -0 our own group.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw err;
  }
}

/** The pids in /proc, or undefined without /proc. */
function procPids(): number[] | undefined {
  try {
    return readdirSync('/proc').filter((name) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57).map(Number);
  } catch {
    return undefined;
  }
}

/** CPU ticks used by the live members of group `pgid` (scans /proc); undefined without /proc. */
export function groupCpuTicks(pgid: number): number | undefined {
  const pids = procPids();
  if (!pids) return undefined;
  let total = 0;
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid) total += stat.cpuTicks;
  }
  return total;
}

/**
 * One scan of /proc/<pid>/environ (Linux, processes of this user): for the live processes whose environment holds
 * every `NAME=value` of `vars`, their process groups keyed by the value of variable `key` (processes without it are
 * skipped). The babysitter gives its CLI STEWARD_DIR and STEWARD_RUN_ID, and children inherit them, so this finds
 * each run's processes even when the run never recorded their group (a babysitter killed between starting its CLI
 * and writing the pgid) — every lost run of a tick from the same scan.
 */
export function groupsByEnv(vars: Record<string, string>, key: string): Map<string, number[]> {
  const wanted = Object.entries(vars).map(([k, v]) => Buffer.from(`\0${k}=${v}\0`));
  const keyEntry = Buffer.from(`\0${key}=`);
  const groups = new Map<string, Set<number>>();
  for (const pid of procPids() ?? []) {
    let environ: Buffer;
    try {
      environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
    } catch {
      continue;
    }
    // Each entry is NUL-terminated; with a NUL in front, "\0NAME=value\0" matches whole entries only.
    if (!wanted.every((entry) => environ.includes(entry))) continue;
    const at = environ.indexOf(keyEntry);
    if (at < 0) continue;
    const start = at + keyEntry.length;
    const value = environ.toString('utf8', start, environ.indexOf(0, start));
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.pgrp <= 1) continue;
    if (!groups.has(value)) groups.set(value, new Set());
    groups.get(value)!.add(stat.pgrp);
  }
  return new Map([...groups].map(([value, pgids]) => [value, [...pgids]]));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until group `pgid` is gone or `ms` pass; true when gone. */
export async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!signalGroup(pgid, 0)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/** SIGTERM to the group, SIGKILL after `graceMs` if anything is left; resolves when it is gone (or 2 s after SIGKILL). */
export async function terminateGroup(pgid: number, graceMs: number): Promise<'gone' | 'terminated' | 'killed'> {
  if (!signalGroup(pgid, 'SIGTERM')) return 'gone';
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 2000);
  return 'killed';
}
