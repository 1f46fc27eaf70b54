// The scripted model behind the OpenClaw e2e (OpenAI Chat Completions): it plays the triage agent's heartbeat and
// the worker sub-agents exactly as HEARTBEAT.md and the hand-off text tell a real model to.
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chat, type Turn } from './mock-wire.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message's content (a string or an array of parts). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('\n');
  return '';
}

interface Call {
  name: string;
  args: Json;
}

/** The conversation as the model sees it: the prompt text, the tool calls made, and the newest tool result. */
function readConversation(req: Json) {
  const messages = (Array.isArray(req.messages) ? req.messages : []).filter(isObj);
  const prompt = messages.filter((m) => m.role === 'user' || m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)).join('\n');
  const calls: Call[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) continue;
    for (const c of m.tool_calls.filter(isObj)) {
      const f = isObj(c.function) ? c.function : {};
      let args: Json = {};
      try {
        args = JSON.parse(String(f.arguments ?? '{}')) as Json;
      } catch {
        // keep {}
      }
      calls.push({ name: String(f.name ?? ''), args });
    }
  }
  const results = messages.filter((m) => m.role === 'tool').map((m) => textOf(m.content));
  // The newest tool result, even when OpenClaw appended a user note after it ("Continue the current task …").
  const result = results.length ? results[results.length - 1] : undefined;
  const tools = new Set((Array.isArray(req.tools) ? req.tools : []).filter(isObj).map((t) => String(isObj(t.function) ? t.function.name : '')));
  return { prompt, calls, results, result, tools };
}

let seq = 0;
const call = (tool: string, args: Json): Turn => ({ kind: 'tool', tool, args, callId: `call_${Date.now().toString(36)}_${++seq}` });
const say = (text: string): Turn => ({ kind: 'final', text });

/** The first JSON object in a tool result (exec output may carry a header line). */
function jsonIn(text: string): Json | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as Json;
  } catch {
    return undefined;
  }
}

/** What the e2e wants the worker model to do differently from the hand-off text (to prove steward copes). */
export interface WorkerQuirks {
  /** exec's yield for the worker's call, so the background + poll path is taken within seconds (the text says 120000). */
  yieldMs: number;
  /** Titles containing this word: the worker drops `timeoutSeconds: 0`, so exec kills `steward work` at its timeout. */
  disobeyWord: string;
}

/**
 * OpenClaw's prompt when it resumes an interrupted turn (2026.9.6: after a failed model request it retries the heartbeat
 * session with this text, without the heartbeat prompt, the transcript or the tick's output).
 */
export const RESUME_PROMPT = 'Continue the current task from the existing transcript';

/** What the triage needs to know when OpenClaw resumed its heartbeat without the heartbeat prompt. */
export interface TriageFacts {
  /** The heartbeat checklist's tick command (`steward tick --json --dir …`). */
  tickCommand: string;
}

/** A resumed heartbeat: the resume prompt in the heartbeat session (the runtime line names it), not a sub-agent. */
function isResumedHeartbeat(prompt: string): boolean {
  return prompt.includes(RESUME_PROMPT) && /session=\S*heartbeat/.test(prompt) && !prompt.includes('[Subagent Task]');
}

/**
 * The triage heartbeat: exec the tick, spawn each dispatched run through tool_call, then NO_REPLY. A resumed heartbeat
 * does the same (as a model that knows its checklist would): the transcript it should continue is not there, and
 * steward's tick offers again every run handed off before that no worker started (`reoffered: true`).
 */
