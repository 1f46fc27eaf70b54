// Starting a babysitter that nothing of the caller's can kill: its own session, re-parented away from the caller.
// Node built-ins only: `steward work --run N` (src/cli/early-waiter.ts) calls this before the rest of steward loads.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point, beside this module in dist/src. */
export const CLI_MAIN = fileURLToPath(new URL('../cli/steward.cjs', import.meta.url));

/**
 * Node flags of a babysitter steward starts. A babysitter waits on its CLI for minutes to hours and does little work
 * per line of output, so V8's lite mode (no optimizing compiler, feedback vectors allocated lazily) suits it: it keeps
 * its peak RSS ~8 MB lower (66 → 58 MB here, `npm run bench -- --only babysitter`) at no measurable CPU cost.
 * Lite mode has no WebAssembly; said first with --no-expose-wasm, or Node 20 prints "Warning: disabling flag
 * --expose_wasm due to conflicting flags" on stderr, the first line of every dispatched run's log.
 */
export const BABYSITTER_NODE_FLAGS: readonly string[] = ['--no-expose-wasm', '--lite-mode'];


/**
 * The environment a babysitter starts with: this process's, without the run variables a babysitter gives its CLI
 * (a tick run from inside an agent's run must not pass its run id on: the reaper finds a run's processes by it).
 */
export function babysitterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { STEWARD_RUN_ID: _run, STEWARD_TASK_ID: _task, ...rest } = env;
  return rest;
}

/**
 * Ignores the stop signals (exec's timeout sends SIGTERM to every process of the waiter's tree, then SIGKILL 5 s
 * later), spawns its argument's command in a new session with stdio to a log file, prints the pid and exits: the
 * babysitter's parent is then init (or a subreaper), not the waiter, so no kill of the waiter's tree reaches it.
 */
const LAUNCHER = `
for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT']) process.on(s, () => {});
const { spawn } = require('node:child_process');
const { mkdirSync, openSync } = require('node:fs');
const { dirname } = require('node:path');
const o = JSON.parse(process.argv[1]);
mkdirSync(dirname(o.log), { recursive: true });
const fd = openSync(o.log, 'a');
const child = spawn(o.file, o.args, { cwd: o.cwd, detached: true, stdio: ['ignore', fd, fd] });
child.on('error', (err) => { process.stderr.write(String(err)); process.exit(1); });
if (child.pid) { child.unref(); process.stdout.write(String(child.pid), () => process.exit(0)); }
`;

/** What a detached babysitter is started for: `steward work --run RUN --here --dir ROOT`, its output in `logPath`. */
export interface DetachRequest {
  runId: number;
  root: string;
  logPath: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `steward work --run N --here` in its own session, re-parented through a launcher (double fork); resolves
 * to its pid. The launcher is itself detached and ignores SIGTERM/SIGHUP/SIGINT, so a kill of the caller's process
 * group or tree while it works does not stop the start.
 */
export function startDetached(req: DetachRequest): Promise<number> {
  const args = [...BABYSITTER_NODE_FLAGS, CLI_MAIN, 'work', '--run', String(req.runId), '--here', '--dir', req.root];
  const env = babysitterEnv(req.env ?? process.env);
  const spec = JSON.stringify({ file: process.execPath, args, cwd: req.root, log: req.logPath });
  return new Promise((resolve, reject) => {
    const launcher = spawn(process.execPath, ['-e', LAUNCHER, spec], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    launcher.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    launcher.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    launcher.on('error', (e) => reject(new Error(`could not start the babysitter: ${e.message}`)));
    launcher.on('close', (code) => {
      const pid = Number(out);
      if (code === 0 && Number.isInteger(pid) && pid > 0) resolve(pid);
      else reject(new Error(`could not start the babysitter: ${(err || `launcher exit ${code}`).trim()}`));
    });
  });
}

/** The babysitter log of a run started by a waiter (its stdout/stderr; the CLI's output goes to the run's log). */
export function babysitterLogPath(root: string, runId: number): string {
  return join(root, '.steward', 'logs', `babysitter-${runId}.log`);
}
