// A stand-in model server for the real coding CLIs: Anthropic Messages, OpenAI Responses and Chat Completions, Gemini.
// Scripted turns: first a call of the CLI's own shell tool (it creates a file), then a final answer with a marker.
// A scenario word in the conversation (`E2E-SCENARIO:<name>`) selects errors, hangs, slow streams and the like.
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Api, type Turn, anthropic, chat, gemini, responses } from './mock-wire.js';

export const SCENARIOS = ['ok', 'e401', 'e429', 'e500', 'hang', 'slow', 'bg', 'ask', 'par'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * What the model is told to do in each scenario (the shell command its tool call runs, and its last words).
 * `file` (from `E2E-FILE:<group>-<name>` in the prompt; `par` runs) names the file the tool writes instead of hello.txt.
 */
export function scriptOf(scenario: Scenario, file?: string): { command: string; final: string } {
  if (file) return { command: `echo e2e-${file} > ${file}.txt`, final: `E2E-DONE ${scenario} ${file}` };
  const write = 'echo e2e-file > hello.txt';
  if (scenario === 'bg') return { command: `${write}; nohup sleep 600 >/dev/null 2>&1 &`, final: 'E2E-DONE bg' };
  if (scenario === 'ask') return { command: write, final: 'I created hello.txt.\nNEEDS_INPUT: Which colour should the greeting be?' };
  return { command: write, final: `E2E-DONE ${scenario}` };
}

/** One request as the server saw it. */
export interface LoggedRequest {
  at: number;
  method: string;
  url: string;
  api: Api | 'other';
  scenario?: Scenario;
  /** What the server did: tool call, final answer, an error status, a hang. */
  reply: string;
  body: string;
}

export interface MockModel {
  url: string;
  port: number;
  requests: LoggedRequest[];
  /** How many `par` calls wait at the barrier now. */
  held(): number;
  close(): Promise<void>;
}

export interface MockOptions {
  /** Append every request here (JSONL). */
  logFile?: string;
  /** The server closes itself after this long (a harness that dies does not leave it behind). Default 30 min. */
  lifetimeMs?: number;
  /** Delay between chunks of a slow stream. Default 1500 ms. */
  slowChunkMs?: number;
  /** Retry-After of the 429 scenario, seconds. Default 7. */
  retryAfterSeconds?: number;
  /**
   * `par` rows: a model call of one file waits until calls for `parWidth` files of its group arrived (so the runs
   * overlap for sure, whatever the machine's speed), at most this long. Default 60 s.
   */
  parHoldMs?: number;
  /** How many files of one group the `par` barrier waits for. Default 2. */
  parWidth?: number;
}

function apiOf(method: string, path: string): Api | 'other' {
  if (method !== 'POST') return 'other';
  if (/\/messages(\?|$)/.test(path)) return 'anthropic';
  if (/\/responses(\?|$)/.test(path)) return 'responses';
  if (/\/chat\/completions(\?|$)/.test(path)) return 'chat';
  if (/:(stream)?generateContent(\?|$)/i.test(path)) return 'gemini';
  return 'other';
}

const ERROR_TEXT: Record<number, string> = {
  401: 'Incorrect API key provided (mock)',
  429: 'Rate limit reached for requests (mock)',
  500: 'The server had an error while processing your request (mock)',
};

function errorBody(api: Api, status: number): unknown {
  const message = ERROR_TEXT[status]!;
  if (api === 'anthropic') {
    const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
    return { type: 'error', error: { type, message } };
  }
  if (api === 'gemini') {
    const s = status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL';
    return { error: { code: status, message, status: s } };
  }
  const type = status === 401 ? 'invalid_request_error' : status === 429 ? 'rate_limit_exceeded' : 'server_error';
  return { error: { message, type, code: status === 401 ? 'invalid_api_key' : type, param: null } };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the server on 127.0.0.1, port 0. */
export async function startMockModel(opts: MockOptions = {}): Promise<MockModel> {
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const log = (entry: LoggedRequest) => {
    requests.push(entry);
    if (opts.logFile) appendFileSync(opts.logFile, `${JSON.stringify(entry)}\n`);
  };
  const slowMs = opts.slowChunkMs ?? 1500;
  // The `par` barrier: files seen per group, and the calls waiting for the rest of their group.
  const parSeen = new Map<string, Set<string>>();
  const parWaiting = new Map<string, Array<() => void>>();
  const parBarrier = (group: string, file: string): Promise<void> => {
    const seen = parSeen.get(group) ?? new Set<string>();
    parSeen.set(group, seen.add(file));
    const waiting = parWaiting.get(group) ?? [];
    parWaiting.set(group, waiting);
    if (seen.size >= (opts.parWidth ?? 2)) {
      for (const release of waiting.splice(0)) release();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const release = () => {
        const i = waiting.indexOf(release);
        if (i >= 0) waiting.splice(i, 1);
        resolve();
      };
      waiting.push(release);
      setTimeout(release, opts.parHoldMs ?? 60_000).unref();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const api = apiOf(req.method ?? 'GET', url);
    const scenario = (/E2E-SCENARIO:([a-z0-9]+)/.exec(body)?.[1] ?? undefined) as Scenario | undefined;
    const fileMatch = /E2E-FILE:([a-z0-9]+)-([a-z0-9]+)/.exec(body);
    const file = fileMatch ? `${fileMatch[1]}-${fileMatch[2]}` : undefined;
    const entry: LoggedRequest = { at: Date.now(), method: req.method ?? '', url, api, reply: '', body };
    if (scenario) entry.scenario = scenario;
    if (api === 'other') {
      entry.reply = 'other';
      log(entry);
      if (/count_tokens|:countTokens/.test(url)) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"input_tokens":100,"totalTokens":100}');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      entry.reply = 'bad json';
      log(entry);
      return void res.writeHead(400).end('{"error":{"message":"bad json"}}');
    }
    const status = scenario === 'e401' ? 401 : scenario === 'e429' ? 429 : scenario === 'e500' ? 500 : 0;
    if (status) {
      entry.reply = `status ${status}`;
      log(entry);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status === 429) headers['retry-after'] = String(opts.retryAfterSeconds ?? 7);
      return void res.writeHead(status, headers).end(JSON.stringify(errorBody(api, status)));
    }
    if (scenario === 'hang') {
      entry.reply = 'hang';
      log(entry);
      return; // never answered; close() destroys the socket
    }
    const wire = { anthropic, responses, chat, gemini }[api];
    const script = scriptOf(scenario ?? 'ok', file);
    const turn: Turn = wire.turnOf(json, script, url);
    entry.reply = turn.kind === 'tool' ? `tool ${turn.tool}` : turn.kind;
    if (scenario === 'par' && fileMatch) {
      const heldAt = Date.now();
      await parBarrier(fileMatch[1]!, file!);
      entry.reply += ` (held ${Date.now() - heldAt} ms)`;
    }
    log(entry);
    const { stream, headers, parts } = wire.render(json, turn, url);
    res.writeHead(200, headers);
    for (const part of parts) {
      if (res.destroyed) return;
      res.write(part);
      if (stream && scenario === 'slow') await sleep(slowMs);
    }
    res.end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const lifetime = setTimeout(() => void close(), opts.lifetimeMs ?? 30 * 60_000);
  lifetime.unref();
  const close = () =>
    new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const held = () => [...parWaiting.values()].reduce((n, w) => n + w.length, 0);
  return { url: `http://127.0.0.1:${port}`, port, requests, held, close };
}
