// Inbox commands: propose, inbox, accept, reject.
import { proposalView, taskView } from '../../core/view.js';
import { StewardError } from '../../core/errors.js';
import { inboxFolderProblems } from '../../inbox/inbox-dirs.js';
import { waitingInboxFiles } from '../../inbox/inbox-files.js';
import { acceptProposal, proposeTask, rejectProposal } from '../../ops/index.js';
import { assertPromptFits } from '../../config/task-targets.js';
import { BUDGET_OPTIONS, BUDGET_USAGE, flagsToInput, TASK_FIELD_OPTIONS, TASK_FIELD_USAGE, taskFieldsInput, type Command } from '../command.js';
import { proposalLine, taskLine } from '../format.js';
import { decimal } from '../../core/decimal.js';

export const propose: Command = {
  name: 'propose',
  summary: 'propose a task into the inbox (triage decides)',
  usage: `steward propose TITLE ${TASK_FIELD_USAGE} [--key K]  (a proposal takes no --verify, --paths or run caps)`,
  options: TASK_FIELD_OPTIONS,
  positionals: ['title'],
  rest: true,
  run(ctx, values, pos) {
    const input = taskFieldsInput(values, pos.join(' '));
    assertPromptFits(ctx.config(), input);
    const { proposal, duplicate } = proposeTask(ctx.store(), input, ctx.op(), 'cli');
    const p = proposalView(proposal);
    return { json: { proposal: p, ...(duplicate ? { duplicate: true } : {}) }, text: proposalLine(proposal) };
  },
};

export const inbox: Command = {
  name: 'inbox',
  summary: 'list proposals waiting for a decision, and files in .steward/inbox/ not ingested yet (--all: recent proposals in any state)',
  usage: 'steward inbox [--all] [--limit N]',
  options: { all: { type: 'boolean' }, limit: { type: 'string' } },
  run(ctx, values) {
    const limit = values.limit === undefined ? 50 : decimal(values.limit as string);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new StewardError('VALIDATION', `invalid inbox: limit must be a whole number from 1 to 500 (got ${JSON.stringify(values.limit)})`, { limit: values.limit });
    }
    const store = ctx.store();
    const rows = store.read(() => (values.all ? store.proposals.recent(limit) : store.proposals.byStatus('new', limit)));
    const files = waitingInboxFiles(ctx.workspace().inboxDir, Date.now());
    const refused = inboxFolderProblems(ctx.workspace().inboxDir);
    const lines = rows.map(proposalLine);
    for (const f of files) lines.push(`file ${f.file}  ${f.bytes} bytes  ${f.settled ? 'read at the next tick' : 'still being written'}`);
    for (const p of refused) lines.push(`refused folder ${p.folder}  ${p.reason}`);
    return {
      json: { proposals: rows.map(proposalView), ...(files.length ? { files } : {}), ...(refused.length ? { refused_folders: refused } : {}) },
      text: lines.length ? lines.join('\n') : 'inbox empty',
    };
  },
};

export const accept: Command = {
  name: 'accept',
  summary: 'accept a proposal (optionally overriding fields): creates its task',
  usage: 'steward accept PROPOSAL [--title T] [--goal T] [--type T] [--project P] [--priority N|urgent|high|normal|low] [--agent A] [--after ID,..] [--review] [--max-attempts N] [--verify CMD]... ' + BUDGET_USAGE,
  options: {
    title: { type: 'string' },
    ...BUDGET_OPTIONS,
    ...Object.fromEntries(
      // verify: the decider's own commands (a proposal never carries any; refuseProposalCommands says to set them here).
      (['goal', 'type', 'project', 'priority', 'agent', 'after', 'review', 'max-attempts', 'verify'] as const).map((k) => [k, TASK_FIELD_OPTIONS[k]!]),
    ),
  },
  positionals: ['proposal'],
  run(ctx, values, pos) {
    const { proposal, task } = acceptProposal(ctx.store(), { proposal_id: pos[0], ...flagsToInput(values) }, ctx.op());
    return { json: { proposal: proposalView(proposal), task: taskView(task) }, text: `${proposalLine(proposal)}\n${taskLine(task)}` };
  },
};

export const reject: Command = {
  name: 'reject',
  summary: 'reject a proposal with a reason',
  usage: 'steward reject PROPOSAL --reason TEXT',
  options: { reason: { type: 'string' } },
  positionals: ['proposal'],
  run(ctx, values, pos) {
    const { proposal } = rejectProposal(ctx.store(), { proposal_id: pos[0], reason: values.reason }, ctx.op());
    return { json: { proposal: proposalView(proposal) }, text: proposalLine(proposal) };
  },
};
