// One `steward up` per workspace: a lock file holding the owner's pid and host, taken over when stale.
import { linkSync, lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { StewardError } from '../core/errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** The lock files this process holds (a lock naming our pid that is not one of them was left by an earlier process). */
const held = new Set<string>();

/**
 * Puts the lock file in place whole, or throws EEXIST: written to a file of this process, then hard-linked to `path`
 * (a create-and-write could be read empty by a second `up` between the two, taken as stale and removed).
 */
function placeLock(path: string, me: LockOwner): void {
  const temp = `${path}.${me.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(me));
  try {
    linkSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Takes the workspace's `up` lock or throws CONFLICT naming the live owner; returns a release function. */
export function acquireInstanceLock(path: string, now = Date.now()): () => void {
  const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date(now).toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      placeLock(path, me);
      held.add(path);
      return () => {
        held.delete(path);
        if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st && !st.isFile()) {
        throw new StewardError('UNAVAILABLE', `${path} is not a file (a folder or a link is in the way of steward up's lock): remove it`, { lock: path });
      }
      const owner = readOwner(path);
      // Our own pid in a lock we do not hold: an `up` killed before it released, whose pid this process got again (a
      // container restarted with the same volume and hostname starts it with the same pid): stale, not "running".
      const stale = owner === null || (owner.host === me.host && (owner.pid === me.pid ? !held.has(path) : !alive(owner.pid)));
      if (!stale) {
        throw new StewardError('CONFLICT', `steward up is already running for this workspace (pid ${owner.pid} on ${owner.host}, since ${owner.started_at})`, {
          owner,
          lock: path,
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new StewardError('CONFLICT', `could not take the lock ${path}`, { lock: path });
}
