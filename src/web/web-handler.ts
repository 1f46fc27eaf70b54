// The web board's routes, mounted by `steward up` on its HTTP server: login, the views, live feeds, actions.
import type { ArgvProfileLike } from '../core/prompt-room.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StewardError, toStewardError, type ErrorCode } from '../core/errors.js';
import type { Run } from '../core/types.js';
import { visibleText } from '../core/visible-text.js';
import type { McpTokenGrant } from '../mcp/tokens.js';
import { taskDiffAsync, type TaskDiff } from '../git/diff.js';
import { readAgentFigures, readAttention, readColumns, readFacets, readQueueFigures, readRun, readTaskDetail } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { currentSignals } from '../tick/digest-store.js';
import type { ProfileFit } from '../tick/stuck.js';
import { runAction } from './actions.js';
import { BOARD_JS } from './client-script.js';
import { field, readForm } from './form-body.js';
import { html, type Html } from './html.js';
import { contentSecurityPolicy, loginPage, page, type Page } from './layout.js';
import { ChangeFeed } from './live.js';
import { insideDir, readTail, streamLog } from './log-tail.js';
import { isSymlink } from '../files/read-from.js';
import { symlinkLogError } from '../runner/follow-log.js';
import { sameOrigin } from '../http/request-guard.js';
import { parseBoardQuery } from './board-query.js';
import { ONE_TIME_CODE_TTL_MS, Sessions } from './sessions.js';
import { StreamSlots } from './stream-slots.js';
import { authenticate, clearedCookie, csrfOk, sessionCookie, viaTls, type Principal } from './web-auth.js';
import { isWebAction, mayAct } from './web-roles.js';
import { attentionView } from './view-attention.js';
import { boardView } from './view-board.js';
import { agentsView, metricsView } from './view-figures.js';
import { taskView } from './view-task.js';

export interface WebBoardOptions {
  store: Store;
  /** Checks an `Authorization: Bearer` header against the workspace's tokens. */
  checkBearer: (header: string | undefined) => McpTokenGrant | null;
  /** The agent profiles the stuck check compares against; null when steward does not run workers itself. */
  profiles: Record<string, ProfileFit> | null;
  /** The configured agent profiles (for the agents view). */
  agents: Record<string, { maxConcurrent: number } & ArgvProfileLike>;
  /** Where run logs live; a log is read only from inside it. */
  logsDir: string;
  /** Live streams (the change feed, run logs) open at once; one token holds half at most. Default DEFAULT_MAX_STREAMS. */
  maxStreams?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/** The board: a request handler that answers its own paths (false for others), the login link, and close. */
export interface WebBoard {
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** A link that logs one browser in once as the person running `up` (triage). */
  oneTimeLink(baseUrl: string): string;
  close(): void;
}

const STATUS: Partial<Record<ErrorCode, number>> = { VALIDATION: 400, PARSE_ERROR: 400, NOT_FOUND: 404, INVALID_TRANSITION: 409, CONFLICT: 409, CYCLE: 409, FORBIDDEN: 403, BUSY: 503, UNAVAILABLE: 503 };
const VIEWS = new Set(['/', '/board', '/agents', '/stats']);
const TASK_PATH = /^\/tasks\/(\d{1,15})$/;
const LOG_PATH = /^\/tasks\/(\d{1,15})\/log$/;
/** Review diffs made at once by the whole board (each a few git processes, one after the other). */
const DIFF_JOBS = 4;

function security(res: ServerResponse, nonce?: string): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader('cache-control', 'no-store');
  if (nonce) res.setHeader('content-security-policy', contentSecurityPolicy(nonce));
}

