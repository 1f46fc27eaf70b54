// `steward up`: run the workspace on its own — ticks, dispatch, MCP over HTTP, /metrics — until stopped.
import { visibleText } from '../../core/visible-text.js';
import { parseInput, zInt } from '../../core/schemas.js';
import { digestText } from '../../tick/digest-text.js';
import type { Command } from '../command.js';

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

/** `steward up [--port P] [--host H]`. */
export const up: Command = {
  name: 'up',
  summary: 'run the queue: tick every heartbeat and on changes, dispatch workers, serve the web board, MCP over HTTP and /metrics',
  usage: 'steward up [--port P] [--host H] [--allow-remote]',
  options: { port: { type: 'string' }, host: { type: 'string' }, 'allow-remote': { type: 'boolean' } },
  async run(ctx, values) {
    const workspace = ctx.workspace();
    const config = ctx.config();
    const port = values.port === undefined ? undefined : parseInput(zInt(0, 65535), values.port, 'port');
    const tty = Boolean(process.stderr.isTTY);
    // Loaded only when `up` runs: it brings the MCP SDK, which other commands do not need.
    const { startUp } = await import('../../up/up.js');
    const handle = await startUp({
      workspace,
      config,
      store: ctx.store(),
      env: ctx.env,
      port,
      host: values.host as string | undefined,
      allowRemote: values['allow-remote'] === true,
      log: ctx.log,
      actor: ctx.actor === 'cli' ? 'triage' : ctx.actor,
      onTick: (digest, stats) => {
        const text = visibleText(digestText(digest as Parameters<typeof digestText>[0]));
        const [head, ...rest] = text.split('\n');
        if (tty) process.stderr.write(`\r\x1b[2K[${clock()}] tick ${stats.ticks} · ${head}${rest.length ? `\n${rest.join('\n')}\n` : ''}`);
        else if (!digest.quiet || digest.acted) ctx.log(`[${clock()}] ${text}`);
      },
    });
    ctx.log(
      [
        `steward up — workspace ${workspace.root}`,
        `  queue     ${workspace.dbPath}`,
        `  board     ${workspace.boardPath}`,
        `  web       ${handle.boardUrl}  (log in once: ${handle.loginUrl})`,
        `  MCP       ${handle.mcpUrl}  (bearer tokens in ${workspace.configPath})`,
        `  metrics   ${handle.url}/metrics   health ${handle.url}/healthz`,
        `  ticks     every ${config.heartbeat.everySeconds}s and soon after a change · dispatch: ${config.dispatch}`,
        '  Ctrl-C: no new dispatch, the current tick finishes and up exits; workers already running carry on and record their results themselves (the next `steward up` watches them). Twice: exit at once.',
      ].join('\n'),
    );
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
      ctx.log(`\nsteward up: ${sig}: stopping — no new dispatch; running workers carry on and record their results (again to exit at once)`);
      void handle.drain();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await handle.stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return { json: { stopped: true, ticks: handle.stats.ticks }, text: `steward up stopped after ${handle.stats.ticks} ticks` };
  },
};
