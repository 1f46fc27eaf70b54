// Finding the workspace: --dir, else STEWARD_DIR, else the nearest ancestor of the cwd with .steward/.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StewardError } from '../core/errors.js';

/** Where a workspace keeps its files. */
export interface Workspace {
  root: string;
  stewardDir: string;
  dbPath: string;
  inboxDir: string;
  logsDir: string;
  outboxDir: string;
  configPath: string;
  boardPath: string;
}

/** The paths of the workspace rooted at `root`. */
export function workspaceAt(root: string): Workspace {
  const abs = resolve(root);
  const stewardDir = join(abs, '.steward');
  return {
    root: abs,
    stewardDir,
    dbPath: join(stewardDir, 'queue.db'),
    inboxDir: join(stewardDir, 'inbox'),
    logsDir: join(stewardDir, 'logs'),
    outboxDir: join(stewardDir, 'outbox'),
    configPath: join(stewardDir, 'config.yaml'),
    boardPath: join(abs, 'TASKS.md'),
  };
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Finds the workspace for a command; NO_WORKSPACE when there is none. */
export function findWorkspace(opts: { dir?: string; env?: NodeJS.ProcessEnv; cwd?: string }): Workspace {
  const explicit = opts.dir ?? opts.env?.STEWARD_DIR;
  if (explicit) {
    const ws = workspaceAt(explicit);
    if (!isDir(ws.stewardDir)) {
      throw new StewardError('NO_WORKSPACE', `${ws.root} is not a steward workspace (no .steward/): run steward init there`, {
        root: ws.root,
      });
    }
    return ws;
  }
  let dir = resolve(opts.cwd ?? process.cwd());
  for (;;) {
    if (isDir(join(dir, '.steward'))) return workspaceAt(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StewardError('NO_WORKSPACE', 'no steward workspace here or above: run `steward init`, or pass --dir', {
    cwd: opts.cwd ?? process.cwd(),
  });
}

/** Creates the workspace folders (idempotent); returns the workspace and what was created. */
export function createWorkspaceDirs(root: string): { workspace: Workspace; created: string[] } {
  const ws = workspaceAt(root);
  const created: string[] = [];
  // Every inbox folder exists from the start, so none can be planted as a link before the first tick.
  const inbox = ['new', 'done', 'rejected'].map((name) => join(ws.inboxDir, name));
  for (const dir of [ws.stewardDir, ws.inboxDir, ...inbox, ws.logsDir]) {
    if (!existsSync(dir)) {
      try {
        makeDirs(dir);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new StewardError('UNAVAILABLE', `cannot create the folder ${dir} (${e.code ?? 'error'}): ${e.message}`, { path: dir });
      }
      created.push(dir);
    }
  }
  return { workspace: ws, created };
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdirSync never returns where the file system refuses a folder
 * with ENOENT under a parent that exists (`steward init --dir /proc` spun at 100 % CPU); here that ENOENT is thrown.
 */
function makeDirs(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isDir(path)) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || existsSync(parent)) throw err;
    makeDirs(parent);
    mkdirSync(path);
  }
}
