// The registry of CLI commands, in the order `steward help` lists them. Each command's module is
// loaded only when that command runs (the MCP SDK, execa, the tick and the runner are not needed
// by `steward claim`); `steward help` loads them all.
import type { Command } from '../command.js';

type Module = Record<string, unknown>;
const backup = (): Promise<Module> => import('./backup.js');
const git = (): Promise<Module> => import('./git.js');
const edit = (): Promise<Module> => import('./edit.js');
const inbox = (): Promise<Module> => import('./inbox.js');
const mcp = (): Promise<Module> => import('./mcp.js');
const runs = (): Promise<Module> => import('./runs.js');
const read = (): Promise<Module> => import('./read.js');
const schedule = (): Promise<Module> => import('./schedule.js');
const status = (): Promise<Module> => import('./status.js');
const tasks = (): Promise<Module> => import('./tasks.js');
const up = (): Promise<Module> => import('./up.js');
const work = (): Promise<Module> => import('./work.js');
const doctor = (): Promise<Module> => import('./doctor.js');
const workspace = (): Promise<Module> => import('./workspace.js');
const tick = (): Promise<Module> => import('./tick.js');

const REGISTRY: readonly (readonly [string, () => Promise<Module>])[] = [
  ['init', workspace], ['add', tasks], ['propose', inbox], ['list', read], ['show', read], ['edit', edit], ['inbox', inbox], ['accept', inbox], ['reject', inbox],
  ['claim', runs], ['heartbeat', runs], ['complete', runs], ['fail', runs],
  ['cancel', tasks], ['requeue', tasks], ['resume', tasks], ['approve', tasks], ['changes', tasks], ['answer', tasks], ['done', tasks], ['diff', git], ['archive', edit], ['delete', edit],
  ['schedule', schedule], ['status', status], ['tick', tick], ['render', workspace], ['stats', workspace], ['up', up], ['work', work], ['logs', doctor], ['doctor', doctor], ['gc', git], ['export', backup], ['import', backup], ['migrate', backup], ['mcp', mcp],
];

export const COMMAND_NAMES: readonly string[] = REGISTRY.map(([name]) => name);

const isCommand = (value: unknown, name: string): value is Command =>
  typeof value === 'object' && value !== null && (value as Command).name === name && typeof (value as Command).run === 'function';

/** The command called `name`, its module loaded now; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = REGISTRY.find(([n]) => n === name);
  if (!entry) return undefined;
  const command = Object.values(await entry[1]()).find((v) => isCommand(v, name));
  if (!command) throw new Error(`command module for ${name} does not export it`);
  return command;
}

/** Every command, in help order (loads every module). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(async (name) => (await loadCommand(name))!));
}
