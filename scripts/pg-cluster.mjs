#!/usr/bin/env node
// A throwaway PostgreSQL cluster for tests, CI and the bench: initdb into a fresh temp dir, start on 127.0.0.1 at a
// free port (plus a unix socket in that dir), trust auth, fsync off; stop it and delete the dir on exit or signal.
//
// API:   const c = await startCluster();   c.url → 'postgres://postgres@127.0.0.1:PORT/postgres'
//        const url = c.createDatabase('x');  await c.stop();   (stop is idempotent; it also runs on exit/SIGINT/SIGTERM)
// CLI:   node scripts/pg-cluster.mjs                   start, print the URL, run until Ctrl-C
//        node scripts/pg-cluster.mjs [--env NAME] -- CMD ARGS...
//                                                      start, run CMD with NAME=url (default STEWARD_TEST_POSTGRES_URL),
//                                                      stop, exit with CMD's status
//
// The binaries: initdb/pg_ctl on PATH (their real directory), else the highest /usr/lib/postgresql/<v>/bin (Debian).
// initdb refuses to run as root: as root the dir is chowned to the `postgres` user (Debian's package creates it; else
// a system user `steward-pg` is created) and initdb/pg_ctl run through `runuser -u <user> --`.
// If the process that started the cluster dies by SIGKILL, a small detached watchdog stops the cluster and deletes
// the dir (it polls the parent's pid once a second).
// Every wait on a child is bounded (COMMAND_CAP_MS, or pg_ctl's own -t plus a margin): a command that hangs is killed
// and the failure says which command and after how long. The only open-ended waits are meant to be: the watchdog
// (as long as its parent lives), the CLI's run until Ctrl-C, and the CLI's wait for the command it runs.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A clear, typed failure: code is POSTGRES_NOT_INSTALLED, POSTGRES_INITDB_FAILED or POSTGRES_START_FAILED. */
export class PgClusterError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'PgClusterError';
    this.code = code;
  }
}

const INSTALL_HINT = 'install the PostgreSQL server with `apt-get install -y postgresql` (Debian/Ubuntu; any version ≥ 13)';

