// Small helpers for tests that start and kill real processes.
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
