// The retry lines a CLI writes to a log file of its own rather than to stderr: Qwen Code logs "Attempt N failed with
// status 429 …" only in its debug log, `<runtime dir>/debug/<session id>.txt` (packages/core/src/utils/debugLogger.ts;
// on by default in 0.15, behind QWEN_DEBUG_LOG_FILE=1 from 0.16 on, which child-env.ts RETRY_KNOBS sets). Read after
// the run, for the session the CLI's own init event named; only its RETRY lines are kept (core/adapters/signals.ts).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { qwenDebugRetryLines, type CliKind } from '../core/adapters/index.js';

/** At most this much of the log's end is read (a long run's log grows with every tool call). */
const TAIL_BYTES = 4 * 1024 * 1024;

/** Session ids are UUIDs; anything else is not made into a path. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Qwen Code's runtime dir for the CLI's environment, as its Storage class picks it: QWEN_RUNTIME_DIR, else QWEN_HOME,
 * else ~/.qwen (relative paths from the CLI's cwd). A settings file's `advanced.runtimeOutputDir` is not read: with it
 * set (and no QWEN_RUNTIME_DIR) steward finds no log and the run is read from its output alone, as before.
 */
export function qwenRuntimeDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const dir = env.QWEN_RUNTIME_DIR || env.QWEN_HOME;
  const home = env.HOME || homedir();
  if (!dir) return join(home, '.qwen');
  if (dir === '~' || dir.startsWith('~/')) return join(home, dir.slice(1));
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

/** The path of a Qwen Code session's debug log, or undefined for an id that is not one. */
export function qwenDebugLogPath(env: NodeJS.ProcessEnv, cwd: string, sessionId: string): string | undefined {
  return SESSION_ID.test(sessionId) ? join(qwenRuntimeDir(env, cwd), 'debug', `${sessionId}.txt`) : undefined;
}

/** The end of a file (up to TAIL_BYTES), or '' when it cannot be read. */
function readTail(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, size - length);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The CLI's retry lines from its own log for this run's session ('' when it has none or keeps no such log). */
export function cliRetryLog(cli: CliKind, env: NodeJS.ProcessEnv, cwd: string, sessionId: string | undefined): string {
  if (cli !== 'qwen' || !sessionId) return '';
  const path = qwenDebugLogPath(env, cwd, sessionId);
  return path ? qwenDebugRetryLines(readTail(path)) : '';
}
