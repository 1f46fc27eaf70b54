#!/usr/bin/env node
// The `steward` executable. Tiny on purpose: it turns on Node's on-disk compile cache where the runtime has it (Node ≥
// 22.1; skipped on Node 20) before anything else loads; then `steward work --run N` (a waiter that OpenClaw's exec may
// kill at any moment) holds the stop signals and starts its detached babysitter before the rest of steward (SQLite,
// zod, the commands) loads — see early-waiter.ts. Everything else is cli.ts, which loads config, store and the
// command's module only when a command runs.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

async function start(): Promise<number> {
  const { beginEarlyWaiter } = await import('./early-waiter.js');
  await beginEarlyWaiter(process.argv.slice(2));
  const { main } = await import('./cli.js');
  return main(process.argv.slice(2));
}

// No top-level await: the bundle is CommonJS (scripts/bundle-cli.mjs).
start().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error INTERNAL: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
