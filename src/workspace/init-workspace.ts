// `steward init`: the workspace folders and starter files, each written only when absent.
import { renderBoard } from '../board/render-board.js';
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { defaultConfigText, generateToken } from '../config/default-config.js';
import { AGENT_CLIS, type AgentCli } from '../config/config-constants.js';
import { StewardError } from '../core/errors.js';
import { ignoreRuntimeFiles } from './gitignore.js';
import { heartbeatText } from './heartbeat-text.js';
import { createWorkspaceDirs, type Workspace } from './workspace.js';


/** CLI kinds whose usual executable is on PATH (their example profiles are written enabled). */
export function agentClisOnPath(env: NodeJS.ProcessEnv): AgentCli[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const found = (bin: string) =>
    dirs.some((d) => {
      try {
        accessSync(join(d, bin), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  return AGENT_CLIS.filter((cli) => cli !== 'command' && found(cli));
}

/** Writes `text` to `path` unless the file exists; true when it wrote. */
function writeIfAbsent(path: string, text: string, mode = 0o644): boolean {
  try {
    writeFileSync(path, text, { flag: 'wx', mode });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Creates the workspace at `root`: .steward/{inbox,logs}, config.yaml with fresh tokens, TASKS.md, HEARTBEAT.md; in a git
 * repository also `/.steward/` in .gitignore. Never overwrites.
 */
export function initWorkspace(root: string, opts: { agents?: AgentCli[] } = {}): { workspace: Workspace; created: string[] } {
  const st = statSync(root, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new StewardError('VALIDATION', `${root} is not a folder: steward init makes a workspace in a folder (--dir)`, { path: root });
  const { workspace: ws, created } = createWorkspaceDirs(root);
  // config.yaml holds bearer tokens: readable by its owner only (0600).
  const files: Array<[string, () => string, number?]> = [
    [ws.configPath, () => defaultConfigText({ tokens: { planner: generateToken(), worker: generateToken(), triage: generateToken() }, agents: opts.agents }), 0o600],
    [ws.boardPath, () => renderBoard([], { now: Date.now() })],
    [join(ws.root, 'HEARTBEAT.md'), () => heartbeatText(ws.root)],
  ];
  for (const [path, text, mode] of files) if (writeIfAbsent(path, text(), mode)) created.push(path);
  const ignored = ignoreRuntimeFiles(ws.root);
  if (ignored) created.push(ignored);
  return { workspace: ws, created: created.map((p) => relative(ws.root, p) || '.') };
}
