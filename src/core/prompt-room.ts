// Whether a task's text can reach its CLI at all: a `cli: command` profile with `{prompt}` puts the whole prompt in one
// argv element, and Linux refuses an argument over 128 KiB (E2BIG). Checked at the door (add, propose, edit) so such a
// task is refused with a clear VALIDATION instead of failing as `fatal` when it runs. Every built-in CLI takes the prompt
// on stdin or in a file (docs/CLIS.md), and `{prompt_file}` does too: those have no limit here. Pure.

/** Linux's limit on one argument (MAX_ARG_STRLEN, with its NUL byte). */
export const MAX_ARG_BYTES = 128 * 1024;
/** Room kept for the prompt's own text around the title and goal (its header, the reply instructions, some context). */
export const PROMPT_FRAME_BYTES = 8 * 1024;

/** The part of an agent profile that decides where its prompt goes. */
export interface ArgvProfileLike {
  cli: string;
  command?: string[];
  args?: string[];
}

/** True when the profile puts the prompt in argv: `cli: command` with `{prompt}` in an element of command or args. */
export function promptInArgv(profile: ArgvProfileLike): boolean {
  if (profile.cli !== 'command') return false;
  return [...(profile.command ?? []), ...(profile.args ?? [])].some((el) => el.includes('{prompt}'));
}

/**
 * Why a task with this title, goal and agent cannot run, or null. The profiles that could run it: the named agent's,
 * or for `any` every configured one. Refused only when every one of them puts the prompt in argv and the title and
 * goal alone leave less than PROMPT_FRAME_BYTES of the 128 KiB; an agent with no profile, or any profile that reads
 * the prompt from stdin or a file, keeps it open.
 */
export function promptRoomProblem(
  agents: Record<string, ArgvProfileLike>,
  task: { title?: unknown; goal?: unknown; agent?: unknown },
): { message: string; details: Record<string, unknown> } | null {
  const agent = typeof task.agent === 'string' && task.agent ? task.agent : 'any';
  const names = agent === 'any' ? Object.keys(agents) : Object.hasOwn(agents, agent) ? [agent] : [];
  if (names.length === 0 || !names.every((n) => promptInArgv(agents[n]!))) return null;
  const text = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  const bytes = text(task.title) + text(task.goal);
  const room = MAX_ARG_BYTES - PROMPT_FRAME_BYTES;
  if (bytes <= room) return null;
  const who = agent === 'any' ? `every agent profile (${names.join(', ')})` : `agent profile "${agent}"`;
  return {
    message:
      `the task's title and goal are ${bytes} bytes, more than the ${room} bytes ${who} can take: it passes the prompt ` +
      `as one argument ({prompt}), and Linux takes at most ${MAX_ARG_BYTES} bytes (128 KiB) per argument. Use ` +
      `{prompt_file} instead of {prompt} in its command (docs/CLIS.md), a built-in CLI profile, or a shorter goal`,
    details: { reason: 'prompt_too_large_for_argv', bytes, limit: room, agents: names },
  };
}
