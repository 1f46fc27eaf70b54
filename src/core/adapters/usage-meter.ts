// Reads a CLI's running usage from its output stream as it arrives (for run budgets): cost, tokens, turns.
import type { Usage } from '../budget.js';
import { isObject, num, type JsonObject } from './parse-util.js';
import type { CliKind } from './types.js';

/** A line longer than this is not parsed for usage (a tool result of megabytes is no usage event). */
const MAX_LINE = 1 << 20;

/** Feeds on raw stdout chunks; `usage()` is what the CLI reported so far. */
export interface UsageMeter {
  /** Takes a chunk of stdout; true when the usage changed. `onEvent` runs after each event that changed it. */
  push(chunk: string, onEvent?: () => void): boolean;
  usage(): Usage;
  /** True once the CLI printed its final result (its totals): the run is over, nothing is left to stop. */
  final(): boolean;
}

/** Reads one JSON event into the running usage; true when it changed anything. */
type EventReader = (event: JsonObject, state: MeterState) => boolean;

interface MeterState {
  usage: Usage;
  /** Claude: usage per assistant message id (a message is printed once per content block, its usage repeated). */
  messages: Map<string, { in: number; out: number }>;
  /** Set once a final result arrived: its totals are the truth and later lines change nothing. */
  final: boolean;
}

/** A figure of usage: a finite number that is not negative (a CLI printing -5 tokens spends nothing, and takes nothing back). */
function amount(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** Claude Code stream-json (and Qwen Code's, which has the same shapes). */
function claudeLike(cacheInInput: boolean): EventReader {
  return (event, st) => {
    if (st.final) return false;
    if (event.type === 'assistant' && isObject(event.message) && isObject(event.message.usage)) {
      const m = event.message;
      const u = m.usage as JsonObject;
      const id = typeof m.id === 'string' ? m.id : `#${st.messages.size}`;
      const cache = cacheInInput ? 0 : (amount(u.cache_creation_input_tokens) ?? 0) + (amount(u.cache_read_input_tokens) ?? 0);
      const seen = st.messages.get(id);
      const next = { in: Math.max(seen?.in ?? 0, (amount(u.input_tokens) ?? 0) + cache), out: Math.max(seen?.out ?? 0, amount(u.output_tokens) ?? 0) };
      st.messages.set(id, next);
      let tin = 0;
      let tout = 0;
      for (const v of st.messages.values()) {
        tin += v.in;
        tout += v.out;
      }
      st.usage = { ...st.usage, tokens_in: tin, tokens_out: tout, turns: st.messages.size };
      return true;
    }
    if (event.type === 'result') {
      const u = isObject(event.usage) ? event.usage : {};
      const cache = cacheInInput ? 0 : (amount(u.cache_creation_input_tokens) ?? 0) + (amount(u.cache_read_input_tokens) ?? 0);
      const next: Usage = { ...st.usage };
      const cost = amount(event.total_cost_usd);
      if (cost !== undefined) next.cost_usd = cost;
      if (amount(u.input_tokens) !== undefined) next.tokens_in = amount(u.input_tokens)! + cache;
      if (amount(u.output_tokens) !== undefined) next.tokens_out = amount(u.output_tokens);
      if (amount(event.num_turns) !== undefined) next.turns = amount(event.num_turns);
      st.usage = next;
      st.final = true;
      return true;
    }
    return false;
  };
}

/** Codex `exec --json`: usage per completed turn (summed); a `token_count` event carries running totals. */
const codex: EventReader = (event, st) => {
  if (event.type === 'turn.completed' && isObject(event.usage)) {
    const u = event.usage;
    st.usage = {
      ...st.usage,
      tokens_in: (st.usage.tokens_in ?? 0) + (amount(u.input_tokens) ?? 0),
      tokens_out: (st.usage.tokens_out ?? 0) + (amount(u.output_tokens) ?? 0),
      turns: (st.usage.turns ?? 0) + 1,
    };
    return true;
  }
  // Codex's own token_count event (its session log shape): info.total_token_usage is the run's total so far.
  const info = isObject(event.info) ? event.info : isObject(event.msg) && isObject(event.msg.info) ? event.msg.info : undefined;
  const kind = event.type === 'token_count' || (isObject(event.msg) && event.msg.type === 'token_count');
  if (kind && info && isObject(info.total_token_usage)) {
    const t = info.total_token_usage;
    const tin = amount(t.input_tokens);
    const tout = amount(t.output_tokens);
    st.usage = {
      ...st.usage,
      ...(tin !== undefined ? { tokens_in: Math.max(tin, st.usage.tokens_in ?? 0) } : {}),
      ...(tout !== undefined ? { tokens_out: Math.max(tout, st.usage.tokens_out ?? 0) } : {}),
    };
    return tin !== undefined || tout !== undefined;
  }
  return false;
};

/** opencode `run --format json`: a step_finish per model step, with its cost and tokens. */
const opencode: EventReader = (event, st) => {
  if (event.type !== 'step_finish') return false;
  const part = isObject(event.part) ? event.part : {};
  const t = isObject(part.tokens) ? part.tokens : {};
  const cache = isObject(t.cache) ? t.cache : {};
  const cost = amount(part.cost);
  st.usage = {
    ...st.usage,
    ...(cost !== undefined ? { cost_usd: (st.usage.cost_usd ?? 0) + cost } : {}),
    tokens_in: (st.usage.tokens_in ?? 0) + (amount(t.input) ?? 0) + (amount(cache.read) ?? 0) + (amount(cache.write) ?? 0),
    tokens_out: (st.usage.tokens_out ?? 0) + (amount(t.output) ?? 0) + (amount(t.reasoning) ?? 0),
    turns: (st.usage.turns ?? 0) + 1,
  };
  return true;
};

const READERS: Partial<Record<CliKind, EventReader>> = {
  claude: claudeLike(false),
  qwen: claudeLike(true),
  codex,
  opencode,
};

/** True when steward can read this CLI's usage while it runs (the others report it only at the end, if at all). */
export function metersUsage(cli: CliKind): boolean {
  return READERS[cli] !== undefined;
}

/** A meter for `cli`'s stdout; one that never reports anything for a CLI without a streamed usage. */
export function createUsageMeter(cli: CliKind): UsageMeter {
  const read = READERS[cli];
  const st: MeterState = { usage: {}, messages: new Map(), final: false };
  let partial = '';
  let skipping = false;
  return {
    push(chunk, onEvent) {
      if (!read) return false;
      let changed = false;
      let text = partial + chunk;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (!skipping && line.trimStart().startsWith('{')) {
          try {
            const event = JSON.parse(line) as unknown;
            if (isObject(event) && read(event, st)) {
              changed = true;
              onEvent?.();
            }
          } catch {
            // not a JSON line: progress text, a clipped line
          }
        }
        skipping = false;
        nl = text.indexOf('\n');
      }
      if (text.length > MAX_LINE) {
        text = '';
        skipping = true;
      }
      partial = text;
      return changed;
    },
    usage: () => ({ ...st.usage }),
    final: () => st.final,
  };
}
