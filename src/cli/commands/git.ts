// Git commands for coding tasks in worktrees: diff (what a task's branch changes), gc (remove clean merged leftovers).
import { StewardError } from '../../core/errors.js';
import { collectGarbage } from '../../git/gc.js';
import { taskDiff } from '../../git/index.js';
import { leftoverLine } from './doctor.js';
import type { Command } from '../command.js';
import { decimal } from '../../core/decimal.js';

/** `steward diff ID`: the exact diff of the task's branch against its base (merge base to tip), bounded. */
export const diff: Command = {
  name: 'diff',
  summary: "show what a task's branch changes against its base (worktree isolation)",
  usage: 'steward diff ID [--stat] [--max-bytes N]',
  options: { stat: { type: 'boolean' }, 'max-bytes': { type: 'string' } },
  positionals: ['id'],
  run(ctx, values, pos) {
    const id = decimal(pos[0]);
    if (!Number.isInteger(id) || id < 1) throw new StewardError('USAGE', `expected a task id, got "${pos[0] ?? ''}"`);
    const maxBytes = values['max-bytes'] === undefined ? undefined : decimal(values['max-bytes'] as string);
    if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes > 0)) throw new StewardError('USAGE', '--max-bytes expects a positive integer');
    const d = taskDiff(ctx.store(), id, { patch: !values.stat, maxBytes });
    const stat = d.files.map((f) => `  ${f.added ?? '-'}\t${f.removed ?? '-'}\t${f.path}`);
    const text = [
      `task #${d.task_id}: ${d.branch} against ${d.base} (${d.state})`,
      `commits (${d.commits.length}):`, ...d.commits.map((c) => `  ${c}`),
      `files (${d.files.length}):`, ...stat,
      ...(d.patch !== undefined ? ['', d.patch.trimEnd(), ...(d.truncated ? ['… (cut; use --max-bytes)'] : [])] : []),
    ];
    return { json: d, text: text.join('\n') };
  },
};

/** `steward gc`: removes steward worktrees and task branches that are clean and merged; never a dirty or unmerged one. */
export const gc: Command = {
  name: 'gc',
  summary: 'remove worktrees and task branches that are clean and merged (never a dirty or unmerged one)',
  usage: 'steward gc [--dry-run]',
  options: { 'dry-run': { type: 'boolean' } },
  run(ctx, values) {
    const r = collectGarbage(ctx.store(), ctx.workspace(), ctx.config(), { dryRun: !!values['dry-run'] });
    const verb = values['dry-run'] ? 'would remove' : 'removed';
    const text = [
      `${verb} ${r.removed.length}, kept ${r.kept.length}`,
      ...r.removed.map((l) => `  ${verb}: ${leftoverLine(l)}`),
      ...r.kept.map((l) => `  kept: ${leftoverLine(l)}`),
    ];
    return { json: r, text: text.join('\n') };
  },
};
