// `steward init --openclaw`: put the skill pack and HEARTBEAT.md into an OpenClaw workspace, and say what to paste.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEARTBEAT_TEXT } from './init-workspace.js';

/** The skill pack shipped with steward (skills/ at the package root). */
export const SKILLS_DIR = fileURLToPath(new URL('../../../skills/', import.meta.url));

export interface OpenClawInstall {
  /** Files written because they were absent. */
  copied: string[];
  /** Files left alone because they exist and differ (a person's edits win). */
  kept: string[];
  /** Files already identical. */
  same: string[];
  /** The OpenClaw config to paste (JSON5-compatible JSON). */
  config: Record<string, unknown>;
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

/** Copies skills/<name>/SKILL.md and HEARTBEAT.md into `target` (never over an existing file). */
export function installOpenClaw(target: string, stewardRoot: string): OpenClawInstall {
  const out: OpenClawInstall = { copied: [], kept: [], same: [], config: {} };
  for (const name of readdirSync(SKILLS_DIR).sort()) {
    const src = join(SKILLS_DIR, name, 'SKILL.md');
    if (!existsSync(src)) continue;
    mkdirSync(join(target, 'skills', name), { recursive: true });
    place(readFileSync(src, 'utf8'), join(target, 'skills', name, 'SKILL.md'), out);
  }
  mkdirSync(target, { recursive: true });
  place(HEARTBEAT_TEXT, join(target, 'HEARTBEAT.md'), out);
  out.config = openClawConfig(stewardRoot);
  return out;
}

/** The gateway config that wires an OpenClaw agent to this workspace. */
export function openClawConfig(stewardRoot: string): Record<string, unknown> {
  return {
    agents: {
      defaults: {
        heartbeat: {
          every: '30m',
          isolatedSession: true,
          lightContext: true,
          activeHours: { start: '08:00', end: '22:00', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
          prompt: `Read HEARTBEAT.md and follow it. The steward workspace is ${stewardRoot}.`,
        },
      },
      entries: { main: { subagents: { allowAgents: ['main'] } } },
    },
    mcp: {
      servers: {
        steward: { command: 'steward', args: ['mcp', '--role', 'triage', '--dir', stewardRoot] },
      },
    },
  };
}
