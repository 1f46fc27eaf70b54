#!/usr/bin/env node
// The `steward` executable. Tiny on purpose: `steward work --run N` (a waiter that OpenClaw's exec may kill at any
// moment) holds the stop signals and starts its detached babysitter before the rest of steward (SQLite, zod, the
// commands) loads — see early-waiter.ts. Everything else is cli.ts.
import { beginEarlyWaiter } from './early-waiter.js';

await beginEarlyWaiter(process.argv.slice(2));
const { main } = await import('./cli.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error INTERNAL: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
