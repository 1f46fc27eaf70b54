// The flags an adapter sets for a profile, which of them the profile's `args` may override, and the
// permission mode of each CLI. Pure: used to build argv and to check profiles at config load.
import type { CliKind } from './types.js';

/** How much a profile lets its CLI do without asking (`permissions:` in an agent profile). */
export const PERMISSION_MODES = ['bypass', 'acceptEdits', 'default'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
/** The mode of a profile that does not say: file edits in the workdir, nothing else unasked. Never bypass. */
export const DEFAULT_PERMISSIONS: PermissionMode = 'acceptEdits';

/** One setting a CLI takes once, under any of its spellings (aliases and mutually exclusive flags). */
export interface FlagGroup {
  /** What it sets, for messages and for overriding (`model`, `permissions`, …). */
  setting: string;
  names: readonly string[];
}

/** Per CLI: the settings steward passes as flags. A profile's args naming one replace steward's value. */
export const FLAG_GROUPS: Readonly<Record<CliKind, readonly FlagGroup[]>> = {
  claude: [
    { setting: 'permission mode', names: ['--permission-mode', '--dangerously-skip-permissions'] },
    { setting: 'model', names: ['--model'] },
    { setting: 'output format', names: ['--output-format'] },
  ],
  codex: [
    { setting: 'permission mode', names: ['-s', '--sandbox', '--dangerously-bypass-approvals-and-sandbox', '--full-auto'] },
    { setting: 'model', names: ['-m', '--model'] },
    { setting: 'working directory', names: ['-C', '--cd'] },
    { setting: 'git repo check', names: ['--skip-git-repo-check'] },
  ],
  gemini: [
    { setting: 'permission mode', names: ['--approval-mode', '--yolo', '-y'] },
    { setting: 'model', names: ['-m', '--model'] },
    { setting: 'output format', names: ['-o', '--output-format'] },
    { setting: 'folder trust', names: ['--skip-trust'] },
  ],
  opencode: [
    { setting: 'model', names: ['-m', '--model'] },
    { setting: 'working directory', names: ['--dir'] },
    { setting: 'output format', names: ['--format'] },
    { setting: 'log output', names: ['--print-logs'] },
    { setting: 'log level', names: ['--log-level'] },
  ],
  qwen: [
    { setting: 'permission mode', names: ['--approval-mode', '--yolo', '-y'] },
    { setting: 'model', names: ['-m', '--model'] },
    { setting: 'output format', names: ['-o', '--output-format'] },
  ],
  aider: [
    { setting: 'permission mode', names: ['--yes-always'] },
    { setting: 'model', names: ['--model'] },
    { setting: 'auto commits', names: ['--no-auto-commits', '--auto-commits'] },
    { setting: 'pretty output', names: ['--no-pretty', '--pretty'] },
  ],
  command: [],
};

/** Each CLI's flags for each permission mode ([] = the CLI's own default, its settings files decide). */
export const PERMISSION_FLAGS: Readonly<Record<CliKind, Readonly<Record<PermissionMode, readonly string[]>> | null>> = {
  claude: { bypass: ['--permission-mode', 'bypassPermissions'], acceptEdits: ['--permission-mode', 'acceptEdits'], default: [] },
  codex: { bypass: ['--dangerously-bypass-approvals-and-sandbox'], acceptEdits: ['-s', 'workspace-write'], default: [] },
  gemini: { bypass: ['--approval-mode', 'yolo'], acceptEdits: ['--approval-mode', 'auto_edit'], default: [] },
  qwen: { bypass: ['--yolo'], acceptEdits: ['--approval-mode', 'auto-edit'], default: [] },
  aider: { bypass: ['--yes-always'], acceptEdits: [], default: [] },
  // opencode has no permission flag: its `permission` config (opencode.json) decides.
  opencode: null,
  command: null,
};

/** True when `arg` is the flag `name` (or `--name=value`). */
function isFlag(arg: string, name: string): boolean {
  return arg === name || (name.startsWith('--') && arg.startsWith(`${name}=`));
}

/** The spellings of `group` found in `args`, in order (one per occurrence). */
export function mentions(group: FlagGroup, args: readonly string[]): string[] {
  return args.flatMap((arg) => group.names.filter((name) => isFlag(arg, name)).slice(0, 1));
}

/** The group of `cli` that sets `setting`, if the CLI has one. */
export function flagGroup(cli: CliKind, setting: string): FlagGroup | undefined {
  return FLAG_GROUPS[cli].find((g) => g.setting === setting);
}

/** The args steward adds for `setting` unless the profile's args already set it. */
export function unlessOverridden(cli: CliKind, setting: string, flags: readonly string[], args: readonly string[] = []): string[] {
  const group = flagGroup(cli, setting);
  return group && mentions(group, args).length > 0 ? [] : [...flags];
}

/** The permission flags of a profile, unless its args set the permission mode themselves. */
export function permissionArgs(cli: CliKind, mode: PermissionMode | undefined, args: readonly string[] = []): string[] {
  const table = PERMISSION_FLAGS[cli];
  return table ? unlessOverridden(cli, 'permission mode', table[mode ?? DEFAULT_PERMISSIONS], args) : [];
}

/** The model flags of a profile (`model:`), unless its args set it. */
export function modelArgs(cli: CliKind, flag: string, model: string | undefined, args: readonly string[] = []): string[] {
  return model ? unlessOverridden(cli, 'model', [flag, model], args) : [];
}

/**
 * Problems with a profile's args: a setting given twice (`-s` and `--sandbox`, `--approval-mode` twice),
 * or given both in args and by its own profile field (`model:` and `--model`, `permissions:` and `--yolo`).
 */
export function argsConflicts(cli: CliKind, args: readonly string[], fields: { model?: string; permissions?: PermissionMode }): string[] {
  const problems: string[] = [];
  for (const group of FLAG_GROUPS[cli]) {
    const found = mentions(group, args);
    if (found.length > 1) {
      problems.push(`args set the ${group.setting} ${found.length} times (${found.join(', ')}); ${cli} takes it once`);
    }
    if (found.length && group.setting === 'model' && fields.model !== undefined) {
      problems.push(`both model: and args (${found[0]}) set the model; keep one`);
    }
    if (found.length && group.setting === 'permission mode' && fields.permissions !== undefined) {
      problems.push(`both permissions: and args (${found[0]}) set the permission mode; keep one`);
    }
  }
  return problems;
}

/** The permission mode a profile runs with, in words for `init` and `doctor`. */
export function describePermissions(cli: CliKind, mode: PermissionMode | undefined, args: readonly string[] = []): string {
  if (cli === 'command') return 'n/a (your command decides)';
  const group = flagGroup(cli, 'permission mode');
  const own = group ? mentions(group, args) : [];
  if (own.length) return `set by args (${own.join(' ')})`;
  const effective = mode ?? DEFAULT_PERMISSIONS;
  const table = PERMISSION_FLAGS[cli];
  if (!table) return `${effective}: no ${cli} flag; its own config decides`;
  const flags = table[effective];
  return `${effective}${mode === undefined ? ' (default)' : ''}: ${flags.length ? flags.join(' ') : `${cli}'s own default`}`;
}
