// The commented .steward/config.yaml a fresh `steward init` writes, and the MCP tokens in it.
import { randomBytes } from 'node:crypto';
import { parseConfigText } from './config-layers.js';
import type { AgentCli, McpRole } from './schema.js';

export interface DefaultConfigOptions {
  /** One bearer token per MCP role (see generateToken). */
  /** The three working roles get a token; a read-only `viewer` token is added by hand when someone needs one. */
  tokens: Record<Exclude<McpRole, 'viewer'>, string>;
  /** CLI kinds whose example profile is written enabled (e.g. the ones found on PATH); the rest stay commented. */
  agents?: readonly AgentCli[];
}

/** A new MCP bearer token: 32 random bytes, base64url, with a prefix secret scanners can spot (47 chars). */
export function generateToken(): string {
  return `stw_${randomBytes(32).toString('base64url')}`;
}

/** Example profile per CLI kind: its name in the file and its lines under `agents:` (4-space indented). */
const AGENT_EXAMPLES: Record<AgentCli, { name: string; lines: string[] }> = {
  claude: {
    name: 'claude',
    lines: [
      'cli: claude            # claude | codex | gemini | opencode | qwen | aider | command',
      'bin: claude            # executable (default: the CLI’s usual name on PATH)',
      'types: [code, review]  # task types it takes (default [code])',
      'capabilities: [repo]   # a task’s `requires` must be a subset',
      'model: sonnet',
      'permissions: acceptEdits   # bypass | acceptEdits | default — steward never picks bypass for you',
      'args: []               # extra CLI arguments; one that sets a flag steward sets (model, permission mode) replaces it',
      'env: {}                # extra environment (CLAUDE_CODE_MAX_RETRIES here replaces steward’s 1)',
      'maxConcurrent: 2       # runs of this profile at once',
      'timeoutSeconds: 1800   # kill a run after this long',
      'stallSeconds: 300      # ... or after this long without output',
      'leaseSeconds: 300      # lease; heartbeats every third of it',
      'logMaxMb: 100          # the run log keeps this much output; past it, a count and the last 64 KiB',
    ],
  },
  codex: {
    name: 'codex',
    lines: ['cli: codex', 'types: [code]', 'model: gpt-5-codex', 'permissions: acceptEdits   # -s workspace-write', 'maxConcurrent: 1'],
  },
  gemini: {
    name: 'gemini',
    lines: ['cli: gemini', 'types: [code, research]', 'model: gemini-2.5-pro', 'permissions: acceptEdits   # --approval-mode auto_edit', 'maxConcurrent: 1'],
  },
  opencode: {
    name: 'opencode',
    lines: ['cli: opencode', 'types: [code]', 'model: anthropic/claude-sonnet-4', 'maxConcurrent: 1   # permissions: set `permission` in opencode.json'],
  },
  qwen: {
    name: 'qwen',
    lines: ['cli: qwen', 'types: [code]', 'permissions: acceptEdits   # --approval-mode auto-edit', 'maxConcurrent: 1'],
  },
  aider: {
    name: 'aider',
    lines: ['cli: aider', 'types: [code]', 'model: sonnet', 'permissions: acceptEdits   # bypass adds --yes-always', 'maxConcurrent: 1', 'stallSeconds: 600'],
  },
  command: {
    name: 'script',
    lines: [
      'cli: command           # any program: argv, no shell; ./path is the workspace’s, a bare name is on PATH',
      'command: [./scripts/agent.sh, "{prompt}", --task, "{task_id}", --cwd, "{workdir}"]',
      'types: [ops]',
      'timeoutSeconds: 600',
    ],
  },
};