function triageTurn(c: ReturnType<typeof readConversation>, facts?: TriageFacts): Turn {
  const tick = /`(steward tick --json --dir [^`]+)`/.exec(c.prompt)?.[1] ?? (isResumedHeartbeat(c.prompt) ? facts?.tickCommand : undefined);
  if (!tick) return say('NO_REPLY');
  const ticks = c.calls.filter((x) => x.name === 'exec');
  // The e2e's small tools.exec.timeoutSeconds (5 s) is meant for the worker's run; on a loaded machine the tick itself
  // took longer than that once (killed before it claimed anything; the next heartbeat came 16 min later).
  if (ticks.length === 0) return call('exec', { command: tick, timeoutSeconds: 300 });
  const spawns = c.calls.filter((x) => x.name === 'tool_call' || x.name === 'sessions_spawn');
  const digest = c.results.map(jsonIn).find((j) => j !== undefined && 'quiet' in j);
  if (!digest) return say(`the tick printed no digest: ${(c.result ?? '').slice(0, 300)}`);
  const dispatch = Array.isArray(digest.dispatch) ? digest.dispatch.filter(isObj) : [];
  if (spawns.length < dispatch.length) {
    const args = dispatch[spawns.length]!.sessions_spawn as Json;
    return c.tools.has('sessions_spawn') ? call('sessions_spawn', args) : call('tool_call', { id: 'sessions_spawn', args });
  }
  return say(dispatch.length ? `spawned ${dispatch.length} steward run(s)\nNO_REPLY` : 'NO_REPLY');
}

/** A safety limit on a worker's exec calls (each retry follows a kill by exec's timeout, so it is bounded by work). */
export const MAX_WORKER_EXECS = 60;

/**
 * The worker sub-agent: exec the command from its task text, poll until it exits, reply with steward's last line;
 * when exec killed the command before that line, run it again (the hand-off text says it is safe to repeat).
 */
function workerTurn(c: ReturnType<typeof readConversation>, quirks: WorkerQuirks): Turn {
  const given = /exactly these arguments: (\{.*\})$/m.exec(c.prompt)?.[1];
  if (!given) return say('no exec arguments in the task');
  const exec = () => {
    const args = JSON.parse(given) as Json;
    args.yieldMs = quirks.yieldMs;
    if (c.prompt.includes(quirks.disobeyWord)) delete args.timeoutSeconds;
    return call('exec', args);
  };
  if (c.calls.length === 0) return exec();
  // steward's last line, in this result or an earlier one (a poll may show it just before the process exits).
  const done = c.results.flatMap((r) => r.split('\n').map((l) => l.trim())).reverse().find((l) => /^run \d+ task #\d+:/.test(l));
  if (done) return say(done);
  const result = c.result ?? '';
  const session = /Command still running \(session ([^,\s)]+)/.exec(result)?.[1]
    ?? [...c.calls].reverse().find((x) => x.name === 'process')?.args.sessionId as string | undefined;
  if (/Command still running|Process still running/.test(result) && session) {
    return call('process', { action: 'poll', sessionId: session, timeout: 30000 });
  }
  const lines = result.split('\n').map((l) => l.trim()).filter(Boolean);
  const execs = c.calls.filter((x) => x.name === 'exec').length;
  if (!lines.some((l) => /^error [A-Z_]+:/.test(l)) && execs < MAX_WORKER_EXECS) return exec();
  return say(lines.filter((l) => !/^Process exited/.test(l)).pop() ?? '(no output)');
}

/** exec's words for a command it killed (its timeout: SIGTERM, SIGKILL 5 s later) or that a signal ended. */
export const KILLED = /Process exited with signal|Command timed out|The command was terminated/;

/** One request's turn: a worker (with its task id, and whether its last command was killed), the triage heartbeat, or anything else (NO_REPLY). */
export function openclawTurn(req: Json, quirks: WorkerQuirks, facts?: TriageFacts): { who: string; turn: Turn; task?: number; killed?: boolean; resumed?: boolean } {
  const c = readConversation(req);
  if (c.prompt.includes('[Subagent Task]') && c.prompt.includes('You are a steward worker')) {
    const task = Number(/You are a steward worker for task #(\d+)/.exec(c.prompt)?.[1]);
    return { who: 'worker', turn: workerTurn(c, quirks), task, killed: KILLED.test(c.result ?? '') };
  }
  if (c.prompt.includes('Heartbeat: steward triage')) return { who: 'triage', turn: triageTurn(c) };
  if (isResumedHeartbeat(c.prompt)) return { who: 'triage', turn: triageTurn(c, facts), resumed: true };
  return { who: 'other', turn: say('NO_REPLY') };
}

export interface OpenClawModel {
  url: string;
  close(): Promise<void>;
}

/** Serves /v1/chat/completions (stream or not) and /v1/models on 127.0.0.1:0; every request goes to `logFile`. */
export async function startOpenClawModel(logFile: string, quirks: WorkerQuirks, facts?: TriageFacts): Promise<OpenClawModel> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && /\/models$/.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'e2e', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || !/\/chat\/completions$/.test(req.url ?? '')) {
        appendFileSync(logFile, `${JSON.stringify({ at: Date.now(), url: req.url, method: req.method, reply: 404 })}\n`);
        res.writeHead(404).end();
        return;
      }
      let parsed: Json = {};
      try {
        parsed = JSON.parse(body) as Json;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const { who, turn, task, killed, resumed } = openclawTurn(parsed, quirks, facts);
      appendFileSync(logFile, `${JSON.stringify({ at: Date.now(), who, task, killed, resumed, turn, request: parsed })}\n`);
      const out = chat.render(parsed, turn, req.url ?? '');
      res.writeHead(200, out.headers);
      for (const p of out.parts) res.write(p);
      res.end();
    });
  });
  // Idle keep-alive sockets stay open (closed by close() below): with Node's 5 s default, a request sent on a socket the
  // server was just closing failed with ECONNRESET, and OpenClaw resumed the heartbeat without its prompt.
  server.keepAliveTimeout = 0;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
