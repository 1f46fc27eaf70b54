// Checks a task's project and agent against the config at the door: a name with no workdir or no profile
// would otherwise be accepted silently and fail at run time, or sit in the queue forever.
import { statSync } from 'node:fs';
import { StewardError } from '../core/errors.js';
import { promptRoomProblem } from '../core/prompt-room.js';
import { resolveWorkdir } from './config-policy.js';
import type { Config } from './schema.js';

/** What is wrong with a task's project or agent for this workspace (empty when both are known). */
export function taskTargetProblems(config: Config, fields: { project?: unknown; agent?: unknown }): string[] {
  const out: string[] = [];
  const { project, agent } = fields;
  if (typeof project === 'string' && project !== 'default' && !Object.hasOwn(config.projects, project)) {
    const known = Object.keys(config.projects);
    out.push(
      `project "${project}" has no workdir (add projects.${project}.workdir to .steward/config.yaml${known.length ? `; known: ${known.join(', ')}` : ''}); its runs fail until it has one`,
    );
  }
  if (typeof agent === 'string' && agent !== 'any' && !Object.hasOwn(config.agents, agent)) {
    const known = Object.keys(config.agents);
    out.push(
      `no agent profile "${agent}" (${known.length ? `known: ${known.join(', ')}` : 'none configured under agents in .steward/config.yaml'}); only a worker claiming as "${agent}" will take it`,
    );
  }
  return out;
}

/** Every configured project's workdir and whether it exists as a folder (for `steward doctor`; a file there runs nothing). */
export function projectWorkdirs(config: Config, root: string): Array<{ project: string; workdir: string; exists: boolean; problem?: string }> {
  return Object.keys(config.projects).map((project) => {
    const workdir = resolveWorkdir(config, root, project);
    const folder = statSync(workdir, { throwIfNoEntry: false })?.isDirectory();
    return { project, workdir, exists: folder === true, ...(folder === false ? { problem: 'not a folder' } : {}) };
  });
}

/**
 * Refuses (VALIDATION, details.reason `prompt_too_large_for_argv`) a task whose title and goal cannot reach any profile
 * that could run it: every such profile passes the prompt as one argument (`{prompt}`) and it would not fit
 * (src/core/prompt-room.ts). `add`, `propose` and `edit` call it with the task's fields as they will be.
 */
export function assertPromptFits(config: Config, task: { title?: unknown; goal?: unknown; agent?: unknown }): void {
  const problem = promptRoomProblem(config.agents, task);
  if (problem) throw new StewardError('VALIDATION', problem.message, problem.details);
}