function onPath(name, path) {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * The directory holding initdb, pg_ctl and postgres, or a PgClusterError naming the install command.
 * Looks at $STEWARD_PG_BIN, then PATH, then the highest <root>/<version>/bin (options: { env, path, root } for tests).
 */
export function findPgBin(options = {}) {
  const env = options.env ?? process.env;
  const fromEnv = env.STEWARD_PG_BIN;
  if (fromEnv) {
    if (existsSync(join(fromEnv, 'initdb')) && existsSync(join(fromEnv, 'pg_ctl'))) return fromEnv;
    throw new PgClusterError('POSTGRES_NOT_INSTALLED', `STEWARD_PG_BIN=${fromEnv} has no initdb/pg_ctl; ${INSTALL_HINT}`);
  }
  const initdb = onPath('initdb', options.path ?? env.PATH);
  if (initdb) {
    // Debian's /usr/bin wrappers are perl scripts around pg_wrapper; take the real binary's directory.
    const dir = dirname(realpathSync(initdb));
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  const root = options.root ?? '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  throw new PgClusterError('POSTGRES_NOT_INSTALLED', `PostgreSQL's initdb/pg_ctl were not found on PATH or under ${root}/*/bin: ${INSTALL_HINT}`);
}

/** How long a short command here (id, useradd, initdb, createdb) may run before it is killed (ms). */
export const COMMAND_CAP_MS = 120_000;

/**
 * spawnSync, bounded: a child still running after `timeoutMs` is killed (SIGTERM: runuser passes it on to the
 * PostgreSQL binary it runs), and the result's `timedOut` then says which command and after how long.
 */
function runSync(cmd, args, options = {}, timeoutMs = COMMAND_CAP_MS) {
  const r = spawnSync(cmd, args, { ...options, timeout: timeoutMs });
  if (r.error?.code === 'ETIMEDOUT') r.timedOut = `${basename(cmd)} ${args.map((a) => basename(a)).join(' ')} did not finish within ${timeoutMs / 1000} s (killed)`;
  return r;
}

/** What went wrong with a command's run, for a message: its time-out, its start error, or its exit and output. */
function failureText(r) {
  return r.timedOut ?? r.error?.message ?? `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').toString().trim().slice(-2000)}`;
}

function userExists(name) {
  return runSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/** As root: the unprivileged user the cluster runs as (postgres, else a created steward-pg); otherwise undefined. */
function clusterUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (userExists('postgres')) return 'postgres';
  if (!userExists('steward-pg')) {
    const r = runSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'steward-pg'], { encoding: 'utf8' });
    if (r.status !== 0 && !userExists('steward-pg')) {
      throw new PgClusterError('POSTGRES_INITDB_FAILED', `running as root, initdb needs an unprivileged user; useradd steward-pg failed: ${failureText(r)}`);
    }
  }
  return 'steward-pg';
}

function uidGid(user) {
  const id = (flag) => {
    const r = runSync('id', [flag, user], { encoding: 'utf8' });
    const n = Number(String(r.stdout ?? '').trim());
    if (r.status !== 0 || !Number.isInteger(n)) throw new PgClusterError('POSTGRES_INITDB_FAILED', `id ${flag} ${user} failed: ${failureText(r)}`);
    return n;
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** Runs a PostgreSQL binary (as `user` when given), synchronously and bounded (runSync); returns its result. */
function runPg(bin, user, args, timeoutMs = COMMAND_CAP_MS) {
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const k of ['PGDATA', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGOPTIONS']) delete env[k];
  const r = runSync(user ? 'runuser' : bin, user ? ['-u', user, '--', bin, ...args] : args, { encoding: 'utf8', env }, timeoutMs);
  // Name the PostgreSQL binary, not runuser.
  if (r.timedOut) r.timedOut = `${basename(bin)} ${args.map((a) => basename(a)).join(' ')} did not finish within ${timeoutMs / 1000} s (killed)`;
  return r;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set();
let hooked = false;

function stopSync(c) {
  if (c.stopped) return;
  c.stopped = true;
  live.delete(c);
  // Also a server whose `pg_ctl start` failed or was killed at its cap after the postmaster came up (its pid file).
  if (c.started || existsSync(join(c.dataDir, 'postmaster.pid'))) runPg(join(c.binDir, 'pg_ctl'), c.user, ['-D', c.dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop'], 90_000);
  try { c.watchdog?.kill('SIGKILL'); } catch { /* already gone */ }
  rmSync(c.dir, { recursive: true, force: true });
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => { for (const c of [...live]) stopSync(c); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = () => {
      for (const c of [...live]) stopSync(c);
      // Keep the signal's usual meaning when nobody else handles it: die of it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

/** Starts a detached watcher that stops the cluster and deletes its dir once this process is gone (SIGKILL). */
function startWatchdog(c) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--watchdog', String(process.pid), c.dir, c.binDir, c.user ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

async function watchdog(pid, dir, binDir, user) {
  const alive = () => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
  while (alive()) await new Promise((r) => setTimeout(r, 1000));
  if (existsSync(join(dir, 'data', 'postmaster.pid'))) runPg(join(binDir, 'pg_ctl'), user || undefined, ['-D', join(dir, 'data'), '-m', 'immediate', '-w', '-t', '60', 'stop'], 90_000);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts a throwaway cluster. Options: { maxConnections = 300, log = false (true: keep the server log in memory
 * on failure only), watchdog = true, commandTimeoutMs = COMMAND_CAP_MS (initdb's and createdb's cap) }. Returns { url, host, port, socketDir, dataDir, binDir, user,
 * urlFor(db), createDatabase(name) → url, stop() → Promise<void> }.
 */
export async function startCluster(options = {}) {
  const cap = options.commandTimeoutMs ?? COMMAND_CAP_MS;
  const binDir = findPgBin();
  const user = clusterUser();
  const dir = mkdtempSync(join(tmpdir(), 'steward-pg-'));
  const c = { dir, dataDir: join(dir, 'data'), binDir, user, started: false, stopped: false, watchdog: undefined };
  live.add(c);
  hookExit();
  try {
    if (user) {
      const { uid, gid } = uidGid(user);
      chownSync(dir, uid, gid);
    }
    const init = runPg(join(binDir, 'initdb'), user, ['-D', c.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], cap);
    if (init.status !== 0) throw new PgClusterError('POSTGRES_INITDB_FAILED', `initdb failed: ${failureText(init)}`);
    if (options.watchdog !== false) c.watchdog = startWatchdog(c);
    let lastErr = '';
    for (let attempt = 0; attempt < 5 && !c.started; attempt++) {
      const port = await freePort();
      // Settings go into postgresql.conf (the last line wins): no shell strings through pg_ctl -o.
      appendFileSync(join(c.dataDir, 'postgresql.conf'), [
        '', '# steward throwaway cluster (scripts/pg-cluster.mjs)',
        `listen_addresses = '127.0.0.1'`, `port = ${port}`, `unix_socket_directories = '${dir}'`,
        'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
        `max_connections = ${options.maxConnections ?? 300}`, 'shared_buffers = 64MB',
        'max_locks_per_transaction = 256', `timezone = 'UTC'`, `log_timezone = 'UTC'`, '',
      ].join('\n'));
      const logFile = join(dir, 'server.log');
      const r = runPg(join(binDir, 'pg_ctl'), user, ['-D', c.dataDir, '-l', logFile, '-w', '-t', '60', 'start'], 90_000);
      if (r.status === 0) {
        c.started = true;
        Object.assign(c, { port, host: '127.0.0.1', socketDir: dir });
      } else {
        let log = '';
        try { log = readFileSync(logFile, 'utf8').trim().slice(-1500); } catch { /* no log yet */ }
        lastErr = `${r.timedOut ? `${r.timedOut}; ` : ''}${(r.stderr || r.stdout || '').trim()} ${log}`.trim();
        // A port taken between probe and bind: try another one. Anything else: give up now.
        if (!/could not bind|Address already in use|could not create listen socket/i.test(lastErr)) break;
        // pg_ctl may leave a half-started postmaster behind: make sure it is gone before retrying.
        runPg(join(binDir, 'pg_ctl'), user, ['-D', c.dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000);
      }
    }
    if (!c.started) throw new PgClusterError('POSTGRES_START_FAILED', `pg_ctl start failed: ${lastErr.slice(-2500)}`);
  } catch (e) {
    stopSync(c);
    throw e;
  }
  const urlFor = (db) => `postgres://postgres@127.0.0.1:${c.port}/${encodeURIComponent(db)}`;
  return {
    url: urlFor('postgres'),
    host: c.host,
    port: c.port,
    socketDir: c.socketDir,
    dataDir: c.dataDir,
    binDir,
    user,
    urlFor,
    /** CREATE DATABASE name (via the cluster's own createdb, over the unix socket); returns its URL. */
    createDatabase(name) {
      const r = runSync(join(binDir, 'createdb'), ['-h', c.socketDir, '-p', String(c.port), '-U', 'postgres', name], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, cap);
      if (r.status !== 0) throw new PgClusterError('POSTGRES_START_FAILED', `createdb ${name} failed: ${failureText(r)}`);
      return urlFor(name);
    },
    async stop() { stopSync(c); },
  };
}

async function main(argv) {
  if (argv[0] === '--watchdog') {
    await watchdog(Number(argv[1]), argv[2], argv[3], argv[4]);
    return;
  }
  let envName = 'STEWARD_TEST_POSTGRES_URL';
  const sep = argv.indexOf('--');
  const opts = sep === -1 ? argv : argv.slice(0, sep);
  for (let i = 0; i < opts.length; i++) {
    if (opts[i] === '--env' && opts[i + 1]) envName = opts[++i];
    else if (opts[i] === '--help' || opts[i] === '-h') {
      process.stdout.write('usage: node scripts/pg-cluster.mjs [--env NAME] [-- CMD ARGS...]\n');
      return;
    } else throw new Error(`unknown option ${opts[i]} (usage: node scripts/pg-cluster.mjs [--env NAME] [-- CMD ARGS...])`);
  }
  let cluster;
  try {
    cluster = await startCluster();
  } catch (e) {
    process.stderr.write(`pg-cluster: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (sep === -1) {
    process.stdout.write(`${cluster.url}\n`);
    process.stderr.write(`pg-cluster: running (data ${cluster.dataDir}, socket ${cluster.socketDir}); Ctrl-C stops it and deletes the dir\n`);
    await new Promise(() => {}); // until a signal
    return;
  }
  const [cmd, ...args] = argv.slice(sep + 1);
  if (!cmd) throw new Error('nothing to run after --');
  process.stderr.write(`pg-cluster: ${cluster.url} (${envName})\n`);
  const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, [envName]: cluster.url } });
  // Forward INT/TERM/HUP to the command and wait for it; the cluster stops after it (or on our exit).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { try { child.kill(sig); } catch { /* gone */ } });
  const status = await new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (osConstants.signals[signal] ?? 1)));
    child.on('error', (e) => { process.stderr.write(`pg-cluster: ${cmd}: ${e.message}\n`); resolve(127); });
  });
  await cluster.stop();
  process.exitCode = status;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`pg-cluster: ${e.message}\n`);
    process.exitCode = 2;
  });
}
