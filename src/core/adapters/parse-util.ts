// Small pure helpers the adapters share: clipping text and reading JSON / JSONL output.

/** Longest summary an adapter returns, in characters. */
export const SUMMARY_MAX = 4000;
/** Longest stdout tail used as a summary for plain-text CLIs (aider, command). */
export const TAIL_MAX = 2000;

/** A JSON object as read from a CLI (fields unknown until checked). */
export type JsonObject = Record<string, unknown>;

/** The first `max` characters of `text`, with an ellipsis when cut. */
export function clipHead(text: string, max = SUMMARY_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The last `max` characters of `text`, with an ellipsis when cut. */
export function clipTail(text: string, max = SUMMARY_MAX): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

/** The last non-empty lines of `text` that fit in `max` characters (one clipped line at worst). */
export function tailLines(text: string, max = TAIL_MAX): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const cost = lines[i].length + (kept.length ? 1 : 0);
    if (size + cost > max) {
      if (kept.length === 0) kept.unshift(clipTail(lines[i], max));
      break;
    }
    kept.unshift(lines[i]);
    size += cost;
  }
  return kept.join('\n');
}

/** True for a plain (non-array) object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Adds numbers where at least one is present; undefined when none is. */
export function sum(...values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Events read from JSON, a JSON array, or JSONL; non-JSON lines are skipped and counted. */
export interface JsonEvents {
  events: JsonObject[];
  /** Non-empty lines that were not JSON objects (log noise, or a cut-off last line). */
  badLines: number;
  /** The last non-empty line was not JSON: the stream was most likely cut off. */
  truncated: boolean;
  /** No non-whitespace output at all. */
  empty: boolean;
}

/** Reads a CLI's stdout as JSON events, whichever of the three shapes it is in. */
export function parseJsonEvents(stdout: string): JsonEvents {
  const trimmed = stdout.trim();
  if (trimmed === '') return { events: [], badLines: 0, truncated: false, empty: true };
  const whole = tryParse(trimmed);
  if (Array.isArray(whole)) return { events: whole.filter(isObject), badLines: 0, truncated: false, empty: false };
  if (isObject(whole)) return { events: [whole], badLines: 0, truncated: false, empty: false };
  const events: JsonObject[] = [];
  let badLines = 0;
  let lastBad = false;
  for (const line of trimmed.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const value = tryParse(line.trim());
    const items = Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : [];
    lastBad = items.length === 0;
    if (lastBad) badLines++;
    events.push(...items);
  }
  return { events, badLines, truncated: lastBad && events.length > 0, empty: false };
}

/** One JSON object from text that may carry log lines before or after it (pretty-printed is fine). */
export function parseJsonObject(text: string): JsonObject | undefined {
  const trimmed = text.trim();
  const whole = tryParse(trimmed);
  if (isObject(whole)) return whole;
  const start = trimmed.search(/^\{/m);
  const end = trimmed.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  const inner = tryParse(trimmed.slice(start, end + 1));
  if (isObject(inner)) return inner;
  const events = parseJsonEvents(trimmed).events;
  return events.length ? events[events.length - 1] : undefined;
}

/** The last event whose `type` is one of `types`. */
export function lastOfType(events: JsonObject[], ...types: string[]): JsonObject | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (types.includes(String(events[i].type))) return events[i];
  return undefined;
}

/** Words describing output that could not be read, for an error message. */
export function describeUnreadable(cli: string, stdout: string, parsed: JsonEvents): string {
  if (parsed.empty) return `${cli} printed no output`;
  if (parsed.truncated) return `${cli} output ended mid-stream (truncated): ${clipTail(stdout.trim(), 200)}`;
  return `${cli} output is not JSON: ${clipHead(stdout.trim(), 200)}`;
}