function sendPage(res: ServerResponse, status: number, p: Page, headers: Record<string, string> = {}): void {
  security(res, p.nonce);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(p.html);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  security(res);
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** The methods a board path answers (the Allow header of its 405). */
function allowedMethods(path: string): string {
  if (path === '/login') return 'GET, HEAD, POST';
  return path === '/logout' || path.startsWith('/act/') ? 'POST' : 'GET, HEAD';
}

function notAllowed(req: IncomingMessage, res: ServerResponse, path: string): void {
  const allow = allowedMethods(path);
  sendJson(res, 405, { ok: false, error: { code: 'USAGE', message: `${req.method} ${path}: ${allow} only` } }, { allow });
}

function wantsJson(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

/** Builds the board's handler. */
export function createWebBoard(o: WebBoardOptions): WebBoard {
  const now = o.now ?? (() => o.store.now());
  const sessions = new Sessions(now);
  const feed = new ChangeFeed(o.store);
  const slots = new StreamSlots(o.maxStreams);
  const log = o.log ?? (() => undefined);

  const logOf = (run: Run | undefined): string | undefined => (run?.log_path && insideDir(run.log_path, o.logsDir) ? run.log_path : undefined);
  const tailOf = (run: Run) => {
    const path = logOf(run);
    return path ? readTail(path, 3000) : '(no log)';
  };

  // Review diffs: at most DIFF_JOBS at once for the whole board (many tabs, or a script asking for `/` in a loop, never
  // start more gits than that), and one task's diff asked again while it is being made waits for that one.
  let diffJobs = 0;
  const diffQueue: Array<() => void> = [];
  const inFlight = new Map<number, Promise<TaskDiff | null>>();
  const diffNow = async (taskId: number): Promise<TaskDiff | null> => {
    if (diffJobs >= DIFF_JOBS) await new Promise<void>((go) => diffQueue.push(go));
    else diffJobs += 1;
    try {
      return await taskDiffAsync(o.store, taskId, { patch: true, maxBytes: 20_000, maxFiles: 50 });
    } catch (err) {
      // No branch (not a worktree task); or git failed for this one: the page still shows every other review.
      if (!(err instanceof StewardError && err.code === 'NOT_FOUND')) log(`steward web: the diff of #${taskId}: ${(err as Error).message}`);
      return null;
    } finally {
      const next = diffQueue.shift();
      if (next) next();
      else diffJobs -= 1;
    }
  };
  const diffOf = (taskId: number): Promise<TaskDiff | null> => {
    let p = inFlight.get(taskId);
    if (!p) {
      p = diffNow(taskId).finally(() => inFlight.delete(taskId));
      inFlight.set(taskId, p);
    }
    return p;
  };
  /** The diffs of the reviews on a page, none blocking the server (git.ts gitRunAsync). */
  const diffsOf = async (ids: number[]): Promise<Map<number, TaskDiff | null>> => new Map(await Promise.all(ids.map(async (id) => [id, await diffOf(id)] as const)));

  const views: Record<string, (p: Principal, url: URL) => { title: string; main: Html } | Promise<{ title: string; main: Html }>> = {
    '/': async (p) => {
      const t = now();
      const a = readAttention(o.store, t);
      const stuck = o.store.read(() => currentSignals(o.store, t, o.profiles));
      const diffs = await diffsOf(a.reviews.map((r) => r.task.id));
      return { title: 'Needs attention', main: attentionView(p, a, stuck, tailOf, t, (id) => diffs.get(id) ?? null) };
    },
    '/board': (p, url) => {
      const q = parseBoardQuery(url.searchParams);
      const columns = readColumns(o.store, { filter: q, state: q.state, offset: q.offset, limit: q.limit });
      return { title: 'Board', main: boardView(p, q, columns, readFacets(o.store), now()) };
    },
    '/agents': () => ({ title: 'Agents', main: agentsView(readAgentFigures(o.store, now(), o.agents), now()) }),
    '/stats': () => ({ title: 'Metrics', main: metricsView(readQueueFigures(o.store, now())) }),
  };

  const taskPage = (p: Principal, id: string) => {
    const d = readTaskDetail(o.store, { id });
    const live = d.runs.find((r) => r.status === 'running');
    const latest = d.runs.find((r) => logOf(r));
    const logView = live ? { src: `/tasks/${d.task.id}/log?run=${live.id}`, runId: live.id, tail: logOf(live) ? readTail(logOf(live)!) : '' } : latest ? { tail: readTail(logOf(latest)!), runId: latest.id } : {};
    return { title: `#${d.task.id} ${d.task.title}`, main: taskView(p, d, now(), logView) };
  };

  const render = (req: IncomingMessage, res: ServerResponse, p: Principal, path: string, view: { title: string; main: Html }) => {
    if (req.headers['x-steward-partial'] === '1') {
      security(res);
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(view.main.text);
    }
    sendPage(res, 200, page({ title: view.title, path, principal: p, main: view.main }));
  };

  const fail = (req: IncomingMessage, res: ServerResponse, p: Principal | null, err: unknown) => {
    const e = toStewardError(err);
    const status = STATUS[e.code] ?? 500;
    if (status === 500) log(`steward web: ${(err as Error)?.stack ?? String(err)}`);
    // The board's script shows this message to a person (a flash): hidden characters escaped, as in HTML.
    if (wantsJson(req) || !p) return sendJson(res, status, { ok: false, error: { code: e.code, message: visibleText(e.message) } });
    const main = html`<h1>${e.code}</h1><p class="bad">${e.message}</p><p><a href="/">back to the board</a></p>`;
    sendPage(res, status, page({ title: e.code, path: '', principal: p, main }));
  };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (!sameOrigin(req)) return sendPage(res, 403, loginPage('refused: this form was posted from another site'));
    const token = field(await readForm(req), 'token') ?? '';
    const grant = o.checkBearer(`Bearer ${token.trim()}`);
    if (!grant) return sendPage(res, 401, loginPage('That token is not one of this workspace’s tokens.'));
    security(res);
    res.writeHead(303, { location: '/', 'set-cookie': sessionCookie(sessions.open(grant), viaTls(req)) }).end();
  };

  const act = async (req: IncomingMessage, res: ServerResponse, p: Principal, name: string) => {
    if (!isWebAction(name)) return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no action ${name}` } });
    if (!sameOrigin(req)) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'cross-site request refused (Origin)' } });
    const form = await readForm(req);
    if (!csrfOk(p, field(form, '_csrf'))) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'missing or wrong CSRF token: reload the page' } });
    if (!mayAct(p.grant.role, name)) {
      return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: `the ${p.grant.role} role may not ${name} (read-only)` } });
    }
    const out = runAction(o.store, name, form, { now: now(), actor: p.actor, agents: o.agents });
    log(`steward web: ${p.actor} ${name}: ${out.message}`);
    if (wantsJson(req)) return sendJson(res, 200, { ok: true, ...out, message: visibleText(out.message), ...(out.errors ? { errors: out.errors.map((x) => ({ ...x, message: visibleText(x.message) })) } : {}) });
    // The action is done: a Referer no URL parser takes (a script's, never a browser's) only loses the way back.
    const referer = req.headers.referer ?? '/';
    const back = URL.canParse(referer, 'http://x') ? new URL(referer, 'http://x').pathname : '/';
    security(res);
    res.writeHead(303, { location: back.startsWith('/') && !back.startsWith('//') ? back : '/' }).end();
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    let p: Principal | null = null;
    try {
      if (path === '/login') {
        if (req.method === 'POST') return await login(req, res);
        if (req.method !== 'GET' && req.method !== 'HEAD') return notAllowed(req, res, path);
        return sendPage(res, 200, loginPage());
      }
      if (path === '/login/once') {
        const grant = sessions.redeem(new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? '');
        if (!grant) return sendPage(res, 401, loginPage(`That login link was used already, has expired (it works for ${ONE_TIME_CODE_TTL_MS / 60_000} minutes) or is unknown: log in with a token.`));
        security(res);
        return void res.writeHead(303, { location: '/', 'set-cookie': sessionCookie(sessions.open(grant), viaTls(req)) }).end();
      }
      p = authenticate(req, sessions, o.checkBearer);
      if (!p) {
        const browser = !req.headers.authorization && !wantsJson(req) && req.headers['x-steward-partial'] !== '1';
        if (req.method === 'GET' && browser && path !== '/events') {
          security(res);
          return void res.writeHead(303, { location: '/login' }).end();
        }
        return sendJson(res, 401, { ok: false, error: { code: 'FORBIDDEN', message: 'log in first: a session cookie or Authorization: Bearer <token>' } });
      }
      if (req.method === 'POST') {
        if (path === '/logout') {
          if (!sameOrigin(req) || !csrfOk(p, field(await readForm(req), '_csrf'))) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'CSRF' } });
          sessions.close(p.sessionId);
          security(res);
          return void res.writeHead(303, { location: '/login', 'set-cookie': clearedCookie(viaTls(req)) }).end();
        }
        if (path.startsWith('/act/')) return await act(req, res, p, path.slice(5));
        return notAllowed(req, res, path);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return notAllowed(req, res, path);
      if (path === '/assets/board.js') {
        security(res);
        return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(BOARD_JS);
      }
      const url = new URL(req.url ?? '/', 'http://x');
      const logMatch = LOG_PATH.exec(path);
      if (path === '/events' || logMatch) {
        const full = slots.take(p.grant, res);
        if (full) return sendJson(res, 503, { ok: false, error: { code: 'BUSY', message: full } }, { 'retry-after': '5', connection: 'close' });
      }
      if (path === '/events') return feed.subscribe(res);
      if (logMatch) {
        const run = readRun(o.store, Number(url.searchParams.get('run')));
        const file = logOf(run);
        if (!run || run.task_id !== Number(logMatch[1]) || !file) return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'no log for that run' } });
        if (isSymlink(file)) return sendJson(res, 403, { ok: false, error: symlinkLogError(file, { run_id: run.id }).toJSON() });
        return streamLog(res, file, () => readRun(o.store, run.id)?.status === 'running');
      }
      const taskMatch = TASK_PATH.exec(path);
      if (taskMatch) return render(req, res, p, path, taskPage(p, taskMatch[1]!));
      const view = views[path];
      if (view) return render(req, res, p, path, await view(p, url));
      sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no page ${path}` } });
    } catch (err) {
      if (!res.headersSent) fail(req, res, p, err);
      else res.end();
    }
  };

  const owns = (path: string) =>
    VIEWS.has(path) || path === '/login' || path === '/login/once' || path === '/logout' || path === '/events' ||
    path.startsWith('/act/') || path.startsWith('/assets/') || TASK_PATH.test(path) || LOG_PATH.test(path);

  return {
    handle(req, res, path) {
      if (!owns(path)) return false;
      void route(req, res, path);
      return true;
    },
    oneTimeLink: (baseUrl) => `${baseUrl}/login/once?code=${sessions.oneTimeCode({ role: 'triage', name: 'human' })}`,
    close: () => feed.stop(),
  };
}
