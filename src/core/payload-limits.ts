// Bounds on free-form JSON an agent sends (evidence, artifacts): depth checked without recursion, then size. No zod
// here (the babysitter checks its own evidence by hand: fast-input.ts); schemas.ts makes the zod type of it.

/** Deepest nesting of arrays/objects accepted in `evidence` or `artifacts` (a scalar is depth 0). */
export const MAX_PAYLOAD_DEPTH = 32;
/** Largest `evidence` or `artifacts`, as UTF-8 JSON bytes. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/**
 * The HTTP body limit of what carries a run's report (MCP over HTTP, the worker API's outcome): the largest report
 * every field limit allows fits. JSON writes a control character in six bytes, so a completion's summary (100,000
 * characters) is up to 600,000 bytes, its artifacts and evidence 256 KiB each; a failure's error 600,000, its question
 * 120,000 and its evidence 256 KiB: ~1.1 MB at most.
 */
export const MAX_REPORT_BODY_BYTES = 2 * 1024 * 1024;

/**
 * How deep `value` nests, stopping as soon as it passes `limit` (so a 100,000-deep value costs
 * `limit` steps down one branch, and never a stack frame per level).
 */
export function payloadDepth(value: unknown, limit = MAX_PAYLOAD_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, here]);
    }
  }
  return deepest;
}

/** Why `value` is over the limits, or null when it fits. */
export function payloadProblem(value: unknown): string | null {
  const depth = payloadDepth(value);
  if (depth > MAX_PAYLOAD_DEPTH) return `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const bytes = text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) return `over ${MAX_PAYLOAD_BYTES} bytes as JSON (${bytes})`;
  return null;
}
