// The four wire formats of the mock model: how to tell the turn from a request and how to write the answer.
type Json = Record<string, unknown>;
export type Api = 'anthropic' | 'responses' | 'chat' | 'gemini';

/** The model's next move: call the shell tool, answer, or fill a JSON schema (Gemini's router). */
export type Turn =
  | { kind: 'tool'; tool: string; args: Json; callId: string }
  | { kind: 'final'; text: string }
  | { kind: 'json'; text: string };

export interface Rendered {
  stream: boolean;
  headers: Record<string, string>;
  parts: string[];
}

export interface Wire {
  turnOf(req: Json, script: { command: string; final: string }, url: string): Turn;
  render(req: Json, turn: Turn, url: string): Rendered;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const USAGE = { in: 100, out: 20 };
const SHELL_TOOLS = ['Bash', 'bash', 'run_shell_command', 'shell_command', 'shell', 'exec_command', 'local_shell'];

/** Arguments for a shell tool from its JSON schema: the command where a command goes, harmless values elsewhere. */
function argsFor(schema: unknown, command: string): Json {
  const props = isObj(schema) && isObj(schema.properties) ? schema.properties : { command: { type: 'string' } };
  const required = isObj(schema) ? arr(schema.required).map(String) : [];
  const out: Json = {};
  for (const [name, p] of Object.entries(props)) {
    const type = isObj(p) ? String(p.type ?? '').toLowerCase() : '';
    if (name === 'command' || name === 'cmd') out[name] = type === 'array' ? ['bash', '-lc', command] : command;
    else if (name === 'description') out[name] = 'create hello.txt';
    else if (name === 'is_background' || name === 'run_in_background') out[name] = false;
    else if (required.includes(name)) out[name] = type === 'boolean' ? false : type === 'number' || type === 'integer' ? 60000 : '';
  }
  return out;
}

/** The shell tool among `tools` ({name, schema}), or undefined when the request offers none. */
function pickTool(tools: { name: string; schema: unknown }[]): { name: string; schema: unknown } | undefined {
  for (const want of SHELL_TOOLS) {
    const t = tools.find((x) => x.name === want);
    if (t) return t;
  }
  return undefined;
}

function decide(tools: { name: string; schema: unknown }[], answered: boolean, script: { command: string; final: string }): Turn {
  const tool = answered ? undefined : pickTool(tools);
  if (!tool) return { kind: 'final', text: script.final };
  return { kind: 'tool', tool: tool.name, args: argsFor(tool.schema, script.command), callId: `call_${Date.now().toString(36)}` };
}

const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };
/** The final text in a few pieces (a slow stream pauses between them). */
const pieces = (text: string): string[] => text.match(/[\s\S]{1,8}/g) ?? [''];

export const anthropic: Wire = {
  turnOf(req, script) {
    const answered = arr(req.messages).some((m) => isObj(m) && arr(m.content).some((c) => isObj(c) && c.type === 'tool_result'));
    const tools = arr(req.tools).filter(isObj).map((t) => ({ name: String(t.name), schema: t.input_schema }));
    return decide(tools, answered, script);
  },
  render(req, turn) {
    const model = String(req.model ?? 'mock');
    const id = `msg_${Date.now().toString(36)}`;
    const stopReason = turn.kind === 'tool' ? 'tool_use' : 'end_turn';
    if (!req.stream) {
      const content = turn.kind === 'tool' ? [{ type: 'tool_use', id: turn.callId, name: turn.tool, input: turn.args }] : [{ type: 'text', text: turn.text }];
      const message = { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage: { input_tokens: USAGE.in, output_tokens: USAGE.out } };
      return { stream: false, headers: JSON_HEADERS, parts: [JSON.stringify(message)] };
    }
    const parts = [sse('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: USAGE.in, output_tokens: 1 } } })];
    if (turn.kind === 'tool') {
      parts.push(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: turn.callId, name: turn.tool, input: {} } }));
      parts.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(turn.args) } }));
    } else {
      parts.push(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      for (const p of pieces(turn.text)) parts.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }));
    }
    parts.push(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    parts.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: USAGE.out } }));
    parts.push(sse('message_stop', { type: 'message_stop' }));
    return { stream: true, headers: SSE_HEADERS, parts };
  },
};

