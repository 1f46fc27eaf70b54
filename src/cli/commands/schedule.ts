// `steward schedule add|list|rm`: recurring tasks (the tick creates one task per cron slot).
import { assertPromptFits, taskTargetProblems } from '../../config/task-targets.js';
import { StewardError } from '../../core/errors.js';
import { addSchedule, listSchedules, removeSchedule, shadowedSchedules, type ScheduleView } from '../../ops/schedules.js';
import { TASK_FIELD_OPTIONS, TASK_FIELD_USAGE, taskFieldsInput, type Command } from '../command.js';

const USAGE = [
  `steward schedule add TITLE --cron "0 6 * * *" [--tz Europe/Berlin] [--catch-up skip|once|all] [--overlap skip|allow] [--grace S] [--name N] ${TASK_FIELD_USAGE} [--verify CMD]... [--paths GLOB]...`,
  'steward schedule list',
  'steward schedule rm NAME',
].join('\n       ');

function scheduleLine(s: ScheduleView): string {
  const tz = s.tz ? ` ${s.tz}` : '';
  const last = s.last ? `  last ${s.last.slot}${s.last.task_id ? ` #${s.last.task_id}` : ` (${s.last.outcome})`}` : '';
  const open = s.open_task ? `  open #${s.open_task}` : '';
  // A schedule whose every slot is past (a year field; `schedule add` refuses one, but a config one loads so the config
  // stays valid once its last slot passed, and an added one's last slot passes too) is named as one that will not fire.
  const next = s.next ?? `never (no slot after now: it will not fire again${s.origin === 'config' ? '; remove it from .steward/config.yaml' : `; steward schedule rm ${s.id}`})`;
  return `${s.id}  "${s.cron}"${tz}  ${s.title}  next ${next}  catch-up ${s.catch_up} overlap ${s.overlap}${last}${open}${s.origin === 'config' ? '  (config)' : ''}`;
}

export const schedule: Command = {
  name: 'schedule',
  summary: 'recurring tasks: add, list, rm (one task per cron slot)',
  usage: USAGE,
  options: {
    ...TASK_FIELD_OPTIONS,
    paths: { type: 'string', multiple: true },
    cron: { type: 'string' },
    tz: { type: 'string' },
    'catch-up': { type: 'string' },
    overlap: { type: 'string' },
    grace: { type: 'string' },
    name: { type: 'string' },
  },
  positionals: ['action'],
  rest: true,
  run(ctx, values, pos) {
    const [action, ...words] = pos;
    // list and rm take no task flags: `schedule list --type ops` is not a filter, and `rm X --cron …` changes nothing.
    const given = Object.keys(values).filter((k) => values[k] !== undefined);
    if ((action === 'list' || action === 'rm') && given.length) {
      throw new StewardError('USAGE', `schedule ${action} takes no ${given.map((k) => `--${k}`).join(', ')}\nusage: ${USAGE}`);
    }
    if (action === 'list') {
      const unreadable: Array<{ id: string; error: string }> = [];
      const schedules = listSchedules(ctx.store(), ctx.config(), ctx.op().now, (id, err) => unreadable.push({ id, error: err instanceof Error ? err.message : String(err) }));
      const shadowed = shadowedSchedules(ctx.store(), ctx.config());
      const lines = [
        ...schedules.map(scheduleLine),
        ...unreadable.map((u) => `${u.id}  cannot be read (it never fires; steward schedule rm ${u.id}): ${u.error}`),
        ...shadowed.map((h) => `${h.id}  ${h.title}  added by command, hidden by the config's schedule of this name (it fires only if that one leaves the config; steward schedule rm ${h.id})`),
      ];
      return { json: { schedules, unreadable, shadowed }, text: lines.length ? lines.join('\n') : 'no schedules' };
    }
    if (action === 'rm') {
      if (words.length !== 1) throw new StewardError('USAGE', 'usage: steward schedule rm NAME');
      const { shadowed } = removeSchedule(ctx.store(), ctx.config(), words[0]!);
      const text = shadowed ? `removed schedule ${words[0]} added by command; the one of .steward/config.yaml stays` : `removed schedule ${words[0]}`;
      return { json: { removed: words[0], ...(shadowed ? { shadowed: true } : {}) }, text };
    }
    if (action === 'add') {
      if (words.length === 0) throw new StewardError('USAGE', `missing TITLE\nusage: ${USAGE}`);
      const { grace, 'catch-up': catchUp, key, ...rest } = values;
      if (key !== undefined) throw new StewardError('VALIDATION', '--key is not used: a schedule keys each task by its slot');
      const input: Record<string, unknown> = {
        ...taskFieldsInput(rest, words.join(' ')),
        ...(catchUp !== undefined ? { catch_up: catchUp } : {}),
        ...(grace !== undefined ? { grace_seconds: grace } : {}),
      };
      // The door checks of `steward add`, for the task each slot will create: text no profile's argv can carry is
      // refused; a project or agent the config lacks is a warning (its runs fail, or wait for such a worker).
      assertPromptFits(ctx.config(), input);
      const problems = taskTargetProblems(ctx.config(), input);
      const s = addSchedule(ctx.store(), ctx.config(), input, ctx.op());
      for (const p of problems) ctx.log(`warning: ${p}`);
      const [view] = listSchedules(ctx.store(), ctx.config(), ctx.op().now).filter((v) => v.id === s.id);
      return { json: { schedule: view, ...(problems.length ? { warnings: problems } : {}) }, text: scheduleLine(view!) };
    }
    throw new StewardError('USAGE', `unknown schedule action ${JSON.stringify(action ?? '')}; usage: ${USAGE}`);
  },
};
