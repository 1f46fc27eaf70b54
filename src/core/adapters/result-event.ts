// Reads a Claude-style `{"type":"result"}` event (Claude Code, Qwen Code) into a Reading.
import type { Reading } from './classify.js';
import type { RunOutput } from './types.js';
import { describeUnreadable, isObject, lastOfType, num, parseJsonEvents, str, sum, type JsonObject } from './parse-util.js';
import { isApiErrorEnvelope, statusInCliError } from './signals.js';

/** How a CLI counts input tokens, and whether it may report an API error in a success-shaped result. */
export interface ResultEventOptions {
  /** Claude's `input_tokens` excludes cache reads/writes, Qwen's includes them. */
  cacheInInput: boolean;
  /** Qwen Code ≤ 0.15 reports API errors as `subtype: success, is_error: false` (see apiErrorInSuccess). */
  successShapedErrors?: boolean;
}

/** Errors the CLI counted in its own `stats.models.*.api.totalErrors`, or undefined when it reports none. */
function statsErrors(result: JsonObject): number | undefined {
  const models = isObject(result.stats) && isObject(result.stats.models) ? Object.values(result.stats.models) : [];
  let total: number | undefined;
  for (const m of models) if (isObject(m) && isObject(m.api)) total = sum(total, num(m.api.totalErrors));
  return total;
}

/**
 * Qwen Code 0.15 ends an API failure with `subtype: "success", is_error: false, result: "[API Error: 401 …]"`
 * and exit 0. That result is the CLI's error channel, not the model's words, when these structured facts hold:
 * the result is the CLI's own `[API Error: …]` envelope, no model output arrived (0 output tokens), and the CLI
 * counted API errors (`stats…totalErrors > 0`, `-o json`) or, where it prints no stats (`-o stream-json`), no model
 * call was answered at all (0 input tokens: every answered call counts its prompt). A model that writes that text
 * has input and output tokens.
 */
export function apiErrorInSuccess(result: JsonObject): boolean {
  const usage = isObject(result.usage) ? result.usage : {};
  const text = str(result.result) ?? '';
  if (!isApiErrorEnvelope(text) || (num(usage.output_tokens) ?? 0) !== 0) return false;
  const counted = statsErrors(result);
  return counted !== undefined ? counted > 0 : num(usage.input_tokens) === 0;
}

/** Reads stdout holding a result event as one JSON object, a JSON array, or stream-json lines. */
export function readResultEvent(cli: string, out: RunOutput, options: ResultEventOptions): Reading {
  const parsed = parseJsonEvents(out.stdout);
  const { events } = parsed;
  const result = lastOfType(events, 'result');
  const session_id = str(result?.session_id) ?? events.map((e) => str(e.session_id)).find((s) => s !== undefined);
  if (!result) {
    const error = events.length && !parsed.truncated ? `${cli} output has no result event` : describeUnreadable(cli, out.stdout, parsed);
    return { ok: false, text: '', error, session_id, silent: parsed.empty };
  }
  const usage = isObject(result.usage) ? result.usage : {};
  const cache = options.cacheInInput ? [] : [num(usage.cache_creation_input_tokens), num(usage.cache_read_input_tokens)];
  const failed = result.is_error === true || (options.successShapedErrors === true && apiErrorInSuccess(result));
  const reading: Reading = {
    ok: !failed && out.exitCode === 0,
    text: failed ? '' : (str(result.result) ?? ''),
    session_id,
    cost_usd: num(result.total_cost_usd),
    tokens_in: sum(num(usage.input_tokens), ...cache),
    tokens_out: num(usage.output_tokens),
    turns: num(result.num_turns),
  };
  if (failed) {
    const message = str(result.result) || str(isObject(result.error) ? result.error.message : result.error) || `${cli} reported an error`;
    const status = num(result.api_error_status) ?? statusInCliError(message);
    const type = str(result.api_error_type) ?? str(isObject(result.error) ? result.error.type : undefined);
    const known = status === undefined || message.includes(String(status));
    reading.summary = message;
    reading.error = `${known ? '' : `API error ${status}${type ? ` ${type}` : ''}: `}${message}`;
    if (status !== undefined) reading.status = status;
    if (type !== undefined) reading.errorType = type;
    if (result.subtype === 'error_max_turns') {
      reading.kind = 'transient';
      reading.error = `${cli} stopped at its turn limit (error_max_turns): ${message}`;
    }
  } else if (out.exitCode !== 0) {
    reading.error = `${cli} exited with code ${out.exitCode} after a result`;
  }
  return reading;
}