/** The YAML `steward init` writes: every section, commented, one example profile per CLI kind; it parses back valid. */
export function defaultConfigText(opts: DefaultConfigOptions): string {
  const enabled = new Set(opts.agents ?? []);
  const agentBlocks = (Object.keys(AGENT_EXAMPLES) as AgentCli[]).flatMap((cli) => {
    const { name, lines } = AGENT_EXAMPLES[cli];
    const on = enabled.has(cli);
    const c = on ? '' : '# ';
    return [`  ${c}${name}:`, ...lines.map((l) => `  ${c}  ${l}`), ''];
  });
  const token = (role: Exclude<McpRole, 'viewer'>) => `    ${JSON.stringify(opts.tokens[role])}: {role: ${role}, name: ${role}}`;
  const text = `# steward workspace config (.steward/config.yaml).
# Every key is optional and has the default shown; a key steward does not know is an error.
# Overrides, weakest first: this file < STEWARD_* environment variables < command-line flags.
#   STEWARD_HEARTBEAT_SECONDS  STEWARD_TRIAGE_ACCEPT  STEWARD_DISPATCH  STEWARD_WIP_GLOBAL
#   STEWARD_MCP_HOST  STEWARD_MCP_PORT  STEWARD_NOTIFY_WEBHOOK  STEWARD_BOARD_PATH
#   STEWARD_MCP_TOKEN_PLANNER / _WORKER / _TRIAGE (add a token for that role)

# How often \`steward up\` runs the tick.
heartbeat:
  everySeconds: 10

# \`steward up\` itself: warm babysitters kept ready (dispatch: local), so a run starts without a Node start-up.
up:
  spares: 1               # 0: every run starts a fresh babysitter

# Which proposals become tasks at the next tick (auto) and which wait for a decision (manual).
triage:
  accept: manual          # for every source not set below
  sources:
    human: auto           # lines a person adds to TASKS.md
    mcp:triage: auto      # the triage agent may accept proposals anyway
    # cli: manual         # \`steward propose\` (agents with a shell use it too)
    # file: manual        # .steward/inbox/*.md
    # mcp:planner: manual # MCP propose, planner role
    # mcp:worker: manual  # MCP propose, worker role

# Projects: name → the directory its agents run in (relative to this workspace).
# A task of an unlisted project other than "default" cannot run.
projects:
  # web:
  #   workdir: ../web
  #   agent: claude       # default profile for its tasks (optional)

# Agent profiles. A task's \`agent\` names one, or \`any\`. Uncomment the CLIs you use.
# permissions: what the CLI may do without asking — acceptEdits (file edits in the workdir; the
# default), default (the CLI's own settings decide), bypass (everything, no sandbox: only where the
# machine itself is the sandbox). Top-level x-… keys may hold YAML anchors for \`<<\` merge keys.
agents:
${agentBlocks.join('\n')}
# Work in progress caps: runs at once.
wip:
  global: 4
  perAgent:
    # claude: 2
  perProject:
    # web: 1

# Accounts: profiles with the same \`account:\` share a quota. A rate limit pauses all of them until the reset
# the CLI reported; maxConcurrent caps their runs at once together. A profile's \`fallback: [other]\` takes
# its tasks (of types it takes) while it is paused.
accounts:
  # max-plan: { maxConcurrent: 3 }

# Model routing: rules (first match wins) before each profile's \`models: {low, normal, high}\` by task
# complexity, before its \`model\`. The chosen model is passed to the CLI (--model) and recorded on the run.
routing:
  # - { type: review, model: haiku }
  # - { complexity: high, profile: coder, model: opus }

# local: the tick starts \`steward work\` for ready tasks; openclaw: it lists them for
# sessions_spawn; none: nothing is started (workers claim on their own).
dispatch: local
# With openclaw: a handed-off run keeps this short lease until its babysitter starts.
handoffLeaseSeconds: 180

# Backoff between attempts: base * factor^(strikes-1), at most cap, with jitter (0..1).
retry:
  baseSeconds: 10
  factor: 2
  capSeconds: 3600
  jitter: 0.5
  rateLimitStrikeAfter: 5 # a rate limit pauses the profile, no strike; every 5th in a row is one

# MCP over HTTP and the web board (\`steward up\`). Tokens are secrets: each maps to a role.
# A read-only token for the web board: "<token>": {role: viewer, name: someone}
mcp:
  host: 127.0.0.1
  port: 7410
  tokens:
${token('planner')}
${token('worker')}
${token('triage')}
  # allowedHosts: [steward.lan]   # Host/Origin names besides localhost, 127.0.0.1, ::1
  # headersTimeoutMs: 10000        # slow clients are cut: headers, whole request, idle keep-alive
  # requestTimeoutMs: 30000
  # idleTimeoutMs: 5000
  # maxConnections: 64

# Who to wake when something needs a judgement (the digest JSON is sent).
notify:
  # command: [notify-send, steward]
  # timeoutSeconds: 30    # then the command's process group is stopped (SIGTERM, SIGKILL 5 s later)
  # webhook: https://example.com/hooks/steward

# Recurring tasks: one task per cron slot (also \`steward schedule add\`).
# catch_up: skip | once | all (slots missed while nothing ticked); overlap: skip | allow.
schedules:
  # dep-audit: { cron: "0 6 * * *", tz: Europe/Berlin, title: Daily dependency audit, type: ops, catch_up: once }
# Spend caps per day or week (docs/BUDGETS.md). The tick starts no run in a scope at its cap
# until the next period; a run that cannot fit (its profile's median for the task type) waits too.
# Per-run caps (maxCostUsd, maxTokens, maxTurns, maxMinutes) go on an agent profile or a task.
budgets:
  timezone: UTC           # where days and weeks (from Monday) begin
  limits:
    # - {scope: global, period: day, maxCostUsd: 20}
    # - {scope: project:web, period: week, maxTokens: 5000000, maxRuns: 100}
    # - {scope: agent:claude, period: day, maxRuns: 40}

# Where the queue lives: SQLite in .steward/queue.db unless a PostgreSQL URL is set here or in
# STEWARD_DATABASE_URL (docs/SCALING.md). One schema per queue on a shared server.
database:
  # url: postgres://steward@db.example:5432/steward
  schema: steward

# The TASKS.md board.
board:
  doneLimit: 10           # done tasks shown per project
  path: TASKS.md
`;
  parseConfigText(text, 'default config'); // throws VALIDATION naming the bad key, e.g. a malformed token
  return text;
}
