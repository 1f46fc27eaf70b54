// Reads a Claude-style `{"type":"result"}` event (Claude Code, Qwen Code) into a Reading.
import type { Reading } from './classify.js';
import type { RunOutput } from './types.js';
import { clipTail, describeUnreadable, isObject, lastOfType, num, parseJsonEvents, str, sum } from './parse-util.js';

/** How a CLI counts input tokens: Claude's `input_tokens` excludes cache reads/writes, Qwen's includes them. */
export interface ResultEventOptions {
  cacheInInput: boolean;
}

/** Reads stdout holding a result event as one JSON object, a JSON array, or stream-json lines. */
export function readResultEvent(cli: string, out: RunOutput, options: ResultEventOptions): Reading {
  const parsed = parseJsonEvents(out.stdout);
  const { events } = parsed;
  const result = lastOfType(events, 'result');
  const session_id = str(result?.session_id) ?? events.map((e) => str(e.session_id)).find((s) => s !== undefined);
  if (!result) {
    const error = events.length && !parsed.truncated ? `${cli} output has no result event` : describeUnreadable(cli, out.stdout, parsed);
    const evidence = events.length ? '' : clipTail(out.stdout, 4000);
    return { ok: false, text: '', error, evidence, session_id };
  }
  const usage = isObject(result.usage) ? result.usage : {};
  const cache = options.cacheInInput ? [] : [num(usage.cache_creation_input_tokens), num(usage.cache_read_input_tokens)];
  const reading: Reading = {
    ok: result.is_error !== true && out.exitCode === 0,
    text: str(result.result) ?? '',
    session_id,
    cost_usd: num(result.total_cost_usd),
    tokens_in: sum(num(usage.input_tokens), ...cache),
    tokens_out: num(usage.output_tokens),
  };
  if (result.is_error === true) {
    const status = num(result.api_error_status);
    const type = str(result.api_error_type);
    const message = reading.text || str(isObject(result.error) ? result.error.message : result.error) || `${cli} reported an error`;
    const known = status === undefined || message.includes(String(status));
    const prefix = known ? '' : `API error ${status}${type ? ` ${type}` : ''}: `;
    reading.error = `${prefix}${message}`;
    if (result.subtype === 'error_max_turns') {
      reading.kind = 'transient';
      reading.error = `${cli} stopped at its turn limit (error_max_turns): ${message}`;
    }
  } else if (out.exitCode !== 0) {
    reading.error = `${cli} exited with code ${out.exitCode} after a result`;
  }
  return reading;
}
