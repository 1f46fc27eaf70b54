// The prompt a coding CLI gets for a task: what to do, what came before, and how to end its reply.
import type { Task } from '../core/types.js';
import type { TaskContext } from '../ops/queries.js';

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Limits that keep a prompt bounded (one argv element may not exceed 128 KiB on Linux). */
export const PROMPT_LIMITS = { dependencyResult: 4000, earlierError: 1000, feedback: 20_000, earlierCommits: 30 } as const;

/** The run's git worktree, for the prompt: its branch, base and the commits earlier attempts left. */
export interface GitPlace {
  branch?: string;
  base?: string;
  earlier: string[];
}

/**
 * Renders the prompt for one attempt at `task`. Pure: the same task and context give the same text.
 * The closing section asks for a summary and, when blocked, a `NEEDS_INPUT: question` line (the
 * adapters look for that line); no line of the prompt itself starts with it.
 */
export function buildPrompt(task: Task, context: TaskContext, where: { workdir: string; git?: GitPlace }): string {
  const parts: string[] = [];
  const attempt = task.attempts > 0 ? ` This is attempt ${task.attempts + 1} of at most ${task.max_attempts}.` : '';
  parts.push(
    `You are a coding agent working on task #${task.id} of project "${task.project}" (type ${task.type}), handed to you by steward.`,
    `Work in this directory: ${where.workdir}.${attempt}`,
    '',
    `## Task #${task.id}: ${task.title}`,
  );
  if (task.goal.trim()) parts.push('', task.goal);
  if (where.git) {
    const g = where.git;
    parts.push('', '## Git', `This directory is a git worktree of its own on branch \`${g.branch}\` (from \`${g.base}\`); other agents work in other worktrees.`,
      'Commit your work on this branch if you like; steward commits whatever is left when you finish. Do not switch branches.');
    if (g.earlier.length) {
      parts.push('', 'Earlier attempts at this task left these commits on the branch (build on them):');
      for (const c of g.earlier.slice(-PROMPT_LIMITS.earlierCommits)) parts.push(`- ${clip(c, 200)}`);
    }
  }
  if (context.dependencies.length) {
    parts.push('', '## Results of the tasks this one depends on');
    for (const dep of context.dependencies) {
      parts.push('', `### #${dep.id} ${dep.title}`, clip(dep.result?.trim() || '(no result recorded)', PROMPT_LIMITS.dependencyResult));
    }
  }
  if (context.earlier_attempts.length) {
    parts.push('', '## Earlier attempts that did not succeed (do not repeat their mistakes)');
    for (const a of [...context.earlier_attempts].reverse()) {
      const what = a.kind ?? a.outcome ?? 'failed';
      parts.push(`- run ${a.run_id} (${what}): ${clip((a.error ?? 'no error recorded').replace(/\s+/g, ' ').trim(), PROMPT_LIMITS.earlierError)}`);
    }
  }
  if (context.feedback) {
    parts.push('', '## Review feedback on the previous result (address all of it)', '', clip(context.feedback, PROMPT_LIMITS.feedback));
  }
  if (context.question || context.answer) {
    parts.push('', '## A question asked earlier, and the answer', '', `Question: ${context.question ?? '(not recorded)'}`, `Answer: ${context.answer ?? '(no answer yet)'}`);
  }
  if (task.verify.length) {
    parts.push('', '## Checks', 'When you are done, steward runs these commands in the directory above; the task is done only if all of them exit 0:');
    for (const cmd of task.verify) parts.push(`- ${cmd}`);
  }
  parts.push(
    '',
    '## When you finish',
    'Do the work without asking for confirmation. End your reply with a short summary of what you did',
    'and how you checked it; it becomes the result of the task.',
    // Never at the start of a line: a CLI that echoes the prompt must not look blocked.
    'If you cannot go on without a decision or information from a person, stop and end your reply with one line',
    'of the form `NEEDS_INPUT: <your question>`, e.g. `NEEDS_INPUT: Should the API keep the v1 routes?`',
  );
  return parts.join('\n');
}
