// The registry of CLI commands, in the order `steward help` lists them.
import type { Command } from '../command.js';
import { accept, inbox, propose, reject } from './inbox.js';
import { mcp } from './mcp.js';
import { claim, complete, fail, heartbeat } from './runs.js';
import { add, answer, approve, cancel, changes, done, list, requeue, show } from './tasks.js';
import { up } from './up.js';
import { doctor, logs, work } from './work.js';
import { init, render, stats, tick } from './workspace.js';

export const COMMANDS: Command[] = [
  init, add, propose, list, show, inbox, accept, reject,
  claim, heartbeat, complete, fail,
  cancel, requeue, approve, changes, answer, done,
  tick, render, stats, up, work, logs, doctor, mcp,
];