export const responses: Wire = {
  turnOf(req, script) {
    const answered = arr(req.input).some((i) => isObj(i) && /_call_output$/.test(String(i.type)));
    const tools = arr(req.tools).filter(isObj).map((t) => ({ name: String(t.name ?? t.type), schema: t.parameters }));
    return decide(tools, answered, script);
  },
  render(req, turn) {
    const model = String(req.model ?? 'mock');
    const rid = `resp_${Date.now().toString(36)}`;
    const item =
      turn.kind === 'tool'
        ? { type: 'function_call', id: `fc_${turn.callId}`, call_id: turn.callId, name: turn.tool, arguments: JSON.stringify(turn.args), status: 'completed' }
        : { type: 'message', id: `msg_${rid}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] };
    const usage = { input_tokens: USAGE.in, input_tokens_details: { cached_tokens: 0 }, output_tokens: USAGE.out, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: USAGE.in + USAGE.out };
    const response = (status: string, output: unknown[]) => ({ id: rid, object: 'response', created_at: Math.floor(Date.now() / 1000), status, model, output, usage });
    if (req.stream === false) return { stream: false, headers: JSON_HEADERS, parts: [JSON.stringify(response('completed', [item]))] };
    const parts = [sse('response.created', { type: 'response.created', response: response('in_progress', []) })];
    parts.push(sse('response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, ...(turn.kind === 'tool' ? {} : { content: [] }), status: 'in_progress' } }));
    if (turn.kind !== 'tool') {
      for (const p of pieces(turn.text)) parts.push(sse('response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: p }));
    }
    parts.push(sse('response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }));
    parts.push(sse('response.completed', { type: 'response.completed', response: response('completed', [item]) }));
    return { stream: true, headers: SSE_HEADERS, parts };
  },
};

export const chat: Wire = {
  turnOf(req, script) {
    const answered = arr(req.messages).some((m) => isObj(m) && m.role === 'tool');
    const tools = arr(req.tools).filter(isObj).map((t) => (isObj(t.function) ? { name: String(t.function.name), schema: t.function.parameters } : { name: '', schema: {} }));
    return decide(tools, answered, script);
  },
  render(req, turn) {
    const model = String(req.model ?? 'mock');
    const id = `chatcmpl_${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: USAGE.in, completion_tokens: USAGE.out, total_tokens: USAGE.in + USAGE.out };
    const call = turn.kind === 'tool' ? { id: turn.callId, type: 'function', function: { name: turn.tool, arguments: JSON.stringify(turn.args) } } : undefined;
    const finish = call ? 'tool_calls' : 'stop';
    if (!req.stream) {
      const message = call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: turn.kind === 'tool' ? '' : turn.text };
      return { stream: false, headers: JSON_HEADERS, parts: [JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish }], usage })] };
    }
    const chunk = (delta: Json, finish_reason: string | null, extra: Json = {}) => sse(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason }], ...extra });
    const parts = [chunk({ role: 'assistant', content: '' }, null)];
    if (call) parts.push(chunk({ tool_calls: [{ index: 0, ...call }] }, null));
    else if (turn.kind !== 'tool') for (const p of pieces(turn.text)) parts.push(chunk({ content: p }, null));
    parts.push(chunk({}, finish, { usage }));
    parts.push('data: [DONE]\n\n');
    return { stream: true, headers: SSE_HEADERS, parts };
  },
};

/** JSON that fits a (Gemini) response schema: first enum value, "e2e" for strings. */
function fill(schema: unknown): unknown {
  if (!isObj(schema)) return 'e2e';
  const type = String(schema.type ?? '').toLowerCase();
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (type === 'object' || isObj(schema.properties)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(isObj(schema.properties) ? schema.properties : {})) out[k] = fill(v);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'boolean') return false;
  if (type === 'number' || type === 'integer') return 1;
  return 'e2e';
}

export const gemini: Wire = {
  turnOf(req, script) {
    const config = isObj(req.generationConfig) ? req.generationConfig : {};
    const schema = config.responseJsonSchema ?? config.responseSchema;
    if (schema !== undefined) return { kind: 'json', text: JSON.stringify(fill(schema)) };
    const answered = arr(req.contents).some((c) => isObj(c) && arr(c.parts).some((p) => isObj(p) && p.functionResponse !== undefined));
    const tools = arr(req.tools)
      .filter(isObj)
      .flatMap((t) => arr(t.functionDeclarations).filter(isObj))
      .map((f) => ({ name: String(f.name), schema: f.parametersJsonSchema ?? f.parameters }));
    return decide(tools, answered, script);
  },
  render(_req, turn, url) {
    const part = turn.kind === 'tool' ? { functionCall: { name: turn.tool, args: turn.args } } : { text: turn.text };
    const usageMetadata = { promptTokenCount: USAGE.in, candidatesTokenCount: USAGE.out, totalTokenCount: USAGE.in + USAGE.out };
    const body = (parts: unknown[], finishReason?: string) => ({
      candidates: [{ content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
      usageMetadata,
      modelVersion: 'gemini-mock',
    });
    if (!/streamGenerateContent/i.test(url)) return { stream: false, headers: JSON_HEADERS, parts: [JSON.stringify(body([part], 'STOP'))] };
    const parts: string[] = [];
    if (turn.kind === 'tool') parts.push(sse(undefined, body([part], 'STOP')));
    else {
      const ps = pieces(turn.text);
      ps.forEach((p, i) => parts.push(sse(undefined, body([{ text: p }], i === ps.length - 1 ? 'STOP' : undefined))));
    }
    return { stream: true, headers: SSE_HEADERS, parts };
  },
};
