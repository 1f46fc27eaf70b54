// `steward init --openclaw`: put the skill pack into an OpenClaw workspace, and say what to paste (and why).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heartbeatText } from './heartbeat-text.js';

/** The skill pack shipped with steward (skills/ at the package root). */
export const SKILLS_DIR = fileURLToPath(new URL('../../../skills/', import.meta.url));

/** This steward's CLI entry point (dist/src/cli/steward.cjs, the bundled bin), for commands that must not depend on PATH. */
export const STEWARD_MAIN = fileURLToPath(new URL('../cli/steward.cjs', import.meta.url));

export interface OpenClawInstall {
  /** Files written because they were absent. */
  copied: string[];
  /** Files left alone because they exist and differ (a person's edits win). */
  kept: string[];
  /** Files already identical. */
  same: string[];
  /** The OpenClaw config to paste (JSON5-compatible JSON). */
  config: Record<string, unknown>;
  /** What the config does and the steps it cannot do itself (one line each). */
  notes: string[];
}

/** Writes `text` at `to` unless a file is there; records whether it was copied, kept (edited) or the same. */
function place(text: string, to: string, out: OpenClawInstall): void {
  try {
    writeFileSync(to, text, { flag: 'wx' });
    out.copied.push(to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    (readFileSync(to, 'utf8') === text ? out.same : out.kept).push(to);
  }
}

/**
 * Copies skills/<name>/SKILL.md into `target` (never over an existing file). No HEARTBEAT.md goes there:
 * OpenClaw ≥ 2026.8 never reads it (`doctor --lint` warns about it); the checklist is the heartbeat prompt.
 */
export function installOpenClaw(target: string, stewardRoot: string, node: string = process.execPath): OpenClawInstall {
  const out: OpenClawInstall = { copied: [], kept: [], same: [], config: {}, notes: [] };
  for (const name of readdirSync(SKILLS_DIR).sort()) {
    const src = join(SKILLS_DIR, name, 'SKILL.md');
    if (!existsSync(src)) continue;
    mkdirSync(join(target, 'skills', name), { recursive: true });
    place(readFileSync(src, 'utf8'), join(target, 'skills', name, 'SKILL.md'), out);
  }
  out.config = openClawConfig(stewardRoot, node);
  out.notes = openClawNotes(stewardRoot);
  return out;
}

/**
 * The gateway config that wires an OpenClaw agent to this workspace: a heartbeat whose prompt is the
 * whole checklist, an explicit delivery target, the triage-role MCP server started by an absolute
 * command (this Node, this steward: its native module matches), and no steward MCP tools for sub-agents.
 */
export function openClawConfig(stewardRoot: string, node: string = process.execPath): Record<string, unknown> {
  return {
    agents: {
      defaults: {
        heartbeat: {
          every: '30m',
          target: 'none',
          isolatedSession: true,
          lightContext: true,
          activeHours: { start: '08:00', end: '22:00', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
          prompt: heartbeatText(stewardRoot),
        },
      },
      entries: { main: { subagents: { allowAgents: ['main'] } } },
    },
    tools: { subagents: { tools: { deny: ['steward__*'] } } },
    mcp: {
      servers: {
        steward: { command: node, args: [STEWARD_MAIN, 'mcp', '--role', 'triage', '--dir', stewardRoot] },
      },
    },
  };
}

/** What the pasted config does, and the one step it cannot do (the scratch alternative). */
export function openClawNotes(stewardRoot: string): string[] {
  return [
    `heartbeat.prompt is ${join(stewardRoot, 'HEARTBEAT.md')} with this workspace's path in it (OpenClaw ≥ 2026.8 never reads a HEARTBEAT.md file).`,
    '  To keep OpenClaw\'s default prompt instead, drop "prompt" and put the checklist into the heartbeat monitor\'s scratch:',
    `  openclaw cron list --all --json   (the id of the job named heartbeat-main), then: openclaw cron scratch <jobId> --file ${join(stewardRoot, 'HEARTBEAT.md')}`,
    'heartbeat.target "none" runs the triage and keeps its summary in the session; the default "owner" skips every heartbeat',
    '  (reason no-route) unless commands.ownerAllowFrom names you. To read the summaries set target to a channel id ("telegram")',
    '  and to to your chat id, or target "last" (the last conversation).',
    'Roles: the gateway\'s steward MCP server is the triage role; tools.subagents.tools.deny keeps its tools from sub-agents,',
    '  which only run `steward work --run N` through exec. Planners use `steward mcp --role planner` (or `steward propose`).',
    'The skills need `steward` on the gateway\'s PATH (their requires.bins); the MCP command above is absolute.',
    'Wake the triage now: openclaw system event --text "steward: work waiting" --mode now',
  ];
}
