// The config's fixed vocabularies (schema.ts validates against them); no zod, so the hot paths can use them.

/** Coding CLIs an agent profile can run; `command` runs any argv. */
export const AGENT_CLIS = ['claude', 'codex', 'gemini', 'opencode', 'qwen', 'aider', 'command'] as const;
export type AgentCli = (typeof AGENT_CLIS)[number];

/** MCP roles a bearer token can carry. */
export const MCP_ROLES = ['planner', 'worker', 'triage', 'viewer'] as const;
export type McpRole = (typeof MCP_ROLES)[number];

/** Where a proposal came from; triage policy is set per source. */
export const TRIAGE_SOURCES = ['human', 'cli', 'file', 'mcp:planner', 'mcp:worker', 'mcp:triage'] as const;
export type TriageSource = (typeof TRIAGE_SOURCES)[number];

export const ACCEPT_MODES = ['auto', 'manual'] as const;
export type AcceptMode = (typeof ACCEPT_MODES)[number];

export const DISPATCH_MODES = ['local', 'openclaw', 'none'] as const;
export type DispatchMode = (typeof DISPATCH_MODES)[number];

/** Placeholders the babysitter fills in an agent's `command` argv. */
export const COMMAND_PLACEHOLDERS = ['prompt', 'prompt_file', 'task_id', 'workdir'] as const;

/** A run log's default cap on its size, in MiB (an agent profile's `logMaxMb`; src/runner/run-log.ts). */
export const DEFAULT_LOG_MAX_MB = 100;

/** How long a notify command may run by default, in seconds (notify.timeoutSeconds; src/tick/notify-command.ts). */
export const NOTIFY_TIMEOUT_SECONDS = 30;
