// The one zod schema for .steward/config.yaml, with its defaults and small pure helpers.
import { z } from 'zod';
import { argsConflicts, PERMISSION_FLAGS, PERMISSION_MODES } from '../core/adapters/flags.js';
import { zName } from '../core/schemas.js';
import { COMPLEXITIES } from '../core/routing.js';
import { scheduleInput } from '../core/schedule-schema.js';
import { BUDGET_PERIODS, isTimeZone } from '../core/budget-period.js';
import { parseScope } from '../core/budget-scope.js';
import { ISOLATION_MODES, MERGE_STRATEGIES } from '../core/worktree.js';

import { ACCEPT_MODES, AGENT_CLIS, COMMAND_PLACEHOLDERS, DEFAULT_LOG_MAX_MB, DISPATCH_MODES, NOTIFY_TIMEOUT_SECONDS, MCP_ROLES, TRIAGE_SOURCES } from './config-constants.js';

export { ACCEPT_MODES, AGENT_CLIS, COMMAND_PLACEHOLDERS, DISPATCH_MODES, MCP_ROLES, TRIAGE_SOURCES } from './config-constants.js';
export type { AcceptMode, AgentCli, DispatchMode, McpRole, TriageSource } from './config-constants.js';

/** Numbers may come from env vars and flags as strings: "12" → 12; anything else is left for zod to refuse. */
function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}
const int = (min: number, max: number) => z.preprocess(numeric, z.number().int().min(min).max(max));
const num = (min: number, max: number) => z.preprocess(numeric, z.number().min(min).max(max));
/** Env values written as YAML numbers or booleans become strings. */
const envValue = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());
const argv = z.array(z.string().min(1, 'empty argument'));

const zAccept = z.enum(ACCEPT_MODES);
const zRole = z.enum(MCP_ROLES);

/** Per-run caps (docs/BUDGETS.md): the babysitter stops a run that reaches one; a task's own caps override these. */
const runCapsShape = {
  maxCostUsd: num(0, 1_000_000).optional().describe('stop a run once the CLI reports this many dollars spent (CLIs that report cost: Claude Code at its end, opencode per step)'),
  maxTokens: int(1, 1e12).optional().describe('stop a run once its tokens (in + out, as the CLI reports them while it runs) reach this'),
  maxTurns: int(1, 1_000_000).optional().describe('stop a run once it has taken this many model turns'),
  maxMinutes: num(0.1, 7 * 24 * 60).optional().describe('stop a run after this many minutes (a budget failure, unlike timeoutSeconds)'),
};

/** One scope budget: caps on what runs started in a day or week may spend. */
const scopeBudget = z
  .strictObject({
    scope: z
      .string()
      .refine((s) => {
        const scope = parseScope(s);
        // A name no project or profile can have (a space, a stray character) would match no run: the budget would never hold.
        return scope !== undefined && (scope.kind === 'global' || zName.safeParse(scope.name).data === scope.name);
      }, 'expected global, project:NAME or agent:NAME (NAME: letters, digits and . _ : / - only, no spaces)')
      .describe('global | project:NAME | agent:NAME — which runs count'),
    period: z.enum(BUDGET_PERIODS).describe('day | week (weeks start on Monday) in budgets.timezone'),
    maxCostUsd: num(0, 1e9).optional().describe('dollars the runs of a period may cost (as the CLIs report it)'),
    maxTokens: int(0, 1e15).optional().describe('tokens (in + out) the runs of a period may use'),
    maxRuns: int(0, 1e9).optional().describe('runs that may start in a period (for subscriptions with no dollar figure)'),
  })
  .refine((b) => b.maxCostUsd !== undefined || b.maxTokens !== undefined || b.maxRuns !== undefined, {
    message: 'set at least one of maxCostUsd, maxTokens, maxRuns',
  });

