// The notify command, bounded: it runs under a small watchdog process that outlives `steward tick` (which does not wait
// for it: the heartbeat's exec may have a short timeout, and the digest must come first), runs it in its own process
// group with the items on stdin, and stops the group when it outlasts notify.timeoutSeconds (SIGTERM, then SIGKILL after
// NOTIFY_GRACE_MS). A command that never exits once left one more process behind per notifying tick, for ever.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { withoutStewardSecrets } from '../runner/child-env.js';

export { NOTIFY_TIMEOUT_SECONDS } from '../config/config-constants.js';
/** Between the SIGTERM and the SIGKILL of a notify command's process group. */
export const NOTIFY_GRACE_MS = 5000;

/**
 * The watchdog (Node built-ins only, run with `node -e`): starts the command in a new process group with the watchdog's
 * stdin (the items) as its stdin. When the command could not start, outlasted its time (then the group gets SIGTERM,
 * and SIGKILL after the grace if any of it is left) or exited non-zero, it tells its parent on stdout (one JSON line,
 * `{line}`) and appends the line to the workspace's notify log: `steward tick` (the heartbeat's) has exited long before
 * a timeout. A SIGTERM or SIGINT of the watchdog (a kill of `steward tick`'s tree) stops the command's group the same way.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const o = JSON.parse(process.argv[1]);
process.stdout.on('error', () => {});
const report = (text) => {
  const line = 'notify: ' + o.file + text;
  if (o.logFile) try { appendFileSync(o.logFile, new Date().toISOString() + ' ' + line + '\\n', { mode: 0o600 }); } catch {}
  try { process.stdout.write(JSON.stringify({ line }) + '\\n'); } catch {}
};
const done = () => process.stdout.write('', () => process.exit(0));
let child;
try {
  child = spawn(o.file, o.args, { stdio: [0, 'ignore', 'ignore'], detached: true });
} catch (e) {
  report(': ' + e.message);
  done();
}
const signal = (s) => { try { process.kill(-child.pid, s); return true; } catch { return false; } };
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  signal('SIGTERM');
  const killAt = Date.now() + o.graceMs;
  const poll = setInterval(() => {
    if (!signal(0)) { clearInterval(poll); done(); }
    else if (Date.now() >= killAt) { clearInterval(poll); signal('SIGKILL'); done(); }
  }, 50);
};
if (child) {
  child.on('error', (e) => { report(': ' + e.message); done(); });
  const timer = setTimeout(() => {
    report(' did not exit within ' + o.timeoutMs / 1000 + ' s (notify.timeoutSeconds): stopped (SIGTERM to its process group, SIGKILL ' + o.graceMs / 1000 + ' s later)');
    stop();
  }, o.timeoutMs);
  child.on('exit', (code, sig) => {
    if (stopping) return;
    clearTimeout(timer);
    if (code !== 0) report(sig ? ' was killed by ' + sig : ' exited ' + code);
    done();
  });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, stop);
}
`;

/**
 * Starts `argv` under the watchdog with `stdin` as its input; resolves once the input is handed over (the caller need
 * not wait for the command: nothing of it is kept alive for it). How it ends is logged while this process lives, and
 * (unless it exited 0) appended to `logFile` by the watchdog, whenever it ends.
 */
/**
 * `log`, and the line appended to the workspace's notify log too (`logFile`; the watchdog writes its own lines the same
 * way): how every notify failure is reported. The append is best effort: it never throws.
 */
export function notifyFailureLog(log: (line: string) => void, logFile: string | undefined): (line: string) => void {
  return (line) => {
    log(line);
    if (!logFile) return;
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // the line was logged where this process logs
    }
  };
}

export function runNotifyCommand(argv: string[], stdin: string, timeoutSeconds: number, log: (line: string) => void, logFile?: string): Promise<void> {
  const name = argv[0]!;
  const failed = notifyFailureLog(log, logFile);
  const spec = JSON.stringify({ file: name, args: argv.slice(1), timeoutMs: timeoutSeconds * 1000, graceMs: NOTIFY_GRACE_MS, logFile });
  return new Promise<void>((resolve) => {
    let watchdog: ReturnType<typeof spawn>;
    try {
      watchdog = spawn(process.execPath, ['-e', WATCHDOG, spec], { stdio: ['pipe', 'pipe', 'ignore'], detached: true, env: withoutStewardSecrets(process.env) });
    } catch (err) {
      failed(`notify: ${name}: ${(err as Error).message}`);
      return resolve();
    }
    watchdog.on('error', (err) => {
      failed(`notify: ${name}: ${err.message}`);
      resolve();
    });
    let out = '';
    watchdog.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const { line: said } = JSON.parse(line) as { line?: unknown };
          if (typeof said === 'string') log(said);
        } catch {
          // not a line of the watchdog's
        }
      }
    });
    // Neither the watchdog nor its pipe keeps this process alive: `steward tick` exits and the watchdog goes on.
    watchdog.unref();
    (watchdog.stdout as unknown as { unref(): void }).unref();
    watchdog.stdin!.on('error', () => resolve());
    watchdog.stdin!.end(stdin, () => resolve());
  });
}
