// `steward init` inside a git repository: keep the workspace's runtime files (queue, logs, MCP tokens) out of git.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The lines init adds; `/.steward/` holds queue.db, its WAL, logs, up.json and config.yaml with the MCP tokens. */
export const GITIGNORE_BLOCK = ['# steward runtime files: the queue, run logs, and config.yaml with MCP tokens', '/.steward/'];

/** The git work tree `dir` is in (the nearest folder above holding `.git`), or undefined. */
export function gitRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** True when a .gitignore text already ignores the .steward folder at its own level. */
function ignoresSteward(text: string): boolean {
  return text.split('\n').some((l) => ['.steward', '.steward/', '/.steward', '/.steward/', '.steward/*', '/.steward/*'].includes(l.trim()));
}

/** In a git repository, adds `/.steward/` to `<root>/.gitignore` unless it is there; returns the path when it wrote. */
export function ignoreRuntimeFiles(root: string): string | undefined {
  if (!gitRootOf(root)) return undefined;
  const path = join(root, '.gitignore');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (ignoresSteward(text)) return undefined;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  writeFileSync(path, `${text}${sep}${text ? '\n' : ''}${GITIGNORE_BLOCK.join('\n')}\n`);
  return path;
}