const agentProfile = z
  .strictObject({
    cli: z.enum(AGENT_CLIS).describe('which coding CLI this profile runs; command = any argv given in `command`'),
    bin: z.string().min(1).optional().describe("executable to run (default: the CLI's usual name on PATH)"),
    command: argv
      .optional()
      .describe('for cli: command — argv (no shell) with {prompt} {prompt_file} {task_id} {workdir} placeholders ({prompt_file}: a 0600 file holding the prompt, for prompts over the OS argument limit)'),
    types: z.array(zName).min(1).default(['code']).describe('task types this agent takes'),
    capabilities: z.array(zName).default([]).describe("capabilities it has; a task's requires must be a subset"),
    model: z.string().min(1).optional().describe("model name passed to the CLI (default: the CLI's own)"),
    models: z
      .strictObject({
        low: z.string().min(1).optional().describe('model for tasks of complexity low'),
        normal: z.string().min(1).optional().describe('model for tasks of complexity normal (or none set)'),
        high: z.string().min(1).optional().describe('model for tasks of complexity high'),
      })
      .optional()
      .describe('model by task complexity (routing); a complexity not listed uses `model`'),
    args: argv
      .default([])
      .describe("extra arguments appended to the CLI invocation; one that sets a flag steward sets (model, permissions, output) replaces steward's"),
    permissions: z
      .enum(PERMISSION_MODES)
      .optional()
      .describe('what the CLI may do unasked: bypass (everything) | acceptEdits (file edits; the default) | default (the CLI’s own setting)'),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'), envValue)
      .default({})
      .describe('extra environment variables for the CLI process'),
    maxConcurrent: int(1, 1000).default(1).describe('runs of this profile at once'),
    account: zName.optional().describe('the quota this profile draws on (default: its own name); a rate limit pauses every profile of the account until its reset'),
    fallback: z
      .array(zName)
      .default([])
      .describe('profiles that take this profile’s tasks (of types they take) while it is paused by a rate limit, instead of the task waiting'),
    timeoutSeconds: int(1, 7 * 24 * 3600).default(1800).describe('kill a run after this long'),
    stallSeconds: int(1, 7 * 24 * 3600).default(300).describe('kill a run after this long without output'),
    startSeconds: int(1, 7 * 24 * 3600)
      .optional()
      .describe('how long the CLI may print nothing after it started (its start-up) before a stall counts; default the CLI’s own allowance (opencode, Gemini CLI, Qwen Code: 120) or stallSeconds, whichever is longer'),
    leaseSeconds: int(5, 24 * 3600).default(300).describe('lease length; the babysitter heartbeats every third of it'),
    logMaxMb: int(1, 1024 * 1024)
      .default(DEFAULT_LOG_MAX_MB)
      .describe("a run's log keeps this many MiB of the CLI's output; past it the output is left out, counted, and its last 64 KiB kept before each of steward's lines"),
    ...runCapsShape,
  })
  .superRefine((agent, ctx) => {
    if (agent.cli === 'command' && (agent.command === undefined || agent.command.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'required when cli is command: the argv to run, e.g. [./run-agent.sh, "{prompt}"]',
      });
    }
    if (agent.cli !== 'command' && agent.command !== undefined && agent.command.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: `only used when cli is command (this profile runs ${agent.cli}); use args for extra arguments`,
      });
    }
    for (const message of argsConflicts(agent.cli, agent.args, agent)) ctx.addIssue({ code: 'custom', path: ['args'], message });
    if (agent.permissions !== undefined && PERMISSION_FLAGS[agent.cli] === null) {
      const why = agent.cli === 'command' ? 'your command decides what it may do' : `${agent.cli} has no permission flag; set it in ${agent.cli}'s own config`;
      ctx.addIssue({ code: 'custom', path: ['permissions'], message: `not used with cli: ${agent.cli} (${why})` });
    }
    for (const [i, word] of (agent.command ?? []).entries()) {
      for (const m of word.matchAll(/\{([A-Za-z_]+)\}/g)) {
        if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
          ctx.addIssue({
            code: 'custom',
            path: ['command', i],
            message: `unknown placeholder {${m[1]}}; expected one of ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
          });
        }
      }
    }
  });

const project = z.strictObject({
  workdir: z
    .string()
    .min(1)
    .refine((p) => !/^~($|[/\\])/.test(p), 'a ~ path is not expanded: use an absolute path or one relative to the workspace')
    .describe('directory the agent runs in; relative paths resolve against the workspace root'),
  agent: zName.optional().describe('default agent profile for this project’s tasks'),
  isolation: z
    .enum(ISOLATION_MODES)
    .optional()
    .describe('worktree: each run works in its own git worktree on the task branch; none: in the workdir (default: worktree for code tasks when the workdir is a git repository)'),
  baseBranch: z.string().min(1).optional().describe('branch task branches start from and merge back into (default: the branch checked out in the workdir)'),
  merge: z.enum(MERGE_STRATEGIES).default('rebase').describe('rebase: rebase the task branch onto the base and fast-forward; merge: a merge commit'),
  push: argv
    .min(1)
    .optional()
    .describe('argv run (no shell) in the repository after a branch merged, e.g. [git, push, origin, "{base}"] or [gh, pr, create, --head, "{branch}", --fill]; placeholders {branch} {base} {task_id}'),
});

const token = z
  .string()
  .min(16, 'token is shorter than 16 characters')
  .max(512)
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'token may hold only letters, digits and . _ ~ + / = -');

/** `.steward/config.yaml`: every key is optional in the file; unknown keys are errors. */
export const configSchema = z
  .strictObject({
    heartbeat: z
      .strictObject({
        everySeconds: int(1, 24 * 3600).default(10).describe('seconds between ticks under `steward up`'),
      })
      .prefault({})
      .describe('how often the tick runs'),
    triage: z
      .strictObject({
        accept: zAccept
          .default('manual')
          .describe('auto: proposals become tasks at the next tick; manual: they wait for a decision'),
        sources: z
          .strictObject({
            human: zAccept.default('auto').describe('lines a person adds to TASKS.md'),
            cli: zAccept.optional().describe('`steward propose` (agents with a shell use it too)'),
            file: zAccept.optional().describe('files dropped into .steward/inbox/'),
            'mcp:planner': zAccept.optional().describe('the MCP propose tool, planner role'),
            'mcp:worker': zAccept.optional().describe('the MCP propose tool, worker role'),
            'mcp:triage': zAccept.default('auto').describe('the MCP propose tool, triage role'),
          })
          .prefault({})
          .describe('accept policy per source of the proposal; a source not set here uses triage.accept'),
      })
      .prefault({})
      .describe('which proposals are accepted without a decision'),
    projects: z
      .record(zName, project)
      .default({})
      .describe('project name → where its agents run'),
    agents: z.record(zName, agentProfile).default({}).describe('agent profiles by name'),
    accounts: z
      .record(
        zName,
        z.strictObject({
          maxConcurrent: int(1, 1000).optional().describe('runs at once across every profile of this account'),
        }),
      )
      .default({})
      .describe('accounts (quotas shared by profiles with the same `account:`) by name'),
    routing: z
      .array(
        z.strictObject({
          type: zName.optional().describe('the task type is this'),
          project: zName.optional().describe('the task project is this'),
          complexity: z.enum(COMPLEXITIES).optional().describe('the task complexity is this (unset = normal)'),
          maxPriority: int(0, 100).optional().describe('the task priority number is at most this (0 = most urgent)'),
          profile: zName.optional().describe('only for runs of this profile'),
          model: z.string().min(1).describe('the model the run uses'),
        }),
      )
      .default([])
      .describe('model rules, first match wins (before the profile’s models/model): conditions → model'),
    wip: z
      .strictObject({
        global: int(0, 10_000).default(4).describe('runs at once across the workspace'),
        perAgent: z.record(zName, int(0, 10_000)).default({}).describe('agent profile → runs at once'),
        perProject: z.record(zName, int(0, 10_000)).default({}).describe('project → runs at once'),
      })
      .prefault({})
      .describe('work-in-progress caps the dispatcher respects'),
    dispatch: z
      .enum(DISPATCH_MODES)
      .default('local')
      .describe('local: the tick starts `steward work` itself; openclaw: lists ready work for sessions_spawn; none: never starts work'),
    handoffLeaseSeconds: int(10, 24 * 3600)
      .default(180)
      .describe('dispatch: openclaw — lease of a run handed to sessions_spawn until its babysitter starts (then the profile\'s leaseSeconds); a spawn that never happens frees the task after this'),
    up: z
      .strictObject({
        spares: int(0, 16)
          .default(1)
          .describe('warm babysitters `steward up` keeps ready (dispatch: local): a run handed to one starts without a Node start-up; 0 starts each cold'),
      })
      .prefault({})
      .describe('`steward up` itself'),
    retry: z
      .strictObject({
        baseSeconds: num(0, 24 * 3600).default(10).describe('delay after the first strike'),
        factor: num(1, 100).default(2).describe('each further strike multiplies the delay by this'),
        capSeconds: num(0, 7 * 24 * 3600).default(3600).describe('longest delay'),
        jitter: num(0, 1).default(0.5).describe('0 = exact delays; 0.5 = uniformly 50–100% of the delay'),
        rateLimitStrikeAfter: int(0, 1000)
          .default(5)
          .describe('a rate limit pauses the profile without a strike, but every this many in a row the task takes one (0 = never)'),
      })
      .prefault({})
      .refine((r) => r.capSeconds >= r.baseSeconds, { path: ['capSeconds'], message: 'must be >= retry.baseSeconds' })
      .describe('backoff between attempts of a failed task'),
    mcp: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('address `steward up` serves MCP on'),
        port: int(0, 65_535).default(7410).describe('port `steward up` serves MCP on (0 = any free port)'),
        tokens: z
          .record(token, z.strictObject({ role: zRole.describe('planner | worker | triage | viewer (read-only: list, show and the web board)'), name: z.string().min(1).max(100).optional().describe('who holds it, for the event log') }))
          .default({})
          .describe('bearer token → role for MCP over HTTP'),
        allowedHosts: z
          .array(z.string().min(1).max(253))
          .max(50)
          .default([])
          .describe('host names the HTTP server answers besides localhost/127.0.0.1/::1 (DNS-rebinding protection refuses any other Host or Origin)'),
        headersTimeoutMs: int(1, 600_000).default(10_000).describe('time a client has to send its request headers (ms)'),
        requestTimeoutMs: int(1, 3_600_000).default(30_000).describe('time a client has to send a whole request, body included (ms)'),
        idleTimeoutMs: int(1, 600_000).default(5_000).describe('how long an idle keep-alive connection stays open (ms)'),
        maxConnections: int(1, 100_000).default(64).describe('open HTTP connections at once; more are dropped'),
      })
      .prefault({})
      .describe('the MCP server'),
    notify: z
      .strictObject({
        command: argv.min(1).optional().describe('argv run with the digest JSON on stdin when something needs a judgement'),
        timeoutSeconds: int(1, 3600)
          .default(NOTIFY_TIMEOUT_SECONDS)
          .describe('how long the notify command may run: then its process group gets SIGTERM, and SIGKILL 5 s later (logged)'),
        webhook: z
          .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
          .optional()
          .describe('URL that receives the digest JSON by POST when something needs a judgement'),
      })
      .prefault({})
      .describe('how to wake a person or agent'),
    schedules: z
      .record(zName, scheduleInput)
      .default({})
      .describe('recurring tasks by name: cron (+ tz, catch_up, overlap, grace_seconds) and the fields of the task each slot creates'),
    budgets: z
      .strictObject({
        timezone: z
          .string()
          .default('UTC')
          .refine(isTimeZone, 'not a time zone name (e.g. UTC, Europe/Berlin)')
          .describe('where days and weeks of the budgets begin and end'),
        limits: z.array(scopeBudget).max(500).default([]).describe('scope budgets: the tick starts no run in a scope at its cap until the next period'),
      })
      .prefault({})
      .describe('spend caps per project, agent profile and workspace, per day or week (docs/BUDGETS.md)'),
    database: z
      .strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
          .optional()
          .describe('the queue lives in this PostgreSQL database instead of .steward/queue.db (STEWARD_DATABASE_URL wins over it)'),
        schema: z
          .string()
          .regex(/^([a-z_][a-z0-9_]{0,62}|@path)$/, 'a lower-case Postgres schema name (letters, digits, _), or @path')
          .default('steward')
          .describe('the Postgres schema (namespace) of this queue: one per queue on a shared server (STEWARD_DATABASE_SCHEMA wins over it)'),
      })
      .prefault({})
      .describe('where the queue is stored: SQLite in .steward/queue.db (default) or PostgreSQL (docs/SCALING.md)'),
    board: z
      .strictObject({
        doneLimit: int(0, 10_000).default(10).describe('done tasks shown per project in TASKS.md'),
        path: z.string().min(1).default('TASKS.md').describe('board file, relative to the workspace root'),
      })
      .prefault({})
      .describe('the TASKS.md board'),
  })
  .superRefine((config, ctx) => {
    if (Object.hasOwn(config.agents, 'any')) {
      ctx.addIssue({ code: 'custom', path: ['agents', 'any'], message: '"any" is reserved (a task for any agent); pick another profile name' });
    }
    const known = Object.keys(config.agents);
    const hint = known.length ? `one of ${known.join(', ')}` : 'a profile under agents';
    for (const [name, agent] of Object.entries(config.agents)) {
      agent.fallback.forEach((f, i) => {
        if (f === name) ctx.addIssue({ code: 'custom', path: ['agents', name, 'fallback', i], message: 'a profile is not its own fallback' });
        else if (!known.includes(f)) ctx.addIssue({ code: 'custom', path: ['agents', name, 'fallback', i], message: `no agent profile "${f}"; expected ${hint}` });
      });
    }
    // With local dispatch steward runs the profiles itself, so a name that is no profile is a typo.
    if (config.dispatch === 'openclaw') return;
    for (const name of Object.keys(config.wip.perAgent)) {
      if (!known.includes(name)) ctx.addIssue({ code: 'custom', path: ['wip', 'perAgent', name], message: `no agent profile "${name}"; expected ${hint}` });
    }
    config.budgets.limits.forEach((b, i) => {
      const scope = parseScope(b.scope);
      if (scope?.kind === 'agent' && !known.includes(scope.name)) {
        ctx.addIssue({ code: 'custom', path: ['budgets', 'limits', i, 'scope'], message: `no agent profile "${scope.name}"; expected ${hint}` });
      }
    });
    for (const [name, p] of Object.entries(config.projects)) {
      if (p.agent !== undefined && p.agent !== 'any' && !known.includes(p.agent)) {
        ctx.addIssue({ code: 'custom', path: ['projects', name, 'agent'], message: `no agent profile "${p.agent}"; expected any or ${hint}` });
      }
    }
  });

export type Config = z.output<typeof configSchema>;
/** What a config file (or a layer of overrides) may contain. */
export type ConfigInput = z.input<typeof configSchema>;
export type AgentProfile = Config['agents'][string];
export type ProjectConfig = Config['projects'][string];

export { acceptPolicy, accountName, accountsOf, backoffPolicyOf, httpGuardOf, resolveWorkdir } from './config-policy.js';

/** A valid config with every default. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
